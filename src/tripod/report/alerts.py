"""The Alerts section: Service Desk tickets opened and resolved, from the triage state in the store.

Triage (`tripod triage`) owns the tickets (the `tickets` table). The section counts, for the
month, tickets opened and resolved by priority and Service Desk tier, the mean time to
resolve of those resolved, and those still open at the end. A store without triage state, or
a client without tickets ever, gets "no triage data" and no numbers: the report never
invents them.
"""

from __future__ import annotations

from typing import Any

from tripod.report.period import Period, parse_time
from tripod.store import EvidenceStore

NO_TRIAGE_DATA = "no triage data"


def alerts_section(store: EvidenceStore, client: str, period: Period) -> dict[str, Any]:
    if not store.has_table("tickets"):
        return {"available": False, "note": f"{NO_TRIAGE_DATA}: this evidence store holds no Service Desk tickets "
                                            "(tripod triage has not run against it)"}
    tickets = store.ticket_rows(client, period.start, period.end)
    if not tickets:
        return {"available": False, "note": f"{NO_TRIAGE_DATA}: no Service Desk ticket for this client was open "
                                            "during the month"}
    start, end = period.start, period.end
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    hours: list[float] = []
    opened = resolved = still_open = 0
    for ticket in tickets:
        row = rows.setdefault((str(ticket["priority"]), int(str(ticket["desk_tier"]))), {
            "priority": ticket["priority"], "service_desk_tier": ticket["desk_tier"], "opened": 0, "resolved": 0})
        if start <= str(ticket["opened_at"]) < end:
            opened += 1
            row["opened"] += 1
        resolved_at = ticket["resolved_at"]
        if resolved_at is not None and start <= str(resolved_at) < end:
            resolved += 1
            row["resolved"] += 1
            hours.append((parse_time(str(resolved_at)) - parse_time(str(ticket["opened_at"]))).total_seconds() / 3600)
        if resolved_at is None or str(resolved_at) >= end:
            still_open += 1
    return {
        "available": True, "opened": opened, "resolved": resolved, "open_at_end": still_open,
        "mean_hours_to_resolve": round(sum(hours) / len(hours), 1) if hours else None,
        "rows": [rows[key] for key in sorted(rows)],
        "note": "tickets filed by tripod triage; mean time to resolve over the tickets resolved this month",
    }
