"""The per-host outcome of a patch run, read back from the evidence store: what `tripod run patch` prints.

Each host the run reached has one TRP-PATCH-004 finding whose evidence starts with its outcome
(`tripod.patching.outcome`). A host without one was never reached by the patching role: it
failed before (preflight: bad policy, unreachable), or its batch never started because an
earlier batch exceeded the failure limit (`not started`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tripod.patching import outcome
from tripod.runner import RunResult
from tripod.store import EvidenceStore

_STYLE = {
    outcome.PATCHED: "yellow",
    outcome.PLANNED: "cyan",
    outcome.NOTHING_TO_DO: "green",
    outcome.SKIPPED_WINDOW: "dim",
    outcome.SKIPPED_DISABLED: "dim",
    outcome.FAILED: "bold red",
    outcome.NOT_STARTED: "magenta",
}
_ORDER = (outcome.FAILED, outcome.NOT_STARTED, outcome.PATCHED, outcome.PLANNED, outcome.NOTHING_TO_DO,
          outcome.SKIPPED_WINDOW, outcome.SKIPPED_DISABLED)


@dataclass(frozen=True)
class PatchOutcome:
    host: str
    outcome: str
    detail: str
    updates: int  # packages updated (or, when planned, to update)
    reboot: str  # rebooted | planned | - ; deferred reboots are in the detail


def summarize(store: EvidenceStore, run_id: str, hosts: Iterable[str] = (), *,
              patch_run: bool = False) -> list[PatchOutcome]:
    """One outcome per host of the run (and per expected host the run never recorded).

    Empty when the run recorded no patch outcome, unless `patch_run` says it was one anyway
    (every host failed before patching, or no batch started).
    """
    found: dict[str, tuple[str, str]] = {}
    for finding in store.run_findings(run_id):
        if finding.check_id == outcome.OUTCOME_CHECK and finding.host:
            found[finding.host] = outcome.parse(finding.evidence)
    if not found and not patch_run:
        return []
    updates: dict[str, int] = {}
    reboots: dict[str, str] = {}
    for action in store.run_actions(run_id):
        host = action.host or ""
        if action.area != "patching":
            continue
        if action.kind.startswith("package_"):
            updates[host] = updates.get(host, 0) + 1
        elif action.kind == "reboot":
            reboots[host] = "rebooted" if action.changed else "planned"
    statuses = {h.host: h for h in store.run_hosts(run_id)}
    summaries = []
    for host in sorted(set(hosts) | set(statuses) | set(found)):
        if host in found:
            result, detail = found[host]
        elif host in statuses and statuses[host].status in ("failed", "unreachable"):
            result, detail = outcome.FAILED, f"{statuses[host].status} before patching: {statuses[host].message or ''}"
        else:
            result, detail = outcome.NOT_STARTED, "the rollout stopped before this host's batch"
        summaries.append(PatchOutcome(host, result, detail.strip(), updates.get(host, 0), reboots.get(host, "-")))
    return sorted(summaries, key=lambda s: (_ORDER.index(s.outcome), s.host))


def table(summaries: list[PatchOutcome], title: str = "Patch summary") -> Table:
    """One row per host: outcome, packages updated, reboot, and the detail."""
    counts: dict[str, int] = {}
    for item in summaries:
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
    caption = ", ".join(f"{counts[name]} {name}" for name in _ORDER if name in counts)
    grid = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    grid.add_column("host", style="bold", no_wrap=True)
    grid.add_column("outcome", no_wrap=True)
    grid.add_column("updates", justify="right", no_wrap=True)
    grid.add_column("reboot", no_wrap=True)
    grid.add_column("detail", overflow="ellipsis", no_wrap=True, max_width=90)
    for item in summaries:
        grid.add_row(item.host, f"[{_STYLE[item.outcome]}]{item.outcome}[/]", str(item.updates), item.reboot,
                     escape(item.detail))
    return grid


def print_summary(console: Console, store: EvidenceStore, run_id: str, hosts: Iterable[str], *,
                  patch_run: bool = False) -> bool:
    """Print the table when the run was a patch run; True when printed."""
    summaries = summarize(store, run_id, hosts, patch_run=patch_run)
    if summaries:
        console.print(table(summaries))
    return bool(summaries)


def show_after_run(console: Console, result: RunResult) -> None:
    """After `tripod run`: the patch summary, when the run was a patch run and was recorded."""
    from tripod.store import default_path

    if not default_path().is_file():
        return
    with EvidenceStore(default_path()) as store:
        print_summary(console, store, result.run_id, result.hosts, patch_run=result.playbook.stem == "patch")
