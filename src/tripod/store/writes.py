"""Writing runs and host results. Each function is one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from tripod.models import normalize_time, utc_now
from tripod.store.records import COUNT_KEYS, HostResult
from tripod.store.dialect import Connection, transaction
from tripod.store.waiver_columns import to_columns

_FINDING_COLUMNS = ("run_id", "host", "client", "tier", "time", "area", "check_id", "title", "severity", "status",
                    "evidence", "remediation", "waiver", "waiver_detail")
_ACTION_COLUMNS = ("run_id", "host", "client", "tier", "time", "area", "kind", "detail", "bytes", "changed")


def _insert(table: str, columns: Iterable[str]) -> str:
    names = tuple(columns)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _name in names)})"


_INSERT_FINDING = _insert("findings", _FINDING_COLUMNS)
_INSERT_ACTION = _insert("actions", _ACTION_COLUMNS)
_INSERT_SNAPSHOT = _insert("fact_snapshots", ("run_id", "host", "client", "collected_at", "facts"))
# The findings just written (ids above the previous maximum) become the latest result of their
# check for their client and month, unless a later one is already there (ties: the later row).
_UPDATE_LATEST_RESULTS = """
    INSERT INTO latest_results (client, month, host, check_id, time, finding_id)
    SELECT client, substr(time, 1, 7), host, check_id, time, id FROM findings
    WHERE id > ? AND client IS NOT NULL
    ON CONFLICT (client, month, host, check_id) DO UPDATE SET time = excluded.time, finding_id = excluded.finding_id
    WHERE excluded.time > latest_results.time
       OR (excluded.time = latest_results.time AND excluded.finding_id > latest_results.finding_id)
"""
_UPSERT_HOST = (
    _insert("run_hosts", ("run_id", "host", "client", "tier", "status", *COUNT_KEYS, "message", "finished_at"))
    + " ON CONFLICT (run_id, host) DO UPDATE SET"
    " client = COALESCE(excluded.client, run_hosts.client),"
    " tier = COALESCE(excluded.tier, run_hosts.tier),"
    " status = excluded.status,"
    + "".join(f" {key} = excluded.{key}," for key in COUNT_KEYS)
    + " message = COALESCE(excluded.message, run_hosts.message),"
    " finished_at = excluded.finished_at"
)


def dump_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def start_run(conn: Connection, run_id: str, *, playbook: str | None, inventory: Iterable[str],
              check_mode: bool, started_at: str | None = None) -> None:
    """Record that a run started (status `running`). Starting a known run id again reopens it."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO runs (run_id, playbook, inventory, check_mode, started_at, status)"
            " VALUES (?, ?, ?, ?, ?, 'running')"
            " ON CONFLICT (run_id) DO UPDATE SET status = 'running', ended_at = NULL,"
            " playbook = COALESCE(excluded.playbook, runs.playbook)",
            (run_id, playbook, dump_json(list(inventory)), int(bool(check_mode)), started_at or utc_now()),
        )


def _snapshot_time(facts: Mapping[str, Any], default: str) -> str:
    collected = facts.get("collected_at")
    if isinstance(collected, str):
        try:
            return normalize_time(collected, "collected_at")
        except ValueError:
            pass
    return default


def record_host(conn: Connection, run_id: str, result: HostResult) -> None:
    """Write one host's status, fact snapshots, findings and actions in ONE transaction.

    Calling it again for the same run and host adds the new snapshots, findings and actions
    and replaces the status and counts (the callback flushes per play, then at the end).
    Findings and actions get the run id, and the host, client, tier and time they lack.
    """
    now = result.finished_at or utc_now()
    counts = [int(result.counts.get(key, 0)) for key in COUNT_KEYS]
    with transaction(conn):
        client, tier = result.client, result.tier
        if client is None or tier is None:  # known from an earlier call for this host?
            known = conn.execute("SELECT client, tier FROM run_hosts WHERE run_id = ? AND host = ?",
                                 (run_id, result.host)).fetchone()
            if known:
                client, tier = client or known[0], tier or known[1]
        context = {"host": result.host, "client": client, "tier": tier, "time": now}
        findings = [f.with_context(**context) for f in result.findings]
        actions = [a.with_context(**context) for a in result.actions]
        conn.execute(_UPSERT_HOST, (run_id, result.host, client, tier, result.status, *counts, result.message, now))
        if result.facts:
            conn.executemany(_INSERT_SNAPSHOT, [
                (run_id, result.host, client, _snapshot_time(facts, now), dump_json(facts))
                for facts in result.facts
            ])
        if findings:
            before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM findings").fetchone()[0]
            conn.executemany(_INSERT_FINDING, [
                (run_id, *(getattr(f, name) for name in _FINDING_COLUMNS[1:-2]), *to_columns(f.waiver))
                for f in findings
            ])
            conn.execute(_UPDATE_LATEST_RESULTS, (before,))
        if actions:
            conn.executemany(_INSERT_ACTION, [
                (run_id, a.host, a.client, a.tier, a.time, a.area, a.kind, a.detail, a.bytes, int(a.changed))
                for a in actions
            ])


def end_run(conn: Connection, run_id: str, *, status: str | None = None, ended_at: str | None = None) -> str:
    """Close a run: its clients from its hosts, its status (`failed` when any host failed or was
    unreachable, else `ok`) unless given. Returns the status."""
    with transaction(conn):
        clients = [row[0] for row in conn.execute(
            "SELECT DISTINCT client FROM run_hosts WHERE run_id = ? AND client IS NOT NULL ORDER BY client", (run_id,))]
        if status is None:
            bad = conn.execute("SELECT COUNT(*) FROM run_hosts WHERE run_id = ? AND status IN ('failed', 'unreachable')",
                               (run_id,)).fetchone()[0]
            status = "failed" if bad else "ok"
        updated = conn.execute("UPDATE runs SET ended_at = ?, status = ?, clients = ? WHERE run_id = ?",
                               (ended_at or utc_now(), status, dump_json(clients), run_id)).rowcount
        if not updated:
            raise KeyError(f"run_id: no run {run_id!r} in the evidence store")
    return status
