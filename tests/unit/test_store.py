"""The evidence store: schema migrations, one transaction per host, concurrency, crash
safety, retention and the read API."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tripod.models import Action, Finding
from tripod.store import EvidenceStore, HostResult, default_path, host_status, migrations
from tripod.store import sqlite as store_sqlite
from tripod.store.records import add_months, month_bounds

INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.errors.IntegrityError)

TABLES = {"runs", "run_hosts", "fact_snapshots", "findings", "actions", "monthly_summaries"}


def finding(check: int = 1, status: str = "pass", **extra: Any) -> Finding:
    return Finding.from_dict({"area": "hardening", "check_id": f"TRP-SSH-{check:03d}", "title": f"check {check}",
                              "severity": "medium", "status": status, **extra})


def action(kind: str = "space_reclaimed", changed: bool = True, size: int | None = 100, **extra: Any) -> Action:
    return Action.from_dict({"area": "housekeeping", "kind": kind, "detail": "/var/tmp", "bytes": size,
                             "changed": changed, **extra})


@pytest.fixture
def store(evidence_location):
    """An empty store on each backend (SQLite file, PostgreSQL database: tests/postgres.py)."""
    with EvidenceStore(evidence_location) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path):
    with EvidenceStore(tmp_path / "evidence.sqlite") as opened:
        yield opened


def table_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# -- schema -------------------------------------------------------------------------------

def test_default_path_is_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "evidence.sqlite"
    with EvidenceStore() as opened:
        assert opened.path == tmp_path / "data" / "evidence.sqlite"
    assert (tmp_path / "data" / "evidence.sqlite").is_file()


def test_an_empty_database_is_migrated_to_the_latest_version(store):
    assert store.schema_version == migrations.LATEST_VERSION >= 1
    assert all(store.has_table(name) for name in TABLES)
    assert not store.has_table("no_such_table")
    assert store.integrity_check() == "ok"


def test_the_sqlite_schema_has_its_tables_and_indexes(sqlite_store):
    store = sqlite_store
    assert TABLES <= table_names(store.path)
    with sqlite3.connect(store.path) as conn:
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"findings_client_time", "findings_host_check", "fact_snapshots_client", "actions_client_time"} <= indexes


def test_reopening_does_not_migrate_again(tmp_path):
    path = tmp_path / "e.sqlite"
    EvidenceStore(path).close()
    with EvidenceStore(path) as again:
        assert again.schema_version == migrations.LATEST_VERSION


def test_pragmas_for_concurrent_writers(sqlite_store):
    conn = sqlite_store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == store_sqlite.BUSY_TIMEOUT_MS
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrations_apply_in_order_and_a_broken_step_leaves_the_old_version(monkeypatch, tmp_path):
    steps = (
        ("CREATE TABLE one (a INTEGER)",),
        ("CREATE TABLE two (b INTEGER)", "INSERT INTO one (a) VALUES (1)"),
        ("CREATE TABLE three (c INTEGER)", "THIS IS NOT SQL"),
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    monkeypatch.setattr(migrations, "LATEST_VERSION", 3)
    conn = sqlite3.connect(tmp_path / "m.sqlite", isolation_level=None)
    assert store_sqlite.migrate(conn, target=2) == 2
    assert conn.execute("SELECT a FROM one").fetchall() == [(1,)]
    with pytest.raises(sqlite3.OperationalError):
        store_sqlite.migrate(conn)
    assert store_sqlite.schema_version(conn) == 2, "the failed step was rolled back as a whole"
    assert "three" not in table_names(tmp_path / "m.sqlite")


def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {migrations.LATEST_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer than this Tripod"):
        EvidenceStore(path)


# -- writing ------------------------------------------------------------------------------

def test_a_run_with_hosts(store):
    run_id = store.start_run("run-1", playbook="playbooks/audit.yml", inventory=["inventories/acme"], check_mode=True,
                             started_at="2026-11-27T22:00:00Z")
    assert run_id == "run-1"
    store.record_host(run_id, HostResult(
        host="web1", status="changed", client="acme", tier="tier_srp_server",
        counts={"ok": 5, "changed": 2}, finished_at="2026-11-27T22:10:00Z",
        facts=[{"collected_at": "2026-11-27T22:01:00Z", "os_family": "linux"}],
        findings=[finding(1, "pass"), finding(2, "fail", client="elsewhere", time="2026-11-27T22:05:00Z")],
        actions=[action()],
    ))
    store.record_host(run_id, HostResult(host="db1", status="unreachable", client="acme", counts={"unreachable": 1},
                                         message="ssh: connection refused", finished_at="2026-11-27T22:02:00Z"))
    assert store.end_run(run_id, ended_at="2026-11-27T22:11:00Z") == "failed"

    (run,) = store.list_runs()
    assert (run.run_id, run.playbook, run.inventory, run.clients, run.check_mode, run.status) == (
        "run-1", "playbooks/audit.yml", ["inventories/acme"], ["acme"], True, "failed")
    assert (run.started_at, run.ended_at) == ("2026-11-27T22:00:00Z", "2026-11-27T22:11:00Z")
    hosts = {h.host: h for h in store.run_hosts(run_id)}
    assert hosts["web1"].status == "changed"
    assert hosts["web1"].counts == {"ok": 5, "changed": 2, "failures": 0, "unreachable": 0, "skipped": 0,
                                    "rescued": 0, "ignored": 0}
    assert (hosts["db1"].status, hosts["db1"].message, hosts["db1"].client) == (
        "unreachable", "ssh: connection refused", "acme")

    found = list(store.findings("acme", "2026-11"))
    assert [(f.check_id, f.host, f.tier, f.run_id, f.time) for f in found] == [
        ("TRP-SSH-001", "web1", "tier_srp_server", "run-1", "2026-11-27T22:10:00Z"),
    ]
    (other,) = store.findings("elsewhere", "2026-11")
    assert (other.check_id, other.time) == ("TRP-SSH-002", "2026-11-27T22:05:00Z"), "a finding keeps what it set"
    (done,) = store.actions("acme", "2026-11")
    assert (done.kind, done.bytes, done.changed, done.host, done.run_id) == ("space_reclaimed", 100, True, "web1", "run-1")
    (snapshot,) = store.latest_facts("acme")
    assert (snapshot.host, snapshot.collected_at, snapshot.facts["os_family"]) == ("web1", "2026-11-27T22:01:00Z", "linux")


def test_end_run_ok_when_no_host_failed(store):
    run_id = store.start_run()
    assert len(run_id) == 36
    store.record_host(run_id, HostResult(host="a", status="ok"))
    store.record_host(run_id, HostResult(host="b", status="skipped"))
    assert store.end_run(run_id) == "ok"
    assert store.get_run(run_id).status == "ok"  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        store.end_run("no-such-run")
    with pytest.raises(ValueError, match="status"):
        store.end_run(run_id, status="great")


def test_recording_a_host_again_adds_evidence_and_replaces_the_status(store):
    run_id = store.start_run()
    store.record_host(run_id, HostResult(host="web1", status="failed", client="acme", message="first play failed",
                                         findings=[finding(1)], counts={"failures": 1}))
    store.record_host(run_id, HostResult(host="web1", status="ok", findings=[finding(2)], counts={"ok": 3, "rescued": 1}))
    (row,) = store.run_hosts(run_id)
    assert (row.status, row.client, row.message, row.counts["rescued"]) == ("ok", "acme", "first play failed", 1)
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert sorted(f.check_id for f in store.findings("acme", month)) == ["TRP-SSH-001", "TRP-SSH-002"]


def test_a_host_is_written_all_or_nothing(store):
    run_id = store.start_run()
    broken = Finding(area=None, check_id="TRP-SSH-009", title="x", severity="low", status="pass")  # type: ignore[arg-type]
    with pytest.raises(INTEGRITY_ERRORS):
        store.record_host(run_id, HostResult(host="web1", status="ok", client="acme",
                                             facts=[{"collected_at": "2026-11-27T22:01:00Z"}],
                                             findings=[finding(1), broken], actions=[action()]))
    for table in ("run_hosts", "fact_snapshots", "findings", "actions"):
        assert store._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
    store.record_host(run_id, HostResult(host="web1", status="ok"))  # the connection is still usable


def test_a_host_needs_a_known_run(store):
    with pytest.raises(INTEGRITY_ERRORS):
        store.record_host("never-started", HostResult(host="web1", status="ok"))


def test_host_result_validation():
    with pytest.raises(ValueError, match="status: 'fine'"):
        HostResult(host="a", status="fine")
    with pytest.raises(ValueError, match="counts: unknown key 'failed'"):
        HostResult(host="a", status="ok", counts={"failed": 1})


@pytest.mark.parametrize(
    ("counts", "status"),
    [
        ({"ok": 3, "unreachable": 1, "failures": 1}, "unreachable"),
        ({"ok": 3, "failures": 1, "changed": 2}, "failed"),
        ({"ok": 3, "changed": 2}, "changed"),
        ({"ok": 3, "rescued": 1}, "ok"),
        ({"skipped": 4}, "skipped"),
        ({}, "skipped"),
    ],
)
def test_host_status_from_stats(counts, status):
    assert host_status(counts) == status


# -- reading ------------------------------------------------------------------------------

def seed_months(store: EvidenceStore) -> None:
    """Two clients, a few runs over three months."""
    for run_id, when, client, host, results in (
        ("r-sep", "2026-09-15T10:00:00Z", "acme", "web1", [(1, "fail"), (2, "pass")]),
        ("r-oct-1", "2026-10-01T10:00:00Z", "acme", "web1", [(1, "fail"), (2, "pass"), (3, "waived")]),
        ("r-oct-2", "2026-10-20T10:00:00Z", "acme", "web1", [(1, "pass"), (2, "error"), (3, "waived")]),
        ("r-oct-3", "2026-10-20T11:00:00Z", "beta", "mail1", [(1, "pass")]),
        ("r-nov", "2026-11-02T10:00:00Z", "acme", "web1", [(1, "pass"), (2, "pass"), (3, "not_applicable")]),
    ):
        store.start_run(run_id, playbook="tier.yml", started_at=when)
        store.record_host(run_id, HostResult(
            host=host, status="ok", client=client, tier="tier_srp_server", finished_at=when,
            facts=[{"collected_at": when, "run": run_id}],
            findings=[finding(check, status) for check, status in results],
            actions=[action(size=10), action(kind="package_updated", size=None), action(changed=False, size=99)],
        ))
        store.end_run(run_id, ended_at=when)


def test_list_runs(store):
    seed_months(store)
    assert [r.run_id for r in store.list_runs()] == ["r-nov", "r-oct-3", "r-oct-2", "r-oct-1", "r-sep"]
    assert [r.run_id for r in store.list_runs(client="beta")] == ["r-oct-3"]
    assert [r.run_id for r in store.list_runs(since="2026-10-20T00:00:00Z", limit=2)] == ["r-nov", "r-oct-3"]
    assert store.list_runs(client="nobody") == []
    assert store.clients() == ["acme", "beta"]


def test_latest_facts_per_host(store):
    seed_months(store)
    assert [(s.host, s.facts["run"]) for s in store.latest_facts("acme")] == [("web1", "r-nov")]
    assert [s.facts["run"] for s in store.latest_facts("acme", before="2026-11-01T00:00:00Z")] == ["r-oct-2"]
    assert [s.host for s in store.latest_facts("beta")] == ["mail1"]


def test_findings_for_a_client_and_month(store):
    seed_months(store)
    october = list(store.findings("acme", "2026-10"))
    assert len(october) == 6
    latest = list(store.findings("acme", "2026-10", latest_only=True))
    assert [(f.check_id, f.status, f.run_id) for f in latest] == [
        ("TRP-SSH-001", "pass", "r-oct-2"), ("TRP-SSH-002", "error", "r-oct-2"), ("TRP-SSH-003", "waived", "r-oct-2")]
    assert list(store.findings("acme", "2026-10", host="mail1")) == []
    assert len(list(store.actions("acme", "2026-10"))) == 6
    with pytest.raises(ValueError, match="month"):
        list(store.findings("acme", "2026-13"))


def test_months():
    assert month_bounds("2026-12") == ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")
    assert add_months("2026-01", -1) == "2025-12"
    assert add_months("2026-11", 14) == "2028-01"


def test_monthly_summary_counts_the_latest_result_of_each_check(store):
    seed_months(store)
    october, housekeeping = store.monthly_summaries("acme", "2026-10")
    assert (housekeeping.area, housekeeping.findings, housekeeping.score) == ("housekeeping", 0, None)
    assert (october.host, october.area, october.rolled_up) == ("web1", "hardening", False)
    assert october.counts == {"pass": 1, "fail": 0, "error": 1, "not_applicable": 0, "waived": 1, "not_assessed": 0}
    assert october.score == 0.5
    assert october.findings == 6
    (housekeeping,) = [s for s in store.monthly_summaries("acme", "2026-11") if s.area == "housekeeping"]
    assert (housekeeping.actions, housekeeping.actions_changed, housekeeping.bytes_reclaimed) == (3, 2, 10)


def latest(store: EvidenceStore, client: str, month: str) -> list[tuple[str, str, str, str]]:
    """(host, check, status, time) of each latest result, as reports read them."""
    return [(row[0], row[2], row[5], row[10]) for row in store.latest_findings(client, month)]


def ranked_latest(store: EvidenceStore, client: str, month: str) -> list[tuple[str, str, str, str]]:
    """The same, computed from the raw findings by ranking them (what latest_results replaces)."""
    start, end = month_bounds(month)
    rows = store._conn.execute(
        "SELECT host, check_id, status, time FROM (SELECT host, check_id, status, time, ROW_NUMBER() OVER"
        " (PARTITION BY host, check_id ORDER BY time DESC, id DESC) AS rn FROM findings"
        " WHERE client = ? AND time >= ? AND time < ?) AS ranked WHERE rn = 1 ORDER BY host, check_id", (client, start, end))
    return [tuple(row) for row in rows]


def record_one(store: EvidenceStore, run_id: str, when: str, check: int, status: str) -> None:
    """One more acme/web1 run at `when` with one result."""
    store.start_run(run_id, playbook="tier.yml", started_at=when)
    store.record_host(run_id, HostResult(host="web1", status="ok", client="acme", finished_at=when,
                                         findings=[finding(check, status)]))


def test_latest_results_follow_the_findings_as_they_are_written(store):
    seed_months(store)
    assert latest(store, "acme", "2026-10") == [
        ("web1", "TRP-SSH-001", "pass", "2026-10-20T10:00:00Z"), ("web1", "TRP-SSH-002", "error", "2026-10-20T10:00:00Z"),
        ("web1", "TRP-SSH-003", "waived", "2026-10-20T10:00:00Z")]
    # A run recorded late with an older time does not replace a newer result; the same time does
    # (the later row wins, as when ranking by time, then id).
    record_one(store, "r-late", "2026-10-05T10:00:00Z", 1, "fail")
    record_one(store, "r-same", "2026-10-20T10:00:00Z", 2, "pass")
    for client, month in (("acme", "2026-09"), ("acme", "2026-10"), ("acme", "2026-11"), ("beta", "2026-10")):
        assert latest(store, client, month) == ranked_latest(store, client, month), (client, month)
    assert latest(store, "acme", "2026-10")[1][2] == "pass"
    assert sorted(store.month_status_counts("acme", "2026-10")) == [
        ("web1", "hardening", "pass", None, 2), ("web1", "hardening", "waived", None, 1)]
    record_one(store, "r-nov-2", "2026-11-20T10:00:00Z", 3, "error")
    record_one(store, "r-oct-4", "2026-10-25T10:00:00Z", 3, "fail")
    (recurring,) = store.recurring_failures("acme", "2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert (recurring.host, recurring.check_id, recurring.months) == ("web1", "TRP-SSH-003", ("2026-10", "2026-11"))


def test_migration_4_fills_latest_results_from_existing_findings(tmp_path):
    path = tmp_path / "old.sqlite"
    with EvidenceStore(path) as new:
        seed_months(new)
        expected = {m: ranked_latest(new, "acme", m) for m in ("2026-09", "2026-10", "2026-11")}
        new._conn.execute("DROP TABLE latest_results")
        new._conn.execute("ALTER TABLE findings DROP COLUMN waiver_detail")
        new._conn.execute("PRAGMA user_version = 3")  # as a store written before migration 4
    with EvidenceStore(path) as upgraded:
        assert upgraded.schema_version == migrations.LATEST_VERSION
        assert {m: latest(upgraded, "acme", m) for m in expected} == expected
        # TRP-SSH-001 failed in September, but October's latest result passed: nothing recurs.
        assert upgraded.recurring_failures("acme", "2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z") == []


# -- retention ----------------------------------------------------------------------------

def strip(summary: Any) -> tuple[Any, ...]:
    """A summary without the flag saying where it came from."""
    return (summary.client, summary.host, summary.month, summary.area, summary.counts, summary.score,
            summary.findings, summary.actions, summary.actions_changed, summary.bytes_reclaimed)


def test_prune_rolls_up_then_deletes_and_monthly_numbers_remain(store):
    seed_months(store)
    before = {(client, month): store.monthly_summaries(client, month)
              for client in ("acme", "beta") for month in ("2026-09", "2026-10", "2026-11")}
    result = store.prune(1, now=datetime(2026, 11, 27, tzinfo=timezone.utc))
    assert result.cutoff == "2026-10-01T00:00:00Z"
    assert result.months == ["2026-09"]
    assert (result.findings, result.actions, result.fact_snapshots) == (2, 3, 1)
    assert list(store.findings("acme", "2026-09")) == []
    assert [s.facts["run"] for s in store.latest_facts("acme", before="2026-10-01T00:00:00Z")] == []
    (september,) = [s for s in store.monthly_summaries("acme", "2026-09") if s.area == "hardening"]
    assert september.rolled_up
    assert (september.counts["pass"], september.counts["fail"], september.score) == (1, 1, 0.5)

    result = store.prune(0, now=datetime(2026, 12, 3, tzinfo=timezone.utc))
    assert result.months == ["2026-10", "2026-11"]
    assert store._conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 0
    assert store._conn.execute("SELECT COUNT(*) FROM latest_results").fetchone()[0] == 0, "derived rows go too"
    assert store._conn.execute("SELECT COUNT(*) FROM fact_snapshots").fetchone()[0] == 0
    for (client, month), live in before.items():
        after = store.monthly_summaries(client, month)
        assert all(s.rolled_up for s in after)
        assert [strip(s) for s in after] == [strip(s) for s in live], (client, month)
    (beta,) = [s for s in store.monthly_summaries("beta", "2026-10") if s.area == "hardening"]
    assert (beta.host, beta.counts["pass"], beta.score) == ("mail1", 1, 1.0)
    assert len(store.list_runs()) == 5, "runs are kept"
    assert store.clients() == ["acme", "beta"]


def test_prune_keeps_recent_months_and_rejects_bad_input(store):
    seed_months(store)
    result = store.prune(12, now=datetime(2026, 11, 27, tzinfo=timezone.utc))
    assert (result.cutoff, result.months, result.findings) == ("2025-11-01T00:00:00Z", [], 0)
    assert len(list(store.findings("acme", "2026-09"))) == 2
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="before_months"):
            store.prune(bad)  # type: ignore[arg-type]


# -- concurrency and crashes --------------------------------------------------------------

WRITER = r"""
import os, sys, time
from tripod.models import Finding
from tripod.store import EvidenceStore, HostResult

db, run_id, prefix, count, go = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
while go != "-" and not os.path.exists(go):
    time.sleep(0.001)
store = EvidenceStore(db)
store.start_run(run_id)
for i in range(count):
    n = (i * 37) % 200 + 1
    findings = [Finding.from_dict({"area": "health", "check_id": f"TRP-DISK-{k % 1000:03d}", "title": "disk",
                                   "severity": "low", "status": "pass", "evidence": "x" * 200}) for k in range(n)]
    store.record_host(run_id, HostResult(host=f"{prefix}-{i}", status="ok", client="acme", findings=findings,
                                         facts=[{"collected_at": "2026-11-27T22:00:00Z", "n": n}]))
    print(f"{prefix}-{i} {n}", flush=True)
store.end_run(run_id)
"""


def writer(db: Path, run_id: str, prefix: str, count: int, go: Path | str = "-") -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(db), run_id, prefix, str(count), str(go)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def expected_findings(conn: sqlite3.Connection, run_id: str | None = None) -> list[tuple[str, int, int]]:
    """(host, findings written, findings the host said it wrote) for every recorded host."""
    where = "WHERE h.run_id = ?" if run_id else ""
    return conn.execute(f"""
        SELECT h.host,
               (SELECT COUNT(*) FROM findings f WHERE f.run_id = h.run_id AND f.host = h.host),
               (SELECT json_extract(s.facts, '$.n') FROM fact_snapshots s WHERE s.run_id = h.run_id AND s.host = h.host)
        FROM run_hosts h {where}""", (run_id,) if run_id else ()).fetchall()


def test_many_processes_write_at_once_to_a_new_database(tmp_path):
    db = tmp_path / "shared.sqlite"
    go = tmp_path / "go"
    workers = [writer(db, f"run-{w}", f"w{w}", 25, go) for w in range(8)]
    time.sleep(0.5)  # let every worker start and wait at the line
    go.touch()
    for proc in workers:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        assert len(out.splitlines()) == 25
    with EvidenceStore(db) as store:
        assert store.integrity_check() == "ok"
        assert len(store.list_runs()) == 8
        assert all(run.status == "ok" for run in store.list_runs())
        rows = expected_findings(store._conn)
    assert len(rows) == 8 * 25
    assert all(written == said for _host, written, said in rows)


def test_threads_with_their_own_store_write_at_once(tmp_path):
    db = tmp_path / "threads.sqlite"
    with EvidenceStore(db) as store:
        run_id = store.start_run("threaded")
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            with EvidenceStore(db) as own:
                for i in range(20):
                    own.record_host(run_id, HostResult(host=f"t{t}-{i}", status="ok", client="acme",
                                                       findings=[finding(k + 1) for k in range(5)]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with EvidenceStore(db) as store:
        assert len(store.run_hosts(run_id)) == 120
        assert store._conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 600


def kill_writer_after(db: Path, run_id: str, hosts: int, extra_delay: float) -> dict[str, int]:
    """Start a writer, let `hosts` hosts finish, wait `extra_delay` more (landing inside a later
    transaction), kill -9 it. Returns host -> findings of every host it reported as written."""
    proc = writer(db, run_id, "h", 1_000_000)
    assert proc.stdout is not None
    reported: dict[str, int] = {}
    deadline = time.monotonic() + 120
    while len(reported) < hosts and time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "the writer died"
        host, count = line.split()
        reported[host] = int(count)
    time.sleep(extra_delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    for line in proc.stdout.read().splitlines():  # committed and printed before the kill landed
        host, count = line.split()
        reported[host] = int(count)
    return reported


@pytest.mark.parametrize("rounds", [6])
def test_kill_9_mid_run_keeps_every_finished_host_complete(tmp_path, rounds):
    db = tmp_path / "killed.sqlite"
    for attempt in range(rounds):
        run_id = f"doomed-{attempt}"
        reported = kill_writer_after(db, run_id, hosts=10 + 9 * attempt, extra_delay=attempt * 0.003)
        assert (tmp_path / "killed.sqlite-wal").exists(), "the writer died with its write-ahead log open"
        with EvidenceStore(db) as store:
            assert store.integrity_check() == "ok"
            rows = expected_findings(store._conn, run_id)
            recorded = {host: written for host, written, _said in rows}
            assert all(written == said for _host, written, said in rows), "a recorded host is complete"
            assert set(reported) <= set(recorded), "every host that finished before the kill is there"
            assert len(recorded) - len(reported) <= 1, "at most one host committed but not yet reported"
            for host, count in reported.items():
                assert recorded[host] == count
            orphans = store._conn.execute(
                "SELECT COUNT(*) FROM findings f WHERE NOT EXISTS "
                "(SELECT 1 FROM run_hosts h WHERE h.run_id = f.run_id AND h.host = f.host)").fetchone()[0]
            assert orphans == 0, "no finding without its host"
            run = store.get_run(run_id)
            assert run is not None and (run.status, run.ended_at) == ("running", None), "a killed run stays open"


def test_migration_5_stores_a_findings_waiver_as_structured_data(tmp_path):
    """A finding's waiver round-trips as structured data; rows recorded before keep their text."""
    path = tmp_path / "old.sqlite"
    waiver = {"id": "SD-1", "control": "TRP-SSH-002", "scope": "host web1", "owner": "ops@acme.example",
              "ticket": "SD-1", "justification": "legacy appliance", "expires": "2026-12-31"}

    def finding(check_id: str, waiver_value: Any) -> Finding:
        return Finding.from_dict({"area": "hardening", "check_id": check_id, "title": "t", "severity": "high",
                                  "status": "waived", "waiver": waiver_value})

    with EvidenceStore(path) as old:
        old._conn.execute("ALTER TABLE findings DROP COLUMN waiver_detail")
        old._conn.execute("PRAGMA user_version = 4")  # as a store written before migration 5
        old._conn.execute(
            "INSERT INTO runs (run_id, started_at, status) VALUES ('r0', '2026-11-01T00:00:00Z', 'ok')")
        old._conn.execute(
            "INSERT INTO findings (run_id, host, client, time, area, check_id, title, severity, status, waiver)"
            " VALUES ('r0', 'web1', 'acme', '2026-11-01T00:00:00Z', 'hardening', 'TRP-SSH-003', 't', 'high',"
            " 'waived', 'W-1; owner=bob; expires=2026-11-15')")
    with EvidenceStore(path) as upgraded:
        assert upgraded.schema_version == migrations.LATEST_VERSION
        run = upgraded.start_run("r1", started_at="2026-11-10T00:00:00Z")
        upgraded.record_host(run, HostResult(host="web1", status="ok", client="acme", finished_at="2026-11-10T00:00:00Z",
                                             findings=[finding("TRP-SSH-002", waiver)]))
        by_check = {f.check_id: f for f in upgraded.findings("acme", "2026-11")}
        assert by_check["TRP-SSH-002"].waiver.to_dict() == waiver
        assert by_check["TRP-SSH-003"].waiver.id == "W-1; owner=bob; expires=2026-11-15"  # the old text, as it was
        rows = {row[2]: row[8] for row in upgraded.latest_findings("acme", "2026-11")}
        assert rows["TRP-SSH-002"] == waiver  # what the report reads: the mapping, no text to parse
