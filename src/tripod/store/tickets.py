"""Triage state in the evidence store: tickets, their outbox of sink events, cursors.

The tables (migration 3) are documented in docs/triage.md. Everything here is plain SQL
on one connection; `tripod.triage` decides what to write. A caller groups several calls
into one transaction with `TicketStore.transaction()`, so that a crash leaves either all
of a step or none of it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from typing import Any

from tripod.models import Finding
from tripod.store.dialect import Connection, Row, dialect_of, transaction
from tripod.store.waiver_columns import from_columns

# Values (plain text in the schema; this module writes only these): a ticket is open or resolved; its events are
# opened, updated or resolved, and pending, sending, sent or failed; a delivery is pending,
# delivered or failed.


def new_ticket_id() -> str:
    return f"TRP-TKT-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Ticket:
    """One row of `tickets`: one problem (client, host, check) from opening to resolution."""

    ticket_id: str
    client: str
    host: str
    tier: str | None
    check_id: str
    source: str
    title: str
    severity: str
    priority: str
    desk_tier: int
    status: str
    evidence: str
    remediation: str
    occurrences: int
    opened_at: str
    updated_at: str
    last_seen_at: str
    resolved_at: str | None
    resolution: str | None
    source_ref: str
    delivery: str = "pending"
    delivery_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_TICKET_COLUMNS = tuple(f.name for f in fields(Ticket))


@dataclass(frozen=True)
class TicketEvent:
    """One row of `ticket_events`: one event of one ticket, to one sink."""

    id: int
    ticket_id: str
    seq: int
    event: str
    sink: str
    target: dict[str, Any]
    idempotency_key: str
    payload: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    claimed_by: str | None
    claimed_at: str | None
    created_at: str
    sent_at: str | None


@dataclass(frozen=True)
class NewFinding:
    """A finding the triage has not seen yet, with its row id (the cursor's unit)."""

    id: int
    finding: Finding


def _ticket(row: Row) -> Ticket:
    return Ticket(**{name: row[name] for name in _TICKET_COLUMNS})


def _event(row: Row) -> TicketEvent:
    values = {name: row[name] for name in row.keys()}  # noqa: SIM118 - Row is not iterable by key
    values["target"] = json.loads(values["target"])
    values["payload"] = json.loads(values["payload"])
    return TicketEvent(**values)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _where(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """`WHERE` text and parameters from (clause, value) pairs; a None value drops its clause."""
    kept = [(clause, value) for clause, value in conditions if value is not None]
    return " AND ".join(["1 = 1", *(clause for clause, _value in kept)]), [value for _clause, value in kept]


def _client_scope(clients: Collection[str] | None) -> tuple[str, list[str]]:
    """SQL keeping the events (alias `e`) of the tickets of `clients`; None keeps all."""
    if clients is None:
        return "1 = 1", []
    marks = ", ".join("?" for _client in clients) or "NULL"
    return f"e.ticket_id IN (SELECT ticket_id FROM tickets WHERE client IN ({marks}))", list(clients)


def target_key(sink: str, target: Mapping[str, Any]) -> str:
    """Identifies one sink destination (one webhook URL, one file), to skip it while it is down."""
    return _dump([sink, dict(target)])


class TicketStore:
    """Triage's tables, on the evidence store's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @contextmanager
    def transaction(self) -> Iterator[TicketStore]:
        with transaction(self._conn):
            yield self

    # -- tickets ---------------------------------------------------------------------------

    def open_ticket(self, client: str, host: str, check_id: str) -> Ticket | None:
        row = self._conn.execute(
            "SELECT * FROM tickets WHERE client = ? AND host = ? AND check_id = ? AND status = 'open'",
            (client, host, check_id)).fetchone()
        return _ticket(row) if row else None

    def last_ticket(self, client: str, host: str, check_id: str) -> Ticket | None:
        """The problem's most recent ticket, open or resolved."""
        row = self._conn.execute(
            "SELECT * FROM tickets WHERE client = ? AND host = ? AND check_id = ?"
            f" ORDER BY opened_at DESC, {dialect_of(self._conn).insertion_order} DESC LIMIT 1",
            (client, host, check_id)).fetchone()
        return _ticket(row) if row else None

    def get(self, ticket_id: str) -> Ticket | None:
        row = self._conn.execute("SELECT * FROM tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()
        return _ticket(row) if row else None

    def insert(self, ticket: Ticket) -> bool:
        """Add the ticket; False, adding nothing, when its problem has an open ticket already (the
        database's unique key on open problems decides, so two writers never open two)."""
        names = ", ".join(_TICKET_COLUMNS)
        marks = ", ".join("?" for _column in _TICKET_COLUMNS)
        return bool(self._conn.execute(
            f"INSERT INTO tickets ({names}) VALUES ({marks})"
            " ON CONFLICT (client, host, check_id) WHERE status = 'open' DO NOTHING",
            tuple(getattr(ticket, name) for name in _TICKET_COLUMNS)).rowcount)

    def update(self, ticket: Ticket) -> None:
        assignments = ", ".join(f"{name} = ?" for name in _TICKET_COLUMNS[1:])
        self._conn.execute(f"UPDATE tickets SET {assignments} WHERE ticket_id = ?",
                           (*(getattr(ticket, name) for name in _TICKET_COLUMNS[1:]), ticket.ticket_id))

    def find(self, *, client: str | None = None, status: str | None = None, host: str | None = None,
             active_from: str | None = None, active_until: str | None = None) -> list[Ticket]:
        """Tickets by opening time. `active_from`/`active_until` keep the tickets that were open at
        some moment of [active_from, active_until): opened before the end, not resolved before the start."""
        where, params = _where(("client = ?", client), ("status = ?", status), ("host = ?", host),
                               ("opened_at < ?", active_until),
                               ("(resolved_at IS NULL OR resolved_at >= ?)", active_from))
        sql = f"SELECT * FROM tickets WHERE {where} ORDER BY opened_at, {dialect_of(self._conn).insertion_order}"
        return [_ticket(row) for row in self._conn.execute(sql, params)]

    # -- the outbox ------------------------------------------------------------------------

    def next_seq(self, ticket_id: str) -> int:
        row = self._conn.execute("SELECT MAX(seq) FROM ticket_events WHERE ticket_id = ?", (ticket_id,)).fetchone()
        return int(row[0] or 0) + 1

    def enqueue(self, ticket_id: str, seq: int, event: str, sink: str, target: Mapping[str, Any],
                payload: Mapping[str, Any], created_at: str) -> None:
        self._conn.execute(
            "INSERT INTO ticket_events (ticket_id, seq, event, sink, target, idempotency_key, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (ticket_id, seq, event, sink, _dump(dict(target)), f"{ticket_id}-{seq}", _dump(dict(payload)), created_at))

    def claim_next(self, claimer: str, now: str, reclaimable: list[str], stale_before: str,
                   skip_targets: set[str], clients: Collection[str] | None = None) -> TicketEvent | None:
        """Take the oldest deliverable event: pending, or `sending` by a claimer that died
        (`reclaimable`) or whose claim is older than `stale_before`, not for a destination in
        `skip_targets`, and of a ticket of one of `clients` (None: any). An event waits until the
        ticket's earlier events to the same sink are sent. Returns it marked `sending` by
        `claimer` with its attempt counted; None when nothing is deliverable."""
        marks = ", ".join("?" for _sink in reclaimable) or "NULL"
        scope, scope_params = _client_scope(clients)
        sql = f"""SELECT * FROM ticket_events e
                  WHERE e.id > ?
                    AND (e.status = 'pending'
                         OR (e.status = 'sending' AND (e.claimed_by IN ({marks}) OR e.claimed_at < ?)))
                    AND NOT EXISTS (SELECT 1 FROM ticket_events p WHERE p.ticket_id = e.ticket_id
                                    AND p.sink = e.sink AND p.seq < e.seq AND p.status <> 'sent')
                    AND {scope}
                  ORDER BY e.id LIMIT 50"""
        after = 0
        while True:
            candidates = self._conn.execute(sql, (after, *reclaimable, stale_before, *scope_params)).fetchall()
            if not candidates:
                return None
            for row in candidates:
                after = row["id"]
                if target_key(row["sink"], json.loads(row["target"])) in skip_targets:
                    continue
                with transaction(self._conn):
                    taken = self._conn.execute(
                        "UPDATE ticket_events SET status = 'sending', claimed_by = ?, claimed_at = ?,"
                        " attempts = attempts + 1 WHERE id = ? AND status = ? AND COALESCE(claimed_by, '') = ?",
                        (claimer, now, row["id"], row["status"], row["claimed_by"] or "")).rowcount
                if taken:
                    fresh = self._conn.execute("SELECT * FROM ticket_events WHERE id = ?", (row["id"],)).fetchone()
                    return _event(fresh)

    def queued_targets(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(client, host, sink, target) of every event still to send (pending or failed)."""
        return [(row[0], row[1], row[2], json.loads(row[3])) for row in self._conn.execute(
            "SELECT DISTINCT t.client, t.host, e.sink, e.target FROM ticket_events e"
            " JOIN tickets t ON t.ticket_id = e.ticket_id WHERE e.status IN ('pending', 'failed')")]

    def retarget(self, client: str, host: str, sink: str, target: Mapping[str, Any]) -> int:
        """Send the host's queued events for `sink` to `target` (the policy's current settings)."""
        with transaction(self._conn):
            return int(self._conn.execute(
                "UPDATE ticket_events SET target = ? WHERE status IN ('pending', 'failed') AND sink = ?"
                " AND ticket_id IN (SELECT ticket_id FROM tickets WHERE client = ? AND host = ?)",
                (_dump(dict(target)), sink, client, host)).rowcount)

    def sending_claimers(self) -> list[str]:
        return [row[0] for row in self._conn.execute(
            "SELECT DISTINCT claimed_by FROM ticket_events WHERE status = 'sending' AND claimed_by IS NOT NULL")]

    def finish(self, event_id: int, status: str, error: str | None, now: str) -> None:
        """Record the outcome of one delivery attempt and the ticket's delivery state."""
        if status not in ("pending", "sent", "failed"):
            raise ValueError(f"status: {status!r} is not pending, sent or failed")
        with transaction(self._conn):
            self._conn.execute(
                "UPDATE ticket_events SET status = ?, last_error = ?, sent_at = ?, claimed_by = NULL"
                " WHERE id = ?", (status, error, now if status == "sent" else None, event_id))
            ticket_id = self._conn.execute("SELECT ticket_id FROM ticket_events WHERE id = ?",
                                           (event_id,)).fetchone()[0]
            self._refresh_delivery(ticket_id)

    def _refresh_delivery(self, ticket_id: str) -> None:
        states = {row[0]: row[1] for row in self._conn.execute(
            "SELECT status, COUNT(*) FROM ticket_events WHERE ticket_id = ? GROUP BY status", (ticket_id,))}
        if states.get("failed"):
            delivery = "failed"
        elif states.get("pending") or states.get("sending"):
            delivery = "pending"
        else:
            delivery = "delivered"
        error = None
        if delivery != "delivered":
            row = self._conn.execute(
                "SELECT sink, last_error FROM ticket_events WHERE ticket_id = ? AND last_error IS NOT NULL"
                " AND status <> 'sent' ORDER BY id DESC LIMIT 1", (ticket_id,)).fetchone()
            error = f"{row[0]}: {row[1]}" if row else None
        self._conn.execute("UPDATE tickets SET delivery = ?, delivery_error = ? WHERE ticket_id = ?",
                           (delivery, error, ticket_id))

    def retry_failed(self) -> int:
        """Put every failed event back in the queue (after the sink was fixed)."""
        with transaction(self._conn):
            ids = [row[0] for row in self._conn.execute("SELECT DISTINCT ticket_id FROM ticket_events"
                                                        " WHERE status = 'failed'")]
            count = self._conn.execute("UPDATE ticket_events SET status = 'pending' WHERE status = 'failed'").rowcount
            for ticket_id in ids:
                self._refresh_delivery(ticket_id)
        return int(count)

    def events(self, ticket_id: str | None = None, status: str | None = None) -> list[TicketEvent]:
        where, params = _where(("ticket_id = ?", ticket_id), ("status = ?", status))
        return [_event(row) for row in self._conn.execute(
            f"SELECT * FROM ticket_events WHERE {where} ORDER BY id", params)]

    def event_counts(self, clients: Collection[str] | None = None) -> dict[tuple[str, str], int]:
        """(sink, status) -> number of events (of the tickets of `clients`; None: all)."""
        scope, params = _client_scope(clients)
        return {(row[0], row[1]): row[2] for row in self._conn.execute(
            f"SELECT sink, status, COUNT(*) FROM ticket_events e WHERE {scope} GROUP BY sink, status", params)}

    # -- findings not triaged yet ----------------------------------------------------------

    def cursor(self, client: str, host: str) -> int:
        row = self._conn.execute("SELECT finding_id FROM triage_cursors WHERE client = ? AND host = ?",
                                 (client, host)).fetchone()
        return int(row[0]) if row else 0

    def set_cursor(self, client: str, host: str, finding_id: int, now: str) -> None:
        self._conn.execute(
            "INSERT INTO triage_cursors (client, host, finding_id, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (client, host) DO UPDATE SET finding_id = excluded.finding_id,"
            " updated_at = excluded.updated_at", (client, host, finding_id, now))

    def new_findings(self, client: str, host: str, after: int) -> list[NewFinding]:
        """The host's latest finding of each check recorded after row `after`, by id.

        Only the latest result of a check matters for its ticket, so a backlog of runs
        collapses to the state the host is in now."""
        rows = self._conn.execute(
            """SELECT * FROM findings f
               WHERE f.host = ? AND COALESCE(f.client, '') = ? AND f.id > ?
                 AND f.id = (SELECT MAX(g.id) FROM findings g WHERE g.host = f.host
                             AND COALESCE(g.client, '') = COALESCE(f.client, '') AND g.check_id = f.check_id)
               ORDER BY f.id""", (host, client, after)).fetchall()
        return [NewFinding(row["id"], Finding(
            area=row["area"], check_id=row["check_id"], title=row["title"], severity=row["severity"],
            status=row["status"], evidence=row["evidence"], remediation=row["remediation"],
            waiver=from_columns(row["waiver"], row["waiver_detail"]),
            host=row["host"], client=row["client"], tier=row["tier"], run_id=row["run_id"], time=row["time"]))
            for row in rows]

    # -- held in a maintenance window ------------------------------------------------------

    def suppress(self, client: str, host: str, check_id: str, severity: str, source: str, source_ref: str,
                 observed_at: str, reason: str) -> bool:
        """Record an alert held back; False when this observation was recorded already."""
        return bool(self._conn.execute(
            "INSERT INTO triage_suppressed (client, host, check_id, severity, source, source_ref, observed_at, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_ref) DO NOTHING",
            (client, host, check_id, severity, source, source_ref, observed_at, reason)).rowcount)

    def suppressed(self, *, client: str | None = None, since: str | None = None,
                   until: str | None = None) -> list[dict[str, Any]]:
        where, params = _where(("client = ?", client), ("observed_at >= ?", since), ("observed_at < ?", until))
        return [dict(row) for row in self._conn.execute(
            f"SELECT * FROM triage_suppressed WHERE {where} ORDER BY observed_at, id", params)]
