"""The per-host outcome of a patch run, read back from the evidence store (`tripod run patch` prints
it: tripod.cli.display).

Each host the run reached has one TRP-PATCH-004 finding whose evidence starts with its outcome
(`tripod.patching.outcome`). A host without one was never reached by the patching role: it
failed before (preflight: bad policy, unreachable), or its batch never started because an
earlier batch exceeded the failure limit (`not started`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


from tripod.patching import outcome
from tripod.store import EvidenceStore

ORDER = (outcome.FAILED, outcome.NOT_STARTED, outcome.PATCHED, outcome.PLANNED, outcome.NOTHING_TO_DO,
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
    return sorted(summaries, key=lambda s: (ORDER.index(s.outcome), s.host))
