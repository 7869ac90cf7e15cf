"""Reads and writes for reports: host sightings, fact history, recurring failures, review sign-offs.

Every read is an iterator ordered by host, so a report over thousands of hosts streams
rows and never holds every host's facts at once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from tripod.store.records import FactSnapshot
from tripod.store.sqlite import transaction


@dataclass(frozen=True, slots=True)
class HostSighting:
    """One host's row in one run: when it was seen, in which tier, with which outcome."""

    host: str
    client: str | None
    tier: str | None
    status: str
    finished_at: str
    run_id: str
    playbook: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class RecurringFailure:
    """A check that was failing (or in error) on a host at the end of several months."""

    host: str
    check_id: str
    area: str
    title: str
    severity: str
    months: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SignOff:
    client: str
    half: str
    engineer: str
    notes: str
    signed_at: str
    review_digest: str | None


def host_sightings(conn: sqlite3.Connection, client: str, start: str, end: str) -> Iterator[HostSighting]:
    """The client's host rows of runs that finished in [start, end), by host and time."""
    sql = """
        SELECT h.host, h.client, h.tier, h.status, h.finished_at, h.run_id, r.playbook, h.message
        FROM run_hosts h JOIN runs r ON r.run_id = h.run_id
        WHERE h.client = ? AND h.finished_at >= ? AND h.finished_at < ?
        ORDER BY h.host, h.finished_at, h.run_id
    """
    for row in conn.execute(sql, (client, start, end)):
        yield HostSighting(*row)


def fact_history(conn: sqlite3.Connection, client: str, start: str, end: str) -> Iterator[FactSnapshot]:
    """The client's fact snapshots collected in [start, end), by host and time (oldest first)."""
    sql = """
        SELECT run_id, host, client, collected_at, facts FROM fact_snapshots
        WHERE client = ? AND collected_at >= ? AND collected_at < ?
        ORDER BY host, collected_at, id
    """
    for row in conn.execute(sql, (client, start, end)):
        yield FactSnapshot(run_id=row[0], host=row[1], client=row[2], collected_at=row[3], facts=json.loads(row[4]))


def recurring_failures(conn: sqlite3.Connection, client: str, start: str, end: str,
                       min_months: int = 2) -> list[RecurringFailure]:
    """Checks whose latest result in a month was fail or error, in at least `min_months`
    months of [start, end), per host; the most recurrent first."""
    sql = """
        SELECT host, check_id, area, title, severity, substr(time, 1, 7) AS month, status FROM (
            SELECT host, check_id, area, title, severity, time, status,
                   ROW_NUMBER() OVER (PARTITION BY host, check_id, substr(time, 1, 7)
                                      ORDER BY time DESC, id DESC) AS rn
            FROM findings WHERE client = ? AND time >= ? AND time < ?
        ) AS ranked
        WHERE rn = 1 AND status IN ('fail', 'error')
        ORDER BY host, check_id, month
    """
    grouped: dict[tuple[str, str], list[sqlite3.Row]] = {}
    for row in conn.execute(sql, (client, start, end)):
        grouped.setdefault((row[0], row[1]), []).append(row)
    result = [
        RecurringFailure(host=rows[-1][0], check_id=rows[-1][1], area=rows[-1][2], title=rows[-1][3],
                         severity=rows[-1][4], months=tuple(row[5] for row in rows))
        for rows in grouped.values() if len(rows) >= min_months
    ]
    return sorted(result, key=lambda r: (-len(r.months), r.host, r.check_id))


def month_status_counts(conn: sqlite3.Connection, client: str, start: str, end: str) -> Iterator[tuple[str, str, str, str | None, int]]:
    """(host, area, status, waiver, count) over each host's latest result of each check in [start, end)."""
    sql = """
        SELECT host, area, status, waiver, COUNT(*) FROM (
            SELECT host, area, status, waiver,
                   ROW_NUMBER() OVER (PARTITION BY host, check_id ORDER BY time DESC, id DESC) AS rn
            FROM findings WHERE client = ? AND time >= ? AND time < ?
        ) AS ranked
        WHERE rn = 1
        GROUP BY host, area, status, waiver
        ORDER BY host
    """
    for row in conn.execute(sql, (client, start, end)):
        yield row[0], row[1], row[2], row[3], row[4]


def ticket_rows(conn: sqlite3.Connection, client: str, start: str, end: str) -> list[dict[str, object]]:
    """The client's Service Desk tickets (triage, migration 3) opened before `end` and not resolved
    before `start`: those opened, resolved, or still open in [start, end)."""
    sql = """
        SELECT ticket_id, host, priority, desk_tier, status, opened_at, resolved_at FROM tickets
        WHERE client = ? AND opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
        ORDER BY opened_at, ticket_id
    """
    names = ("ticket_id", "host", "priority", "desk_tier", "status", "opened_at", "resolved_at")
    return [dict(zip(names, row)) for row in conn.execute(sql, (client, end, start))]


def add_signoff(conn: sqlite3.Connection, signoff: SignOff) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO review_signoffs (client, half, engineer, notes, signed_at, review_digest)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (signoff.client, signoff.half, signoff.engineer, signoff.notes, signoff.signed_at, signoff.review_digest))


def signoffs(conn: sqlite3.Connection, client: str, half: str) -> list[SignOff]:
    """Every sign-off of the client's review for `half`, oldest first."""
    rows = conn.execute(
        "SELECT client, half, engineer, notes, signed_at, review_digest FROM review_signoffs"
        " WHERE client = ? AND half = ? ORDER BY signed_at, id", (client, half))
    return [SignOff(*row) for row in rows]
