"""One host's part of one run, read with indexed queries: what its metrics are made of.

`tripod.maintenance.metrics` calls this once per host while a run goes on, so it never
reads other hosts' rows (a run of 10,000 hosts costs each host the same).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from tripod.models import Finding
from tripod.store.queries import finding_from_row


@dataclass(frozen=True)
class HostRunRecord:
    """What the evidence store holds so far for one host in one run."""

    run_id: str
    host: str
    status: str | None                     # the run_hosts status (ok, changed, ...), None if not recorded
    check_mode: bool
    facts: dict[str, Any] | None           # the newest compliance facts snapshot of the run
    findings: list[Finding] = field(default_factory=list)


def host_run(conn: sqlite3.Connection, run_id: str, host: str) -> HostRunRecord | None:
    """The host's status, newest facts and findings in the run; None when the run is unknown."""
    run = conn.execute("SELECT check_mode FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    if run is None:
        return None
    status = conn.execute("SELECT status FROM run_hosts WHERE run_id = ? AND host = ?", (run_id, host)).fetchone()
    facts = conn.execute("SELECT facts FROM fact_snapshots WHERE run_id = ? AND host = ?"
                         " ORDER BY collected_at DESC, id DESC LIMIT 1", (run_id, host)).fetchone()
    findings = [finding_from_row(row) for row in conn.execute(
        "SELECT * FROM findings WHERE run_id = ? AND host = ? ORDER BY check_id, id", (run_id, host))]
    return HostRunRecord(run_id=run_id, host=host, status=status[0] if status else None,
                         check_mode=bool(run[0]), facts=json.loads(facts[0]) if facts else None, findings=findings)
