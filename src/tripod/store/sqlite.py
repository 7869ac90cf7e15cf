"""Everything SQLite-specific about the evidence store: connecting, pragmas, transactions,
the schema version counter. A PostgreSQL backend would replace this module only."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tripod.store.migrations import LATEST_VERSION, MIGRATIONS

#: How long a writer waits for another writer's lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 60_000


def connect(path: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path`, tuned for many concurrent writers.

    WAL lets readers run beside one writer; writers queue on `busy_timeout`;
    `synchronous=NORMAL` in WAL mode keeps every committed transaction across a crash of
    the process (only a power loss can cost the last commits). The schema is migrated
    to the latest version.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: no implicit transactions; `transaction()` opens them explicitly.
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    if _journal_mode_wal(conn, busy_timeout_ms).lower() != "wal":
        conn.close()
        raise sqlite3.OperationalError(f"{path}: cannot switch the database to WAL mode")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    return conn


def _journal_mode_wal(conn: sqlite3.Connection, busy_timeout_ms: int) -> str:
    """Switch to WAL. SQLite does not wait on its busy handler for this switch while another
    process creates or migrates a new database, so wait here, as long as the busy timeout."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: all or nothing. IMMEDIATE takes the write lock up front, so
    two writers never deadlock upgrading a read lock."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply every migration above the database's version, each step in its own transaction
    with the version bump, so a crash leaves the database at a whole version. Safe when
    several processes open a new database at once: the version is re-read under the lock."""
    if target is None:
        target = LATEST_VERSION
    current = schema_version(conn)
    if current > LATEST_VERSION:
        raise RuntimeError(f"the evidence store is at schema version {current}, newer than this Tripod "
                           f"knows ({LATEST_VERSION}); upgrade Tripod")
    if current >= target:
        return current
    while True:
        with transaction(conn):
            version = schema_version(conn)
            if version >= target:
                return version
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
