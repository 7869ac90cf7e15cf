"""What triage reads (observations) and what it sends (ticket events).

An observation says that one check on one host is, at one moment, a problem or fine.
It comes from a finding in the evidence store or from an Alertmanager alert; either way
the ticket it leads to is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tripod.models import Finding
from tripod.store.tickets import Ticket

#: Finding statuses that are a problem, and those that end one (with the resolution shown).
PROBLEM_STATUSES: tuple[str, ...] = ("fail", "error")
RESOLVING_STATUSES: dict[str, str] = {
    "pass": "the check passes again",
    "waived": "the check is waived",
    "not_applicable": "the check no longer applies",
}

SOURCES: tuple[str, ...] = ("finding", "alertmanager")
DESK_TIERS: dict[int, str] = {1: "Tier 1 (workstation)", 2: "Tier 2 (server)", 3: "Tier 3 (network infrastructure)"}


@dataclass(frozen=True)
class Observation:
    """One check on one host at one moment: a problem, or not (`resolution` says why)."""

    client: str
    host: str
    tier: str | None
    check_id: str
    problem: bool
    severity: str
    title: str
    evidence: str
    remediation: str
    observed_at: str
    source: str
    source_ref: str
    resolution: str = ""


def from_finding(finding_id: int, finding: Finding, client: str) -> Observation | None:
    """The observation a stored finding makes; None for `not_assessed` (it says nothing)."""
    if finding.status in PROBLEM_STATUSES:
        problem, resolution = True, ""
    elif finding.status in RESOLVING_STATUSES:
        problem, resolution = False, RESOLVING_STATUSES[finding.status]
        if finding.status == "waived" and finding.waiver:
            resolution = f"{resolution} ({finding.waiver})"
    else:
        return None
    evidence = finding.evidence
    if finding.status == "error":
        evidence = f"the check could not be evaluated: {evidence}"
    return Observation(
        client=client, host=str(finding.host), tier=finding.tier, check_id=finding.check_id, problem=problem,
        severity=finding.severity, title=finding.title, evidence=evidence, remediation=finding.remediation,
        observed_at=str(finding.time), source="finding", source_ref=f"finding:{finding_id}", resolution=resolution,
    )


def event_payload(ticket: Ticket, event: str, seq: int) -> dict[str, Any]:
    """What every sink sends for one event: the ticket as it is now, and which event this is.

    The idempotency key is the same for every sink and every retry of this event.
    """
    return {
        "event": event,
        "idempotency_key": f"{ticket.ticket_id}-{seq}",
        "ticket_id": ticket.ticket_id,
        "status": ticket.status,
        "client": ticket.client,
        "host": ticket.host,
        "tier": ticket.tier,
        "check_id": ticket.check_id,
        "source": ticket.source,
        "title": ticket.title,
        "severity": ticket.severity,
        "priority": ticket.priority,
        "desk_tier": ticket.desk_tier,
        "service_desk": DESK_TIERS.get(ticket.desk_tier, f"Tier {ticket.desk_tier}"),
        "evidence": ticket.evidence,
        "remediation": ticket.remediation,
        "occurrences": ticket.occurrences,
        "opened_at": ticket.opened_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "resolution": ticket.resolution,
    }
