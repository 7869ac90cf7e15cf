"""The evidence store: every run, host result, fact snapshot, finding and action.

SQLite by default, one file (`<data_dir>/evidence.sqlite`), one transaction per host; or
PostgreSQL when $TRIPOD_EVIDENCE_URL (or the path given) is `postgresql://user@host/db`.
An `EvidenceStore` holds one connection: use one per thread or process (SQLite, in WAL
mode, serialises the writers; readers never block).

    with EvidenceStore() as store:
        run_id = store.start_run(playbook="tier_cycle.yml", inventory=["inventories/acme"])
        store.record_host(run_id, HostResult(host="web1", status="ok", findings=[...]))
        store.end_run(run_id)
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from tripod.models import Action, Finding
from tripod.paths import data_dir
from tripod.store import hostrun, queries, reporting, retention, runstate, sqlite, writes
from tripod.store.dialect import ERRORS, SchemaTooNew, dialect_of, schema_version
from tripod.store.location import (
    DB_NAME,
    absolute,
    default_path,
    display_location,
    evidence_location,
    is_postgres,
    store_exists,
)
from tripod.store.hostrun import HostRunRecord
from tripod.store.tickets import Ticket, TicketEvent, TicketStore
from tripod.store.records import (
    HOST_STATUSES,
    RUN_STATUSES,
    FactSnapshot,
    HostResult,
    HostRun,
    MonthlySummary,
    PruneResult,
    RunInfo,
    host_status,
)
from tripod.store.reporting import FactSample, HostSighting, RecurringFailure, SignOff

__all__ = [
    "HOST_STATUSES",
    "RUN_STATUSES",
    "DB_NAME",
    "STORE_ERRORS",
    "EvidenceStore",
    "FactSnapshot",
    "HostResult",
    "HostRun",
    "MonthlySummary",
    "PruneResult",
    "RunInfo",
    "Ticket",
    "TicketEvent",
    "TicketStore",
    "SchemaTooNew",
    "SignOff",
    "absolute",
    "default_path",
    "display_location",
    "evidence_location",
    "host_status",
    "is_postgres",
    "open_existing",
    "store_exists",
]

#: The errors a store operation raises on either backend (the drivers', and a newer schema):
#: catch these, never `sqlite3.Error` alone. `tripod.errors.store_error` words them.
STORE_ERRORS = ERRORS


def open_existing(location: str | Path | None = None) -> EvidenceStore:
    """Open a store that must hold evidence already (reports, review, sign-off): FileNotFoundError
    when the SQLite file is missing (nothing is created); an SQLite file is first read without
    writing, so a file that is not a database is reported as that, not migrated."""
    where = evidence_location(location)
    if not is_postgres(where):
        path = Path(where)
        if not path.is_file():
            raise FileNotFoundError(2, "no evidence store", str(path))
        sqlite.probe(path)
    return EvidenceStore(where)


class EvidenceStore:
    """One connection to the evidence store, migrated to the latest schema on open."""

    def __init__(self, path: str | Path | None = None, *, busy_timeout_ms: int = sqlite.BUSY_TIMEOUT_MS) -> None:
        """`path`: a file, `sqlite:///file` or `postgresql://...` (default: `evidence_location()`)."""
        location = evidence_location(path)
        self._conn: Any
        if is_postgres(location):
            from tripod.store import postgres

            self.url = str(location)
            # Run directories (tripod.store.runstate) stay under the local data dir, and so do the kept
            # closed-month reports (tripod.report.archive, beside `path`): one name per database.
            digest = hashlib.sha256(display_location(self.url).encode()).hexdigest()[:12]
            self.path = data_dir() / f"evidence-{digest}.postgresql"
            self._conn = postgres.connect(str(location))
        else:
            self.url = f"sqlite://{location}"
            self.path = Path(location)
            self._conn = sqlite.connect(self.path, busy_timeout_ms=busy_timeout_ms)

    def close(self) -> None:
        self._conn.close()

    @property
    def display(self) -> str:
        """The store for messages: the SQLite file, or the URL with its password masked."""
        return display_location(self.url if is_postgres(self.url) else self.path)

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def tickets(self) -> TicketStore:
        """Triage's tickets, their sink events and cursors (`tripod.store.tickets`)."""
        return TicketStore(self._conn)

    def host_run(self, run_id: str, host: str, client: str | None = None) -> HostRunRecord | None:
        """One host's status, newest facts and findings in one run, and with its client the latest
        result of each of its checks (`tripod.store.hostrun`)."""
        return hostrun.host_run(self._conn, run_id, host, client)

    @property
    def schema_version(self) -> int:
        return schema_version(self._conn)

    def has_table(self, name: str) -> bool:
        """Whether the store's schema has a table `name` (for features other parts add)."""
        return dialect_of(self._conn).has_table(self._conn, name)

    def integrity_check(self) -> str:
        """'ok' when the database finds itself consistent (SQLite's integrity_check)."""
        return dialect_of(self._conn).integrity_check(self._conn)

    # -- writing ---------------------------------------------------------------------------

    def start_run(self, run_id: str | None = None, *, playbook: str | None = None, inventory: Iterable[str] = (),
                  check_mode: bool = False, started_at: str | None = None) -> str:
        """Record a run as `running`; returns its id (a new uuid4 unless given)."""
        run_id = run_id or str(uuid.uuid4())
        writes.start_run(self._conn, run_id, playbook=playbook, inventory=inventory, check_mode=check_mode,
                         started_at=started_at)
        return run_id

    def record_host(self, run_id: str, host_result: HostResult) -> None:
        """One host's results in one transaction (see `tripod.store.writes.record_host`)."""
        writes.record_host(self._conn, run_id, host_result)

    def end_run(self, run_id: str, *, status: str | None = None, ended_at: str | None = None) -> str:
        """Close the run; its status is `failed` if any host failed or was unreachable."""
        if status is not None and status not in RUN_STATUSES:
            raise ValueError(f"status: {status!r} is not one of {', '.join(RUN_STATUSES)}")
        return writes.end_run(self._conn, run_id, status=status, ended_at=ended_at)

    def abort_run(self, run_id: str) -> bool:
        """Close a run still `running` as `aborted` (interrupted or killed); False if already closed."""
        return runstate.abort_run(self._conn, run_id)

    def abort_stale_runs(self) -> list[str]:
        """Close as `aborted` the runs left `running` by a controller process that is gone."""
        return runstate.abort_stale(self._conn, self.path)

    def register_controller(self, run_id: str) -> Path:
        """Note that this process drives the run (`tripod.store.runstate`); returns the note's path."""
        return runstate.register(self.path, run_id)

    def prune(self, before_months: int, *, now: datetime | None = None) -> PruneResult:
        """Roll findings and actions older than `before_months` months up into monthly summaries,
        then delete them and the fact snapshots of those months."""
        return retention.prune(self._conn, before_months, now=now)

    # -- reading ---------------------------------------------------------------------------

    def list_runs(self, *, client: str | None = None, since: str | None = None, limit: int | None = 50) -> list[RunInfo]:
        return queries.list_runs(self._conn, client=client, since=since, limit=limit)

    def get_run(self, run_id: str) -> RunInfo | None:
        return queries.get_run(self._conn, run_id)

    def run_hosts(self, run_id: str) -> list[HostRun]:
        return queries.run_hosts(self._conn, run_id)

    def run_facts(self, run_id: str) -> Iterator[FactSnapshot]:
        return queries.run_facts(self._conn, run_id)

    def run_findings(self, run_id: str) -> Iterator[Finding]:
        return queries.run_findings(self._conn, run_id)

    def run_actions(self, run_id: str) -> Iterator[Action]:
        return queries.run_actions(self._conn, run_id)

    def clients(self) -> list[str]:
        return queries.clients(self._conn)

    def latest_facts(self, client: str | None, *, before: str | None = None) -> Iterator[FactSnapshot]:
        return queries.latest_facts(self._conn, client, before=before)

    def host_fact_history(self, host: str, client: str | None, *, before: str | None = None) -> Iterator[FactSnapshot]:
        """One host's fact snapshots, newest first: how long a pending update has waited."""
        return queries.host_fact_history(self._conn, host, client, before)

    def findings(self, client: str | None, month: str, *, host: str | None = None,
                 latest_only: bool = False) -> Iterator[Finding]:
        return queries.findings(self._conn, client, month, host=host, latest_only=latest_only)

    def actions(self, client: str | None, month: str, *, host: str | None = None) -> Iterator[Action]:
        return queries.actions(self._conn, client, month, host=host)

    def monthly_summaries(self, client: str | None, month: str) -> list[MonthlySummary]:
        return queries.monthly_summaries(self._conn, client, month)

    # -- reports (tripod.report) -----------------------------------------------------------

    def host_sightings(self, client: str, start: str, end: str) -> Iterator[HostSighting]:
        return reporting.host_sightings(self._conn, client, start, end)

    def recurring_failures(self, client: str, start: str, end: str, min_months: int = 2) -> list[RecurringFailure]:
        return reporting.recurring_failures(self._conn, client, start, end, min_months)

    def latest_report_facts(self, client: str, start: str, end: str) -> Iterator[FactSnapshot]:
        return reporting.latest_report_facts(self._conn, client, start, end)

    def fact_samples(self, client: str, start: str, end: str) -> Iterator[FactSample]:
        return reporting.fact_samples(self._conn, client, start, end)

    def latest_findings(self, client: str, month: str) -> Iterator[tuple[Any, ...]]:
        return reporting.latest_findings(self._conn, client, month)

    def check_results(self, client: str, start: str, end: str, check_id: str,
                      statuses: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
        return reporting.check_results(self._conn, client, start, end, check_id, statuses)

    def month_status_counts(self, client: str, month: str) -> Iterator[tuple[str, str, str, str | None, int]]:
        return reporting.month_status_counts(self._conn, client, month)

    def ticket_rows(self, client: str, start: str, end: str) -> list[dict[str, object]]:
        return reporting.ticket_rows(self._conn, client, start, end)

    def add_signoff(self, signoff: SignOff) -> None:
        reporting.add_signoff(self._conn, signoff)

    def signoffs(self, client: str, half: str) -> list[SignOff]:
        return reporting.signoffs(self._conn, client, half)
