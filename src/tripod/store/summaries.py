"""Monthly summaries: the SQL shared by retention (roll-up) and reads (live summaries).

A host's month in one area is the LATEST result of each check in that month, counted by
status (a check run daily counts once, as it stood at the end of the month). `findings`
keeps the number of raw rows. Actions are counted, with the bytes actually reclaimed.
"""

from __future__ import annotations

from tripod.models import STATUSES

#: Findings with no client are summarised under the client ''.
NO_CLIENT = ""


def client_filter(client: str | None, column: str = "client") -> tuple[str, tuple[str, ...]]:
    """SQL condition and parameters selecting `client` (None: rows with no client)."""
    if client is None:
        return f"{column} IS NULL", ()
    return f"{column} = ?", (client,)


def findings_summary_sql(where: str) -> str:
    """Per (client, host, area): latest result per check counted by status. Parameters:
    month start, month end, then those of `where` (an extra condition on findings)."""
    counts = ",\n".join(f"SUM(CASE WHEN rn = 1 AND status = '{s}' THEN 1 ELSE 0 END) AS {s}" for s in STATUSES)
    return f"""
        SELECT client, host, area, {counts}, COUNT(*) AS findings
        FROM (
            SELECT COALESCE(client, '{NO_CLIENT}') AS client, host, area, status,
                   ROW_NUMBER() OVER (PARTITION BY COALESCE(client, '{NO_CLIENT}'), host, check_id
                                      ORDER BY time DESC, id DESC) AS rn
            FROM findings
            WHERE time >= ? AND time < ? AND {where}
        ) AS ranked
        WHERE 1 = 1
        GROUP BY client, host, area
    """


def actions_summary_sql(where: str) -> str:
    """Per (client, host, area): actions, changed actions, bytes reclaimed (changed only)."""
    return f"""
        SELECT COALESCE(client, '{NO_CLIENT}') AS client, host, area, COUNT(*) AS actions,
               SUM(changed) AS actions_changed,
               SUM(CASE WHEN changed = 1 THEN COALESCE(bytes, 0) ELSE 0 END) AS bytes_reclaimed
        FROM actions
        WHERE time >= ? AND time < ? AND {where}
        GROUP BY COALESCE(client, '{NO_CLIENT}'), host, area
    """
