"""The visit report: what an engineer's visit found, did, and what still needs the client.

Built from the evidence store (one run: the visit), never from Ansible's output, so every line
of the page is a recorded finding or action of that run.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from tripod.models import SEVERITY_RANK, Action, Finding
from tripod.store import EvidenceStore

PROBLEM = ("fail", "error")


@dataclass(frozen=True)
class Item:
    host: str
    area: str
    text: str
    detail: str = ""


@dataclass
class VisitReport:
    run_id: str
    clients: list[str]
    started_at: str
    ended_at: str | None
    check_mode: bool
    hosts: dict[str, str]  # host -> run status (ok, failed, unreachable, ...)
    counts: dict[str, dict[str, int]]  # area -> status -> count
    found: list[Item] = field(default_factory=list)  # problems the checks found
    done: list[Item] = field(default_factory=list)  # changes made (or, in a dry run, planned)
    needs_client: list[Item] = field(default_factory=list)  # what the client still has to do or decide
    not_assessed: list[Item] = field(default_factory=list)  # what could not be checked, with why

    @property
    def client(self) -> str:
        return ", ".join(self.clients) or "unknown client"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _severity(finding: Finding) -> int:
    """Sort key: most severe first, unknown severities last."""
    return -SEVERITY_RANK.get(finding.severity, -1)


def _needs_client(finding: Finding) -> Item:
    text = finding.remediation or f"{finding.title}: decide with your engineer"
    return Item(finding.host or "", finding.area, f"{finding.check_id} {finding.title}", text)


def build(findings: Iterable[Finding], actions: Iterable[Action], *, run_id: str, clients: list[str],
          started_at: str, ended_at: str | None, check_mode: bool, hosts: dict[str, str]) -> VisitReport:
    """The report of one visit from its recorded findings and actions."""
    report = VisitReport(run_id=run_id, clients=clients, started_at=started_at, ended_at=ended_at,
                         check_mode=check_mode, hosts=hosts, counts={})
    counts: dict[str, Counter[str]] = {}
    ordered = sorted(findings, key=lambda f: (_severity(f), f.host or "", f.check_id))
    for finding in ordered:
        counts.setdefault(finding.area, Counter())[finding.status] += 1
        where = finding.host or ""
        if finding.status in PROBLEM:
            report.found.append(Item(where, finding.area, f"{finding.check_id} {finding.title} ({finding.severity})",
                                     finding.evidence))
            report.needs_client.append(_needs_client(finding))
        elif finding.status == "not_assessed":
            report.not_assessed.append(Item(where, finding.area, f"{finding.check_id} {finding.title}",
                                            finding.evidence))
    report.counts = {area: dict(sorted(c.items())) for area, c in sorted(counts.items())}
    for action in actions:
        # In a dry run nothing changed: the actions are what the visit would do.
        if action.changed or check_mode:
            report.done.append(Item(action.host or "", action.area, action.kind.replace("_", " "), action.detail))
    return report


def from_store(store: EvidenceStore, run_id: str) -> VisitReport:
    run = store.get_run(run_id)
    if run is None:
        raise LookupError(f"run {run_id} is not in the evidence store")
    hosts = {h.host: h.status for h in store.run_hosts(run_id)}
    return build(store.run_findings(run_id), store.run_actions(run_id), run_id=run_id, clients=run.clients,
                 started_at=run.started_at, ended_at=run.ended_at, check_mode=run.check_mode, hosts=hosts)


def render_html(report: VisitReport) -> str:
    env = Environment(loader=PackageLoader("tripod.visit", "templates"), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("visit.html.j2").render(report=report)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "visit"


def save(report: VisitReport, directory: Path, hosts_label: str, *, pdf: bool = True) -> dict[str, Path]:
    """Write the visit's HTML page, its PDF (when WeasyPrint is installed) and JSON under
    directory/<client>/; return the paths by format."""
    from tripod.report.render import write_pdf

    folder = directory / _slug(report.client)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{report.started_at[:10]}-{_slug(hosts_label)}-{report.run_id}"
    written = {"html": folder / f"{stem}.html", "json": folder / f"{stem}.json"}
    page = render_html(report)
    written["html"].write_text(page, encoding="utf-8")
    written["json"].write_text(json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if pdf:
        try:
            write_pdf(page, folder / f"{stem}.pdf")
            written["pdf"] = folder / f"{stem}.pdf"
        except RuntimeError:  # WeasyPrint is not installed: the HTML page is the report
            pass
    return written
