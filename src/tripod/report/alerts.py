"""The Alerts section: Service Desk tickets opened and resolved, from the triage state in the store.

Triage (`tripod triage`) owns the tickets. When the store holds no triage state, the section
says so ("no triage data") and shows no numbers: it never invents them.
"""

from __future__ import annotations

from typing import Any

from tripod.report.period import Period
from tripod.store import EvidenceStore

NO_TRIAGE_DATA = "no triage data"


def alerts_section(store: EvidenceStore, client: str, period: Period) -> dict[str, Any]:
    if not store.has_table("tickets"):
        return {"available": False, "note": f"{NO_TRIAGE_DATA}: the evidence store holds no Service Desk tickets "
                                            "(tripod triage has not run against it)"}
    return {"available": False, "note": f"{NO_TRIAGE_DATA}: the store's tickets table is not in a form this "
                                        "report reads yet"}
