"""One host's part of one run, read with indexed queries: what its metrics are made of.

`tripod.maintenance.metrics` calls this once per host while a run goes on, so it never
reads other hosts' rows (a run of 10,000 hosts costs each host the same). Beside the run's own
findings it reads the host's latest result of every check (`latest_results`, as the reports
do), so that a score does not depend on which playbook ran last.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tripod.models import Finding
from tripod.store.queries import finding_from_row
from tripod.store.dialect import Connection


@dataclass(frozen=True)
class HostRunRecord:
    """What the evidence store holds so far for one host in one run."""

    run_id: str
    host: str
    status: str | None                     # the run_hosts status (ok, changed, ...), None if not recorded
    check_mode: bool
    facts: dict[str, Any] | None           # the newest compliance facts snapshot of the run
    findings: list[Finding] = field(default_factory=list)
    # The latest result of each check of this host and client in the newest month that has any
    # (whatever run produced it); empty without a client (latest_results keeps clients' rows only).
    latest: list[Finding] = field(default_factory=list)


def latest_results(conn: Connection, client: str, host: str) -> list[Finding]:
    """The latest result of each of the host's checks for its client, in the newest month with any."""
    month = conn.execute("SELECT MAX(month) FROM latest_results WHERE client = ? AND host = ?",
                         (client, host)).fetchone()[0]
    if month is None:
        return []
    return [finding_from_row(row) for row in conn.execute(
        "SELECT f.* FROM latest_results l JOIN findings f ON f.id = l.finding_id"
        " WHERE l.client = ? AND l.month = ? AND l.host = ? ORDER BY l.check_id", (client, month, host))]


def host_run(conn: Connection, run_id: str, host: str, client: str | None = None) -> HostRunRecord | None:
    """The host's status, newest facts and findings in the run, and with a client its latest result of
    every check; None when the run is unknown."""
    run = conn.execute("SELECT check_mode FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    if run is None:
        return None
    status = conn.execute("SELECT status FROM run_hosts WHERE run_id = ? AND host = ?", (run_id, host)).fetchone()
    facts = conn.execute("SELECT facts FROM fact_snapshots WHERE run_id = ? AND host = ?"
                         " ORDER BY collected_at DESC, id DESC LIMIT 1", (run_id, host)).fetchone()
    findings = [finding_from_row(row) for row in conn.execute(
        "SELECT * FROM findings WHERE run_id = ? AND host = ? ORDER BY check_id, id", (run_id, host))]
    return HostRunRecord(run_id=run_id, host=host, status=status[0] if status else None,
                         check_mode=bool(run[0]), facts=json.loads(facts[0]) if facts else None, findings=findings,
                         latest=latest_results(conn, client, host) if client else [])
