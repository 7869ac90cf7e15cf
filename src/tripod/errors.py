"""Errors that mean "bad input": shown as one clear line, exit code 2, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any


class InputError(Exception):
    """A broken inventory, policy, waiver file or argument. The message names the file and key."""


def store_reason(exc: BaseException) -> str:
    """The database's complaint (SQLite or PostgreSQL) on one line, in words an engineer can act on."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__
    if "not a database" in reason:
        return "not an SQLite database: corrupt, or another kind of file"
    return reason


#: The name the SQLite-only helper had; the reason now comes from either backend.
sqlite_reason = store_reason


def store_error(location: str | Path | None, exc: BaseException) -> InputError:
    """One line naming the store (a URL's password masked) and what is wrong with it."""
    from tripod.store import SchemaTooNew, display_location, evidence_location

    try:
        where = display_location(evidence_location(location))
    except ValueError:
        where = display_location(str(location))
    if isinstance(exc, SchemaTooNew):
        return InputError(f"{where}: {exc}")
    if isinstance(exc, FileNotFoundError):
        return InputError(f"{where}: no evidence store; run `tripod audit -i INVENTORY` first, or pass --store URL")
    return InputError(f"{where}: cannot use the evidence store ({store_reason(exc)})")


def io_errors_are_bad_input(command: Callable[[Any], int]) -> Callable[[Any], int]:
    """For a command that reads the evidence store and writes files: a store that cannot be opened
    (unreachable, corrupt, another kind of file, a newer schema, a read-only data dir) or a file
    that cannot be written (full disk, read-only directory) is bad input, one line naming the
    store or the file, exit 2."""

    @functools.wraps(command)
    def run(args: Any) -> int:
        from tripod.store import STORE_ERRORS

        try:
            return command(args)
        except STORE_ERRORS as exc:
            raise store_error(getattr(args, "store", None), exc) from None
        except OSError as exc:
            raise InputError(f"{exc.filename or 'a file'}: cannot write ({exc.strerror or exc})") from None

    return run
