"""What a health or housekeeping run recorded, read back from the evidence store: the health
checks that failed, and the space housekeeping reclaimed (`tripod run` prints them:
tripod.cli.display)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tripod.models import SEVERITIES, Action, Finding
from tripod.store import EvidenceStore


@dataclass(frozen=True)
class RunEvidence:
    failing: list[Finding]  # health findings that failed or erred, most severe first
    actions: list[Action]  # housekeeping actions
    check_mode: bool


def run_evidence(store: EvidenceStore, run_id: str) -> RunEvidence | None:
    """The run's failing health findings and its housekeeping actions; None for an unknown run."""
    run = store.get_run(run_id)
    if run is None:
        return None
    failing = most_severe_first(f for f in store.run_findings(run_id)
                                if f.area == "health" and f.status in ("fail", "error"))
    actions = [action for action in store.run_actions(run_id) if action.area == "housekeeping"]
    return RunEvidence(failing, actions, run.check_mode)


def most_severe_first(findings: Iterable[Finding]) -> list[Finding]:
    """Critical first; then by host and check."""
    return sorted(findings, key=lambda f: (-SEVERITIES.index(f.severity), f.host or "", f.check_id))
