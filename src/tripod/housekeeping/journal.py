"""The systemd journal: what `journalctl --vacuum-size/--vacuum-time` would free, and did free.

The estimate follows journald's own rule (journal_directory_vacuum): per directory, archived
files are taken oldest first (by the time of their first entry) and deleted while the
directory's journal files use more than the size limit or the file's first entry is older
than the age limit; the first file within both limits stops the vacuum. Active files are
never deleted but count towards the size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tripod.housekeeping.sizes import parse_size

DAY = 86400
_FREED = re.compile(r"Vacuuming done, freed (?P<size>\S+) of archived journals")


def vacuum_estimate(directories: Iterable[Mapping[str, Any]], max_bytes: int, max_age_days: int, now: float) -> int:
    """Bytes a vacuum to `max_bytes` and `max_age_days` would free (0 for either: no such limit)."""
    oldest_allowed = now - max_age_days * DAY if max_age_days else None
    freed = 0
    for directory in directories:
        files = list(directory.get("files") or [])
        used = sum(int(f["bytes"]) for f in files)
        for item in sorted((f for f in files if f.get("archived")), key=lambda f: float(f["realtime"])):
            too_old = oldest_allowed is not None and float(item["realtime"]) < oldest_allowed
            too_big = bool(max_bytes) and used > max_bytes
            if not (too_old or too_big):
                break
            freed += int(item["bytes"])
            used -= int(item["bytes"])
    return freed


def freed_by_vacuum(output: str) -> int:
    """Bytes journalctl reports freed, summed over its `Vacuuming done, freed X ...` lines."""
    return sum(parse_size(match.group("size")) for match in _FREED.finditer(output))


def vacuum_command(max_size_mb: int, max_age_days: int) -> list[str]:
    command = ["journalctl"]
    if max_size_mb:
        command.append(f"--vacuum-size={max_size_mb}M")
    if max_age_days:
        command.append(f"--vacuum-time={max_age_days}d")
    return command
