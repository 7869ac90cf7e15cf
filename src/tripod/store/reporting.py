"""Reads and writes for reports: host sightings, fact history, recurring failures, review sign-offs.

Every read is an iterator ordered by host, so a report over thousands of hosts streams
rows and never holds every host's facts at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tripod.store.records import FactSnapshot
from tripod.store.dialect import Connection, dialect_of, transaction
from tripod.store.waiver_columns import detail as waiver_detail


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


def _rows(conn: Connection, sql: str, params: tuple[Any, ...]) -> Any:
    """Plain tuples (the store's connection makes row objects, slower to build and read)."""
    return dialect_of(conn).plain_rows(conn, sql, params)


def host_sightings(conn: Connection, client: str, start: str, end: str) -> Iterator[HostSighting]:
    """The client's host rows of runs that finished in [start, end), by host and time."""
    sql = """
        SELECT h.host, h.client, h.tier, h.status, h.finished_at, h.run_id, r.playbook, h.message
        FROM run_hosts h JOIN runs r ON r.run_id = h.run_id
        WHERE h.client = ? AND h.finished_at >= ? AND h.finished_at < ?
        ORDER BY h.host, h.finished_at, h.run_id
    """
    for row in _rows(conn, sql, (client, start, end)):
        yield HostSighting(*row)


#: The parts of a compliance-facts snapshot that reports read (dotted paths).
REPORT_FACT_PATHS: tuple[str, ...] = ("os_family", "identity", "lifecycle", "patches", "capacity.filesystems",
                                      "certificates", "backups", "errors")


@dataclass(frozen=True, slots=True)
class FactSample:
    """What trends need from one snapshot: filesystem usage and the pending security updates."""

    host: str
    collected_at: str
    filesystems: list[dict[str, Any]]
    security_count: int | None
    pending_security: list[str]


def _nest(paths: tuple[str, ...], values: list[object]) -> dict[str, object]:
    facts: dict[str, object] = {}
    for path, value in zip(paths, values, strict=True):
        *parents, leaf = path.split(".")
        target = facts
        for parent in parents:
            target = target.setdefault(parent, {})  # type: ignore[assignment]
        target[leaf] = value  # type: ignore[index]
    return facts


# The database's JSON functions (SQLite's JSON1, PostgreSQL's json operators) do the extraction
# in C, so a report parses a few hundred bytes per snapshot instead of the whole document.

def latest_report_facts(conn: Connection, client: str, start: str, end: str) -> Iterator[FactSnapshot]:
    """Each host's newest snapshot collected in [start, end), reduced to REPORT_FACT_PATHS, by host."""
    # One extraction of several paths parses the document once and returns their values as an array.
    values = dialect_of(conn).json_values("s.facts", REPORT_FACT_PATHS)
    # The window ranks narrow rows (ids); the documents are then read by primary key.
    sql = f"""
        SELECT s.run_id, s.host, s.client, s.collected_at, {values}
        FROM (SELECT id FROM (
                  SELECT id, ROW_NUMBER() OVER (PARTITION BY host ORDER BY collected_at DESC, id DESC) AS rn
                  FROM fact_snapshots WHERE client = ? AND collected_at >= ? AND collected_at < ?
              ) AS ranked WHERE rn = 1) AS latest
        JOIN fact_snapshots s ON s.id = latest.id
        ORDER BY s.host
    """
    for row in _rows(conn, sql, (client, start, end)):
        yield FactSnapshot(run_id=row[0], host=row[1], client=row[2], collected_at=row[3],
                           facts=_nest(REPORT_FACT_PATHS, json.loads(row[4])))


def fact_samples(conn: Connection, client: str, start: str, end: str) -> Iterator[FactSample]:
    """Every snapshot of the client collected in [start, end), reduced to what trends need, by host and time."""
    dialect = dialect_of(conn)
    sql = f"""
        SELECT host, collected_at, COALESCE({dialect.json_text("facts", "capacity.filesystems")}, '[]'), security_count,
               CASE WHEN security_count > 0 THEN {dialect.json_text("facts", "patches.pending")} END
        FROM (SELECT id, host, collected_at, facts,
                     {dialect.json_integer("facts", "patches.security_count")} AS security_count
              FROM fact_snapshots WHERE client = ? AND collected_at >= ? AND collected_at < ?) AS snapshots
        ORDER BY host, collected_at, id
    """
    for row in _rows(conn, sql, (client, start, end)):
        pending = json.loads(row[4]) if row[4] else []
        names = [str(u.get("name")) for u in pending if isinstance(u, dict) and u.get("security")]
        yield FactSample(row[0], row[1], json.loads(row[2]), row[3], names)


def latest_findings(conn: Connection, client: str, month: str) -> Iterator[tuple[Any, ...]]:
    """Each host's latest result of each check in `month` (YYYY-MM) as plain rows, by host and check:
    (host, area, check_id, title, severity, status, evidence, remediation, waiver, tier, time).

    `waiver` is the structured waiver (a mapping, tripod.models.WAIVER_FIELDS), or the text of a
    row recorded before store migration 5, or None."""
    # latest_results is kept up to date as findings are written: read in key order, no ranking.
    sql = """
        SELECT f.host, f.area, f.check_id, f.title, f.severity, f.status, f.evidence, f.remediation, f.waiver,
               f.tier, f.time, f.waiver_detail
        FROM latest_results l JOIN findings f ON f.id = l.finding_id
        WHERE l.client = ? AND l.month = ?
        ORDER BY l.host, l.check_id
    """
    for row in _rows(conn, sql, (client, month)):
        yield (*row[:8], waiver_detail(row[8], row[11]), *row[9:11])


def check_results(conn: Connection, client: str, start: str, end: str, check_id: str,
                  statuses: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    """Every result of `check_id` with one of `statuses` in [start, end): (host, time, status, evidence)."""
    marks = ", ".join("?" for _status in statuses)
    sql = f"""
        SELECT host, time, status, evidence FROM findings
        WHERE client = ? AND time >= ? AND time < ? AND check_id = ? AND status IN ({marks})
        ORDER BY host, time, id
    """
    return list(_rows(conn, sql, (client, start, end, check_id, *statuses)))


def recurring_failures(conn: Connection, client: str, start: str, end: str,
                       min_months: int = 2) -> list[RecurringFailure]:
    """Checks whose latest result in a month was fail or error, in at least `min_months`
    months of [start, end) (whole months), per host; the most recurrent first."""
    sql = """
        SELECT l.host, l.check_id, f.area, f.title, f.severity, l.month
        FROM latest_results l JOIN findings f ON f.id = l.finding_id
        WHERE l.client = ? AND l.month >= ? AND l.month < ? AND f.status IN ('fail', 'error')
        ORDER BY l.host, l.check_id, l.month
    """
    grouped: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in _rows(conn, sql, (client, start[:7], end[:7])):
        grouped.setdefault((row[0], row[1]), []).append(row)
    result = [
        RecurringFailure(host=rows[-1][0], check_id=rows[-1][1], area=rows[-1][2], title=rows[-1][3],
                         severity=rows[-1][4], months=tuple(row[5] for row in rows))
        for rows in grouped.values() if len(rows) >= min_months
    ]
    return sorted(result, key=lambda r: (-len(r.months), r.host, r.check_id))


def month_status_counts(conn: Connection, client: str,
                        month: str) -> Iterator[tuple[str, str, str, dict[str, Any] | str | None, int]]:
    """(host, area, status, waiver, count) over each host's latest result of each check in `month`,
    in no particular order; `waiver` as in latest_findings()."""
    sql = """
        SELECT l.host, f.area, f.status, f.waiver, f.waiver_detail, COUNT(*)
        FROM latest_results l JOIN findings f ON f.id = l.finding_id
        WHERE l.client = ? AND l.month = ?
        GROUP BY l.host, f.area, f.status, f.waiver, f.waiver_detail
    """
    for row in _rows(conn, sql, (client, month)):
        yield (row[0], row[1], row[2], waiver_detail(row[3], row[4]), row[5])


def ticket_rows(conn: Connection, client: str, start: str, end: str) -> list[dict[str, object]]:
    """The client's Service Desk tickets (triage, migration 3) opened before `end` and not resolved
    before `start`: those opened, resolved, or still open in [start, end)."""
    sql = """
        SELECT ticket_id, host, priority, desk_tier, status, opened_at, resolved_at FROM tickets
        WHERE client = ? AND opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
        ORDER BY opened_at, ticket_id
    """
    names = ("ticket_id", "host", "priority", "desk_tier", "status", "opened_at", "resolved_at")
    return [dict(zip(names, row, strict=True)) for row in conn.execute(sql, (client, end, start))]


def add_signoff(conn: Connection, signoff: SignOff) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO review_signoffs (client, half, engineer, notes, signed_at, review_digest)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (signoff.client, signoff.half, signoff.engineer, signoff.notes, signoff.signed_at, signoff.review_digest))


def signoffs(conn: Connection, client: str, half: str) -> list[SignOff]:
    """Every sign-off of the client's review for `half`, oldest first."""
    rows = conn.execute(
        "SELECT client, half, engineer, notes, signed_at, review_digest FROM review_signoffs"
        " WHERE client = ? AND half = ? ORDER BY signed_at, id", (client, half))
    return [SignOff(*row) for row in rows]
