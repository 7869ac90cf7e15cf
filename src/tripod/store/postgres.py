"""Opening a PostgreSQL evidence store (psycopg 3).

`PgConnection` gives the store modules the small part of the sqlite3 connection API they use
(`execute`, `executemany`, `cursor().execute`, `close`), with `?` placeholders turned into
psycopg's `%s` and rows readable by index and by column name, like sqlite3.Row. The connection
is in autocommit mode: `tripod.store.dialect.transaction` opens each write transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

from tripod.store import dialect


class Row(tuple):  # type: ignore[type-arg]
    """A result row read by position or by column name (`row["host"]`), with `keys()`."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: Any) -> Any:
    names = [column.name for column in cursor.description or ()]
    row_type = type("Row", (Row,), {"__slots__": (), "_index": {name: i for i, name in enumerate(names)}})
    return row_type


@functools.lru_cache(maxsize=512)
def _sql(statement: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled). The store's SQL has no `?` in literals."""
    return statement.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """One psycopg connection speaking the store's portable SQL."""

    dialect = dialect.Postgres

    def __init__(self, conninfo: str) -> None:
        self.raw = psycopg.connect(conninfo, autocommit=True)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.raw.cursor(row_factory=_row_factory)
        return cursor.execute(_sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(_sql(sql), [tuple(row) for row in rows])
        return cursor

    def plain_execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """A cursor of plain tuples (the report path)."""
        return self.raw.cursor().execute(_sql(sql), tuple(params))

    def close(self) -> None:
        self.raw.close()


def connect(url: str) -> PgConnection:
    """Open the PostgreSQL store at `url` (`postgresql://user@host/db`) and migrate it."""
    conn = PgConnection(url)
    try:
        dialect.migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn
