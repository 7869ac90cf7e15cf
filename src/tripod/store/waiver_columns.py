"""A finding's waiver in the store: `findings.waiver` holds its id (for grouping and triage) and
`findings.waiver_detail` (migration 5) the whole waiver as a JSON object of
tripod.models.WAIVER_FIELDS. Rows written before migration 5 have only the `waiver` text."""

from __future__ import annotations

import json
from typing import Any

from tripod.models import WaiverInfo


def to_columns(waiver: WaiverInfo | None) -> tuple[str | None, str | None]:
    """(waiver, waiver_detail) column values for a finding's waiver."""
    if waiver is None:
        return None, None
    return waiver.id, json.dumps(waiver.to_dict(), separators=(",", ":"), sort_keys=True)


def detail(waiver: str | None, waiver_detail: str | None) -> dict[str, Any] | str | None:
    """The waiver as a report reads it: the structured mapping, or, for a row written before
    migration 5, the text it was recorded with."""
    if waiver_detail:
        loaded = json.loads(waiver_detail)
        if isinstance(loaded, dict):
            return loaded
    return waiver


def from_columns(waiver: str | None, waiver_detail: str | None) -> WaiverInfo | None:
    """The finding's WaiverInfo from its two columns (a legacy row: its text as the id)."""
    return WaiverInfo.from_value(detail(waiver, waiver_detail))
