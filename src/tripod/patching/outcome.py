"""The outcome of one host's patch run, as one finding (TRP-PATCH-004) in the shared result model.

Every host that a patch run reaches gets exactly one TRP-PATCH-004 finding. Its evidence
starts with the outcome, then a colon and the detail, for example
`patched: 12 package(s) updated (...); rebooted in 4 s; 81 s`. The run summary
(`tripod run patch`) and reports read the outcome back with `parse()`.
"""

from __future__ import annotations

from typing import Any

OUTCOME_CHECK = "TRP-PATCH-004"
GATE_CHECK = "TRP-PATCH-005"

PATCHED = "patched"
PLANNED = "planned"
NOTHING_TO_DO = "nothing to do"
SKIPPED_WINDOW = "skipped (window)"
SKIPPED_DISABLED = "skipped (disabled)"
FAILED = "failed"
NOT_STARTED = "not started"

OUTCOMES = (PATCHED, PLANNED, NOTHING_TO_DO, SKIPPED_WINDOW, SKIPPED_DISABLED, FAILED, NOT_STARTED)
# The finding's status for each outcome: only a failure counts against the score.
_STATUS = {PATCHED: "pass", NOTHING_TO_DO: "pass", PLANNED: "not_assessed", SKIPPED_WINDOW: "not_assessed",
           SKIPPED_DISABLED: "not_applicable", FAILED: "error"}
_EVIDENCE_LIMIT = 1500


def finding(outcome: str, detail: str) -> dict[str, Any]:
    """The TRP-PATCH-004 finding for an outcome (not `not started`: that host has no finding)."""
    if outcome not in _STATUS:
        raise ValueError(f"outcome: {outcome!r} is not one of {', '.join(_STATUS)}")
    failed = outcome == FAILED
    return {
        "area": "patching",
        "check_id": OUTCOME_CHECK,
        "title": "Patch run outcome",
        "severity": "high" if failed else "info",
        "status": _STATUS[outcome],
        "evidence": f"{outcome}: {detail}"[:_EVIDENCE_LIMIT],
        "remediation": "Fix the cause shown, then run the patch playbook again in the host's maintenance window."
        if failed else "",
        "waiver": None,
    }


def parse(evidence: str) -> tuple[str, str]:
    """(outcome, detail) from a TRP-PATCH-004 finding's evidence."""
    for outcome in OUTCOMES:
        if evidence.startswith(f"{outcome}: ") or evidence == outcome:
            return outcome, evidence[len(outcome) + 2:]
    raise ValueError(f"not a patch outcome: {evidence[:60]!r}")
