"""The default sink: one JSON line per ticket event, appended to a file.

Each line is written with one `write()` under an exclusive lock and flushed to disk before
the event counts as sent. When an earlier attempt at the same event may have written its
line before the process died, the file is searched for the event's idempotency key first,
so the line is never written twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any, Mapping

from tripod.store.tickets import TicketEvent
from tripod.triage.sinks import RetryLater


class JsonlSink:
    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.path = Path(str(settings["path"])).expanduser()

    def _already_written(self, handle: Any, key: str) -> bool:
        handle.seek(0)
        needle = f'"idempotency_key":"{key}"'.encode()
        return any(needle in line for line in handle)

    def send(self, event: TicketEvent) -> None:
        line = json.dumps(event.payload, separators=(",", ":"), sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
            with os.fdopen(fd, "rb+") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                if event.attempts > 1 and self._already_written(handle, event.idempotency_key):
                    return
                handle.write(line.encode())
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise RetryLater(f"cannot append to {self.path}: {exc.strerror or exc}") from None
