"""Opening the SQLite evidence store: the file, WAL and the pragmas. The SQL that differs
between SQLite and PostgreSQL lives in `tripod.store.dialect`; PostgreSQL opens in
`tripod.store.postgres`."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tripod.store.dialect import migrate, schema_version, transaction

__all__ = ["BUSY_TIMEOUT_MS", "connect", "migrate", "probe", "schema_version", "transaction"]

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


def probe(path: Path) -> None:
    """Read the file as SQLite without writing to it (sqlite3.Error when it is not a database):
    a store that must exist is checked before it is opened, and so migrated."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    finally:
        conn.close()


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
