"""Retention: roll old findings and actions up into monthly_summaries, then delete the raw
rows and fact snapshots. The policy decides how many months to keep; this module only obeys.

Runs and per-host run rows are kept: they are small, and they are the record of every
failure. Each month is rolled up and deleted in its own transaction, so a crash leaves
whole months either raw or summarised, and writers are never blocked for long.
"""

from __future__ import annotations

from datetime import datetime, timezone

from tripod.models import STATUSES
from tripod.store.records import PruneResult, add_months, month_bounds
from tripod.store.dialect import Connection, transaction
from tripod.store.summaries import actions_summary_sql, findings_summary_sql

_STATUS_COLUMNS = ", ".join(STATUSES)

_ROLL_UP_FINDINGS = f"""
    INSERT INTO monthly_summaries (client, host, month, area, {_STATUS_COLUMNS}, findings)
    SELECT client, host, ?, area, {_STATUS_COLUMNS}, findings FROM ({findings_summary_sql("1 = 1")}) AS summary
    WHERE 1 = 1
    ON CONFLICT (client, host, month, area) DO UPDATE SET
    {", ".join(f"{c} = monthly_summaries.{c} + excluded.{c}" for c in (*STATUSES, "findings"))}
"""

_ROLL_UP_ACTIONS = f"""
    INSERT INTO monthly_summaries (client, host, month, area, actions, actions_changed, bytes_reclaimed)
    SELECT client, host, ?, area, actions, actions_changed, bytes_reclaimed FROM ({actions_summary_sql("1 = 1")}) AS a
    WHERE 1 = 1
    ON CONFLICT (client, host, month, area) DO UPDATE SET
    {", ".join(f"{c} = monthly_summaries.{c} + excluded.{c}" for c in ("actions", "actions_changed", "bytes_reclaimed"))}
"""

_SCORE = """
    UPDATE monthly_summaries SET score = CASE WHEN pass + fail + error > 0
        THEN CAST(pass AS REAL) / (pass + fail + error) END
    WHERE month = ?
"""


def _oldest_month(conn: Connection) -> str | None:
    oldest = [row[0] for row in conn.execute(
        "SELECT MIN(time) FROM findings UNION ALL SELECT MIN(time) FROM actions"
        " UNION ALL SELECT MIN(collected_at) FROM fact_snapshots") if row[0]]
    return min(oldest)[:7] if oldest else None


def prune(conn: Connection, before_months: int, *, now: datetime | None = None) -> PruneResult:
    """Keep the current month and the `before_months` before it; roll up and delete the rest.

    With before_months=12 on 2026-11-27 the cutoff is 2025-11-01T00:00:00Z: October 2025
    and older become monthly summaries.
    """
    if isinstance(before_months, bool) or not isinstance(before_months, int) or before_months < 0:
        raise ValueError(f"before_months: must be a non-negative integer, got {before_months!r}")
    current = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m")
    cutoff_month = add_months(current, -before_months)
    cutoff = month_bounds(cutoff_month)[0]
    months: list[str] = []
    totals = {"findings": 0, "actions": 0, "fact_snapshots": 0}
    month = _oldest_month(conn)
    while month is not None and month < cutoff_month:
        start, end = month_bounds(month)
        with transaction(conn):
            conn.execute(_ROLL_UP_FINDINGS, (month, start, end))
            conn.execute(_ROLL_UP_ACTIONS, (month, start, end))
            conn.execute(_SCORE, (month,))
            conn.execute("DELETE FROM latest_results WHERE month = ?", (month,))  # derived from the findings
            deleted = {
                "findings": conn.execute("DELETE FROM findings WHERE time >= ? AND time < ?", (start, end)).rowcount,
                "actions": conn.execute("DELETE FROM actions WHERE time >= ? AND time < ?", (start, end)).rowcount,
                "fact_snapshots": conn.execute(
                    "DELETE FROM fact_snapshots WHERE collected_at >= ? AND collected_at < ?", (start, end)).rowcount,
            }
        if any(deleted.values()):
            months.append(month)
        for key, count in deleted.items():
            totals[key] += count
        month = add_months(month, 1)
    return PruneResult(cutoff=cutoff, months=months, **totals)
