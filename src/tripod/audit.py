"""The per-host summary that ends `tripod audit`, read back from the evidence store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from tripod.models import Finding, score
from tripod.store import EvidenceStore

#: The check that judges pending security updates; `not_assessed` when the package lists are stale.
PENDING_CHECK = "TRP-PATCH-001"


@dataclass(frozen=True)
class HostSummary:
    host: str
    client: str | None
    tier: str | None
    status: str
    message: str
    security_updates: int | None
    other_updates: int | None
    reboot_required: bool | None
    fullest: str | None
    eol_days: int | None
    score: float | None
    failing: int


def _fullest(facts: Mapping[str, Any]) -> str | None:
    filesystems = [fs for fs in facts.get("capacity", {}).get("filesystems") or [] if fs.get("used_percent") is not None]
    if not filesystems:
        return None
    fs = max(filesystems, key=lambda item: item["used_percent"])
    return f"{fs['mount']} {fs['used_percent']:.0f}%"


def summarize_run(store: EvidenceStore, run_id: str) -> list[HostSummary]:
    """One summary per host of the run, from the facts and findings the run recorded."""
    facts = {snapshot.host: snapshot.facts for snapshot in store.run_facts(run_id)}
    findings: dict[str, list[Finding]] = {}
    for finding in store.run_findings(run_id):
        findings.setdefault(finding.host, []).append(finding)
    summaries = []
    for host in store.run_hosts(run_id):
        host_facts = facts.get(host.host, {})
        patches = host_facts.get("patches") or {}
        host_findings = findings.get(host.host, [])
        # Stale or missing package lists: the pending counts in the facts are not a figure ("-").
        judged = {f.check_id: f.status for f in host_findings}
        pending_known = judged.get(PENDING_CHECK) != "not_assessed"
        summaries.append(HostSummary(
            host=host.host,
            client=host.client,
            tier=host.tier,
            status=host.status,
            message=host.message or "",
            security_updates=patches.get("security_count") if pending_known else None,
            other_updates=patches.get("other_count") if pending_known else None,
            reboot_required=patches.get("reboot_required"),
            fullest=_fullest(host_facts),
            eol_days=(host_facts.get("lifecycle") or {}).get("days_left"),
            score=score(host_findings),
            failing=sum(1 for f in host_findings if f.status in ("fail", "error")),
        ))
    return summaries
