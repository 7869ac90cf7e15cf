"""Copy a whole evidence store into an empty one, e.g. from SQLite to PostgreSQL
(`tripod store copy --from sqlite:///... --to postgresql://...`).

Every table, parents before children, row for row with the same ids, in ONE transaction on the
target: a failed copy leaves the target as empty as it was. The source is migrated to the latest
schema on open, as by every command, and otherwise only read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tripod.store.dialect import Connection, dialect_of, transaction
from tripod.store.location import display_location

#: Every table of the schema, parents before the tables whose rows reference theirs.
TABLES = ("runs", "run_hosts", "fact_snapshots", "findings", "actions", "monthly_summaries", "review_signoffs",
          "tickets", "ticket_events", "triage_cursors", "triage_suppressed", "latest_results")

#: The integer keys the database generates (their counters are moved past the copied ids).
GENERATED_KEYS = {"fact_snapshots": "id", "findings": "id", "actions": "id", "review_signoffs": "id",
                  "ticket_events": "id", "triage_suppressed": "id"}

BATCH = 1000


@dataclass(frozen=True)
class CopyResult:
    rows: dict[str, int]


class TargetNotEmpty(RuntimeError):
    """The target store already holds evidence: copying would mix two stores."""


def _columns(conn: Connection, table: str) -> list[str]:
    cursor = conn.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    return [column[0] for column in cursor.description]


def _batches(conn: Connection, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    cursor = dialect_of(conn).plain_rows(conn, sql, ())
    while rows := cursor.fetchmany(BATCH):
        yield [tuple(row) for row in rows]


def copy_store(source: Connection, target: Connection) -> CopyResult:
    """Copy every row of `source` into `target` (both migrated to the same, latest schema)."""
    for table in TABLES:
        if target.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise TargetNotEmpty(f"the target store already holds {table}; copy only into an empty store")
    counts: dict[str, int] = {}
    target_dialect = dialect_of(target)
    with transaction(target):
        for table in TABLES:
            # A generated insertion-order column (PostgreSQL's tickets) is filled by the target itself,
            # in the source's insertion order, as the rows are inserted in it.
            wanted = set(_columns(target, table)) - {dialect_of(source).insertion_order, target_dialect.insertion_order}
            columns = [name for name in _columns(source, table) if name in wanted]
            order = f" ORDER BY {dialect_of(source).insertion_order}" if table == "tickets" else ""
            if table in GENERATED_KEYS:
                order = f" ORDER BY {GENERATED_KEYS[table]}"
            names = ", ".join(columns)
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _column in columns)})"
            counts[table] = 0
            for rows in _batches(source, f"SELECT {names} FROM {table}{order}"):
                target.executemany(insert, rows)
                counts[table] += len(rows)
        for table, key in GENERATED_KEYS.items():
            target_dialect.advance_key(target, table, key)
    return CopyResult(rows=counts)


def display(location: str | Path) -> str:
    """A location for messages, its password masked (`tripod.store.location.display_location`)."""
    return display_location(location)
