"""Reading the evidence store: what reports, triage and the CLI need.

Large results are iterators, so a report over thousands of hosts streams rows instead of
loading every host into memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tripod.models import STATUSES, Action, Finding, score_from_counts
from tripod.store.records import COUNT_KEYS, FactSnapshot, HostRun, MonthlySummary, RunInfo, month_bounds
from tripod.store.waiver_columns import from_columns
from tripod.store.summaries import NO_CLIENT, actions_summary_sql, client_filter, findings_summary_sql
from tripod.store.dialect import Connection, Row

_FINDING_FIELDS = ("area", "check_id", "title", "severity", "status", "evidence", "remediation", "waiver",
                   "host", "client", "tier", "run_id", "time")
_ACTION_FIELDS = ("area", "kind", "detail", "changed", "bytes", "host", "client", "tier", "run_id", "time")


def finding_from_row(row: Row) -> Finding:
    """A `findings` row (SELECT *) as a Finding, its waiver from the structured column."""
    values = {name: row[name] for name in _FINDING_FIELDS}
    values["waiver"] = from_columns(row["waiver"], row["waiver_detail"])
    return Finding(**values)


def _action(row: Row) -> Action:
    values = {name: row[name] for name in _ACTION_FIELDS}
    values["changed"] = bool(values["changed"])
    return Action(**values)


def _snapshot(row: Row) -> FactSnapshot:
    return FactSnapshot(run_id=row["run_id"], host=row["host"], client=row["client"],
                        collected_at=row["collected_at"], facts=json.loads(row["facts"]))


def _run(row: Row) -> RunInfo:
    return RunInfo(run_id=row["run_id"], playbook=row["playbook"], inventory=json.loads(row["inventory"]),
                   clients=json.loads(row["clients"]), check_mode=bool(row["check_mode"]),
                   started_at=row["started_at"], ended_at=row["ended_at"], status=row["status"])


def list_runs(conn: Connection, *, client: str | None = None, since: str | None = None,
              limit: int | None = 50) -> list[RunInfo]:
    """Runs, newest first; `client` keeps runs that touched one of its hosts."""
    where, params = ["1 = 1"], []
    if client is not None:
        where.append("EXISTS (SELECT 1 FROM run_hosts h WHERE h.run_id = runs.run_id AND h.client = ?)")
        params.append(client)
    if since is not None:
        where.append("started_at >= ?")
        params.append(since)
    sql = f"SELECT * FROM runs WHERE {' AND '.join(where)} ORDER BY started_at DESC, run_id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_run(row) for row in conn.execute(sql, params)]


def get_run(conn: Connection, run_id: str) -> RunInfo | None:
    row = conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def run_hosts(conn: Connection, run_id: str) -> list[HostRun]:
    return [
        HostRun(run_id=row["run_id"], host=row["host"], client=row["client"], tier=row["tier"], status=row["status"],
                counts={key: row[key] for key in COUNT_KEYS}, message=row["message"], finished_at=row["finished_at"])
        for row in conn.execute("SELECT * FROM run_hosts WHERE run_id = ? ORDER BY host", (run_id,))
    ]


def clients(conn: Connection) -> list[str]:
    """Every client the store has seen."""
    return [row[0] for row in conn.execute(
        "SELECT client FROM run_hosts WHERE client IS NOT NULL UNION "
        "SELECT client FROM monthly_summaries WHERE client <> '' ORDER BY 1")]


def latest_facts(conn: Connection, client: str | None, *, before: str | None = None) -> Iterator[FactSnapshot]:
    """Each host's newest fact snapshot for `client` (collected before `before`, if given), by host."""
    condition, params = client_filter(client, "f.client")
    inner_condition, _inner_params = client_filter(client, "g.client")
    time_limit = " AND g.collected_at < ?" if before else ""
    sql = f"""
        SELECT f.run_id, f.host, f.client, f.collected_at, f.facts FROM fact_snapshots f
        WHERE {condition} AND f.id = (
            SELECT g.id FROM fact_snapshots g
            WHERE g.host = f.host AND {inner_condition}{time_limit}
            ORDER BY g.collected_at DESC, g.id DESC LIMIT 1)
        ORDER BY f.host
    """
    args: list[Any] = [*params, *params, *([before] if before else [])]
    for row in conn.execute(sql, args):
        yield _snapshot(row)


def _month_query(table: str, client: str | None, month: str, host: str | None) -> tuple[str, list[Any]]:
    start, end = month_bounds(month)
    condition, params = client_filter(client)
    sql = f"SELECT * FROM {table} WHERE {condition} AND time >= ? AND time < ?"
    args: list[Any] = [*params, start, end]
    if host is not None:
        sql += " AND host = ?"
        args.append(host)
    return sql, args


def findings(conn: Connection, client: str | None, month: str, *, host: str | None = None,
             latest_only: bool = False) -> Iterator[Finding]:
    """The client's findings in `month` (YYYY-MM, UTC) by host, check and time.

    `latest_only`: only each host's latest result of each check in the month.
    """
    sql, args = _month_query("findings", client, month, host)
    if latest_only:
        sql = (f"SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY host, check_id ORDER BY time DESC, id DESC)"
               f" AS rn FROM ({sql}) AS month_rows) AS ranked WHERE rn = 1")
    for row in conn.execute(sql + " ORDER BY host, check_id, time, id", args):
        yield finding_from_row(row)


def actions(conn: Connection, client: str | None, month: str, *, host: str | None = None) -> Iterator[Action]:
    """The client's actions in `month` (YYYY-MM, UTC), by host and time."""
    sql, args = _month_query("actions", client, month, host)
    for row in conn.execute(sql + " ORDER BY host, time, id", args):
        yield _action(row)


def monthly_summaries(conn: Connection, client: str | None, month: str) -> list[MonthlySummary]:
    """Per host and area for `month`: the rolled-up summary where retention pruned the raw rows,
    otherwise computed live from them with the same rule. Sorted by host and area."""
    start, end = month_bounds(month)
    stored_client = NO_CLIENT if client is None else client
    summaries: dict[tuple[str, str], MonthlySummary] = {}
    for row in conn.execute("SELECT * FROM monthly_summaries WHERE client = ? AND month = ?", (stored_client, month)):
        counts = {status: row[status] for status in STATUSES}
        summaries[(row["host"], row["area"])] = MonthlySummary(
            client=row["client"], host=row["host"], month=month, area=row["area"], counts=counts, score=row["score"],
            findings=row["findings"], actions=row["actions"], actions_changed=row["actions_changed"],
            bytes_reclaimed=row["bytes_reclaimed"], rolled_up=True)
    condition, params = client_filter(client)
    live: dict[tuple[str, str], dict[str, Any]] = {}
    for row in conn.execute(findings_summary_sql(condition), (start, end, *params)):
        live[(row["host"], row["area"])] = {"counts": {s: row[s] for s in STATUSES}, "findings": row["findings"]}
    for row in conn.execute(actions_summary_sql(condition), (start, end, *params)):
        entry = live.setdefault((row["host"], row["area"]), {"counts": dict.fromkeys(STATUSES, 0), "findings": 0})
        entry.update(actions=row["actions"], actions_changed=row["actions_changed"] or 0,
                     bytes_reclaimed=row["bytes_reclaimed"] or 0)
    for (host, area), entry in live.items():
        if (host, area) in summaries:
            continue
        summaries[(host, area)] = MonthlySummary(
            client=stored_client, host=host, month=month, area=area, counts=entry["counts"],
            score=score_from_counts(entry["counts"]), findings=entry["findings"], actions=entry.get("actions", 0),
            actions_changed=entry.get("actions_changed", 0), bytes_reclaimed=entry.get("bytes_reclaimed", 0),
            rolled_up=False)
    return [summaries[key] for key in sorted(summaries)]


def run_facts(conn: Connection, run_id: str) -> Iterator[FactSnapshot]:
    """Every fact snapshot one run recorded, by host (the newest per host when a run took several)."""
    sql = """
        SELECT f.run_id, f.host, f.client, f.collected_at, f.facts FROM fact_snapshots f
        WHERE f.run_id = ? AND f.id = (
            SELECT g.id FROM fact_snapshots g WHERE g.run_id = f.run_id AND g.host = f.host
            ORDER BY g.collected_at DESC, g.id DESC LIMIT 1)
        ORDER BY f.host
    """
    for row in conn.execute(sql, (run_id,)):
        yield _snapshot(row)


def run_findings(conn: Connection, run_id: str) -> Iterator[Finding]:
    """Every finding one run recorded, by host and check."""
    for row in conn.execute("SELECT * FROM findings WHERE run_id = ? ORDER BY host, check_id, id", (run_id,)):
        yield finding_from_row(row)


def host_fact_history(conn: Connection, host: str, client: str | None,
                      before: str | None = None) -> Iterator[FactSnapshot]:
    """One host's fact snapshots, newest first (collected before `before`, if given), streamed."""
    condition, params = client_filter(client)
    sql = f"SELECT run_id, host, client, collected_at, facts FROM fact_snapshots WHERE host = ? AND {condition}"
    args: list[Any] = [host, *params]
    if before is not None:
        sql += " AND collected_at < ?"
        args.append(before)
    for row in conn.execute(sql + " ORDER BY collected_at DESC, id DESC", args):
        yield _snapshot(row)


def run_actions(conn: Connection, run_id: str) -> Iterator[Action]:
    """Every action one run recorded, by host and time."""
    for row in conn.execute("SELECT * FROM actions WHERE run_id = ? ORDER BY host, time, id", (run_id,)):
        yield _action(row)
