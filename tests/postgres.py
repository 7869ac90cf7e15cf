"""A real PostgreSQL server for the store tests: one unprivileged cluster per test session.

`initdb` and `pg_ctl` (Debian's `postgresql` package, installed by scripts/setup-host.sh) run as
the `postgres` system user when the tests run as root (PostgreSQL refuses root), with the data
and socket directory in a temp dir and a port of its own on 127.0.0.1; the server stops at the
end of the session. Each test gets a fresh database, copied from a template already migrated to
the latest schema (CREATE DATABASE ... TEMPLATE is a file copy, fast).

Without PostgreSQL the tests are skipped with the reason, unless CI is set: then they fail.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

TEMPLATE = "tripod_template"
_counter = itertools.count()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI is set, but the PostgreSQL tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The server's base URL, `postgresql://postgres@127.0.0.1:PORT`."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'psycopg[binary]')")
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)")
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            _unavailable("running as root and runuser is missing")
        as_user = ["runuser", "-u", "postgres", "--"]
    base = tempfile.mkdtemp(prefix="tripod-pg-")
    data, sockets, log = f"{base}/data", f"{base}/sockets", f"{base}/server.log"
    os.mkdir(sockets)
    if as_user:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    try:
        subprocess.run([*as_user, f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                        "--no-sync"], check=True, capture_output=True)
        options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets}"
                   " -c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        subprocess.run([*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start"],
                       check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(f"cannot start a PostgreSQL cluster: {exc.stderr.decode(errors='replace').strip()[-300:]}")
    url = f"postgresql://postgres@127.0.0.1:{port}"
    try:
        from tripod.store import postgres as store_postgres

        with psycopg.connect(f"{url}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {TEMPLATE}")
        store_postgres.connect(f"{url}/{TEMPLATE}").close()  # migrated once; each test copies it
        yield url
    finally:
        subprocess.run([*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def new_database(server: str, *, migrated: bool = True) -> str:
    """A new database on the session's server: at the latest schema (copied from the template),
    or empty (`migrated=False`, for the first migration)."""
    import psycopg

    name = f"tripod_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE if migrated else 'template0'}")
    return f"{server}/{name}"


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh database at the latest schema, `postgresql://postgres@127.0.0.1:PORT/tripod_N`."""
    return new_database(postgres_server)


#: The evidence store's backends, the `params` of the fixtures that run a suite on both.
BACKENDS = ("sqlite", "postgresql")


def backend_url(request: pytest.FixtureRequest, directory: Path) -> str:
    """An empty store on the backend `request.param` names, as the URL `--store` takes:
    `sqlite:///DIRECTORY/evidence.sqlite`, or a fresh database on the session's server. For
    fixtures of any scope parametrized with BACKENDS (one server per session either way)."""
    if request.param == "sqlite":
        return f"sqlite://{directory.resolve()}/evidence.sqlite"
    return new_database(str(request.getfixturevalue("postgres_server")))


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty evidence store on each backend, as a URL (`sqlite:///...` or `postgresql://...`)."""
    return backend_url(request, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def evidence_location(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty evidence store on each backend: an SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "evidence.sqlite")
    return str(request.getfixturevalue("postgres_url"))


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """A test's own query of a store, on its own connection to either backend (not Tripod's code):
    `?` placeholders on SQLite, `%s` on PostgreSQL."""
    if url.startswith("sqlite://"):
        with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as conn:
            return conn.execute(sql, params).fetchall()
    import psycopg

    with psycopg.connect(url) as conn:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]
