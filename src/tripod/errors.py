"""Errors that mean "bad input": shown as one clear line, exit code 2, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class InputError(Exception):
    """A broken inventory, policy, waiver file or argument. The message names the file and key."""


def sqlite_reason(exc: BaseException) -> str:
    """SQLite's complaint in words an engineer can act on."""
    reason = str(exc).strip() or type(exc).__name__
    return "not an SQLite database: corrupt, or another kind of file" if "not a database" in reason else reason


def io_errors_are_bad_input(command: Callable[[Any], int]) -> Callable[[Any], int]:
    """For a command that reads the evidence store and writes files: a store that cannot be opened
    (corrupt, another kind of file, a newer schema, a read-only data dir) or a file that cannot be
    written (full disk, read-only directory) is bad input, one line naming the file, exit 2."""

    @functools.wraps(command)
    def run(args: Any) -> int:
        import sqlite3

        try:
            return command(args)
        except sqlite3.Error as exc:
            raise InputError(f"{_store(args)}: cannot use the evidence store ({sqlite_reason(exc)})") from None
        except RuntimeError as exc:
            if "schema version" not in str(exc):
                raise
            raise InputError(f"{_store(args)}: {exc}") from None
        except OSError as exc:
            raise InputError(f"{exc.filename or 'a file'}: cannot write ({exc.strerror or exc})") from None

    return run


def _store(args: Any) -> str:
    from tripod.store import default_path

    return str(getattr(args, "store", None) or default_path())
