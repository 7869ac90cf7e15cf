"""Runs that end without closing themselves: interrupted, killed, or their controller gone.

Which process drives a run is kept beside the run's artifacts, not in the schema: one small
file per controller process, `<data dir>/runs/<run id>/controller-<pid>.json`, holding the
host name, the pid and the process's start time (so a reused pid is not taken for the run's).
`tripod run` writes one for itself and the evidence recorder one for ansible-playbook. A run
still `running` whose controllers are all gone is closed as `aborted` at the next start.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tripod.models import format_time, utc_now
from tripod.store.dialect import Connection, transaction

#: A run left `running` with no controller file (written before this existed, or by a tool
#: that writes none) is taken as dead once it is this old; no Tripod run lasts that long.
ORPHAN_AFTER = timedelta(hours=24)
_PREFIX = "controller-"


def run_dir(db_path: Path, run_id: str) -> Path:
    """`<the store's directory>/runs/<run id>`: `tripod run`'s run directory for that store."""
    return Path(db_path).parent / "runs" / run_id


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


def register(db_path: Path, run_id: str, pid: int | None = None) -> Path:
    """Note that this process (or `pid`) drives the run; returns the file to remove at the end."""
    pid = pid or os.getpid()
    directory = run_dir(db_path, run_id)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{_PREFIX}{pid}.json"
    path.write_text(json.dumps({"host": socket.gethostname(), "pid": pid, "start": _process_start(pid)}),
                    encoding="utf-8")
    return path


def _alive(record: dict[str, object]) -> bool:
    if record.get("host") != socket.gethostname():
        return True  # another machine's process: it cannot be checked from here
    pid = record.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    start = record.get("start")
    return start is None or _process_start(pid) in (None, start)


def controllers_alive(directory: Path) -> bool | None:
    """Whether any process that drives the run still runs; None when none was ever noted."""
    records = []
    for path in sorted(directory.glob(f"{_PREFIX}*.json")):
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    if not records:
        return None
    return any(_alive(record) for record in records if isinstance(record, dict))


def abort_run(conn: Connection, run_id: str, ended_at: str | None = None) -> bool:
    """Close a run that is still `running` as `aborted`; False if it was already closed."""
    with transaction(conn):
        clients = [row[0] for row in conn.execute(
            "SELECT DISTINCT client FROM run_hosts WHERE run_id = ? AND client IS NOT NULL ORDER BY client", (run_id,))]
        updated = conn.execute(
            "UPDATE runs SET status = 'aborted', ended_at = ?, clients = ? WHERE run_id = ? AND status = 'running'",
            (ended_at or utc_now(), json.dumps(clients, separators=(",", ":")), run_id)).rowcount
    return bool(updated)


def abort_stale(conn: Connection, db_path: Path, now: datetime | None = None) -> list[str]:
    """Close as `aborted` every `running` run whose controller processes are all gone."""
    now = now or datetime.now(timezone.utc)
    cutoff = format_time(now - ORPHAN_AFTER)
    aborted = []
    for run_id, started_at in conn.execute("SELECT run_id, started_at FROM runs WHERE status = 'running'").fetchall():
        directory = run_dir(db_path, run_id)
        alive = controllers_alive(directory)
        if alive is False or (alive is None and started_at < cutoff):
            if abort_run(conn, run_id):
                aborted.append(run_id)
            for leftover in directory.glob(".tripod-extravars-*"):  # a killed run's extra vars
                leftover.unlink(missing_ok=True)
    return aborted
