"""Where the evidence store is: an SQLite file or a PostgreSQL URL, and how to name it in messages.

`tripod --store URL` (which sets $TRIPOD_EVIDENCE_URL for the command and the Ansible run it
starts), else $TRIPOD_EVIDENCE_URL, else `<data dir>/evidence.sqlite`. A location is a `Path`
(SQLite) or a `postgresql://` URL string.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tripod.paths import data_dir

DB_NAME = "evidence.sqlite"

#: URL schemes of a PostgreSQL store (`TRIPOD_EVIDENCE_URL=postgresql://user@host/db`).
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

#: The environment variable naming the store (`tripod --store` sets it for the command).
URL_VARIABLE = "TRIPOD_EVIDENCE_URL"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def default_path() -> Path:
    """`<data_dir>/evidence.sqlite` ($TRIPOD_DATA_DIR, default ~/.local/share/tripod)."""
    return data_dir() / DB_NAME


def evidence_location(target: str | Path | None = None) -> str | Path:
    """Where the store is: `target`, else $TRIPOD_EVIDENCE_URL, else `default_path()`. A
    `postgresql://` URL stays a string; `sqlite:///path` and plain paths become a Path.
    ValueError for a URL of another scheme (`mysql://...`)."""
    value: str | Path | None = target if target else os.environ.get(URL_VARIABLE) or None
    if value is None:
        return default_path()
    if isinstance(value, str):
        if value.startswith(POSTGRES_SCHEMES):
            return value
        if value.startswith("sqlite://"):
            value = value.removeprefix("sqlite://") or str(default_path())
        elif _SCHEME.match(value):
            raise ValueError(f"{display_location(value)!r} is not sqlite:///path, a file path or "
                             "postgresql://user@host/db")
    return Path(value).expanduser()


def is_postgres(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def store_exists(location: str | Path) -> bool:
    """Whether there may be evidence there: the SQLite file exists; a PostgreSQL database is
    asked when it is opened (True)."""
    return is_postgres(location) or Path(location).is_file()


def absolute(location: str | Path) -> str:
    """The location as a URL or an absolute path, valid from any working directory (for the
    environment of an Ansible run)."""
    location = evidence_location(location)
    return location if isinstance(location, str) else str(location.resolve())


def display_location(location: str | Path) -> str:
    """The location for messages: a URL's password (in the user part or a `password=` parameter)
    masked as `***`."""
    text = str(location)
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return text.split("://", 1)[0] + "://***"
    netloc = parts.netloc
    if "@" in netloc:
        credentials, host = netloc.rsplit("@", 1)
        if ":" in credentials:
            netloc = f"{credentials.split(':', 1)[0]}:***@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(key, "***" if key.lower() == "password" else value) for key, value in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
