"""Write a file whole or not at all: into a temporary file beside it, then renamed over it.

A full disk, a read-only directory or a crash half-way leaves the old file (or none), never a
truncated or empty one: `os.replace` is atomic within one filesystem.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary_path)`, then rename the temporary file to `path`; on any failure the
    temporary file is removed and the exception goes on. Returns `path`."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename in (None, str(partial)):
            exc.filename = str(path)  # name the file the user asked for, not the temporary one
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda partial: partial.write_text(text, encoding="utf-8"))
