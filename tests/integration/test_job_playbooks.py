"""playbooks/triage.yml, playbooks/report.yml and playbooks/prune.yml, run with ansible-playbook as an AWX job runs them
(the evidence recorder enabled, the store named by TRIPOD_EVIDENCE_URL), on the report fixture's
SQLite store (tests/report_fixture.py). The expected tickets and figures are counted from the
fixture's plan, never read back from Tripod."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from tests import report_fixture as fx

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))
NEVER = {"days": ["sun"], "start": "00:00", "duration_minutes": 1, "timezone": "UTC"}


def inventory(directory: Path, clients: dict[str, list[str]], tickets: Path) -> Path:
    """A client inventory: every host in tier_srp_server, each client's hosts with their client, a
    ticket for every failing check (min_severity info), never held back, JSON lines into `tickets`."""
    policy = {"maintenance_window": NEVER,
              "alerts": {"min_severity": "info", "suppress_in_maintenance_window": False,
                         "jsonl": {"path": str(tickets)}}}
    hosts = {host: {"tripod_client": client} for client, names in clients.items() for host in names}
    # Every host gets a client in `all`, as a one-client inventory does: localhost inherits it.
    data = {"all": {"vars": {"tripod_client": next(iter(clients)), "tripod_client_policy": policy},
                    "children": {"tier_srp_server": {"hosts": hosts}}}}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "hosts.yml").write_text(yaml.safe_dump(data))
    return directory


def play(name: str, inv: Path, store: Path, tmp_path: Path, *extra: str) -> dict[str, Any]:
    """Run the playbook; returns the result of its one task (the json stdout callback)."""
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "TRIPOD_DATA_DIR": str(tmp_path / "data"),
           "TRIPOD_EVIDENCE_URL": f"sqlite://{store}", "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
    done = subprocess.run([PLAYBOOK, f"playbooks/{name}", "-i", str(inv), *extra], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    output = json.loads(done.stdout)
    (task,) = output["plays"][0]["tasks"]
    result = task["hosts"]["localhost"]
    assert done.returncode == (2 if result.get("failed") else 0), done.stdout[-3000:] + done.stderr[-3000:]
    return result


def expected_tickets(clients: dict[str, list[str]]) -> set[tuple[str, str, str]]:
    """(client, host, check) of each check whose latest result in the fixture is a fail or an error."""
    latest: dict[tuple[str, str, str], str] = {}
    for entry in sorted(fx.plan(), key=lambda e: e["when"]):
        if entry["host"] in clients.get(entry["client"], []):
            for finding in entry["findings"]:
                latest[(entry["client"], entry["host"], finding.check_id)] = finding.status
    return {key for key, status in latest.items() if status in ("fail", "error")}


def rows(store: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store) as conn:
        return conn.execute(sql).fetchall()


def test_triage_playbook_dry_run_sends_nothing_then_the_real_run_opens_one_ticket_per_problem(tmp_path):
    store = fx.build_store(tmp_path / "evidence.sqlite", tickets=False)
    clients = {"ACME Ltd": ["web01", "db01", "ws01", "old01", "win01", "gone01"], "Globex": ["gx01"]}
    sink = tmp_path / "tickets.jsonl"
    inv = inventory(tmp_path / "inventory", clients, sink)
    expected = expected_tickets(clients)
    assert len(expected) > 5  # the fixture has failing checks on several hosts of both clients

    dry = play("triage.yml", inv, store, tmp_path, "--check")
    assert {(e["client"], e["host"], e["check_id"]) for e in dry["would_send"]} == expected
    assert {e["event"] for e in dry["would_send"]} == {"opened"} and dry["changed"]
    assert not sink.exists(), "a dry run sends nothing"
    assert rows(store, "SELECT COUNT(*) FROM tickets")[0][0] == 0
    assert rows(store, "SELECT COUNT(*) FROM ticket_events")[0][0] == 0
    assert rows(store, "SELECT COUNT(*) FROM triage_cursors")[0][0] == 0, "a dry run consumes no finding"

    real = play("triage.yml", inv, store, tmp_path)
    lines = [json.loads(line) for line in sink.read_text().splitlines()]
    assert {(e["client"], e["host"], e["check_id"]) for e in lines} == expected
    assert len(lines) == len(expected) and {e["event"] for e in lines} == {"opened"}
    assert set(rows(store, "SELECT client, host, check_id FROM tickets WHERE status = 'open'")) == expected
    assert real["sent"] == {"jsonl": len(expected)} and real["waiting"] == {"queued": 0, "failed": 0}
    assert real["outcomes"]["opened"] == len(expected) and real["not_triaged"] == []

    again = play("triage.yml", inv, store, tmp_path)
    assert not again["changed"] and again["outcomes"]["findings"] == 0
    assert len(sink.read_text().splitlines()) == len(expected), "nothing is sent twice"

    # The recorder recorded the three runs with localhost, which is no host of the client.
    assert rows(store, "SELECT DISTINCT client FROM run_hosts WHERE host = 'localhost'") == [(None,)]


def test_a_host_with_a_broken_policy_fails_the_triage_naming_it_after_the_others_are_triaged(tmp_path):
    store = fx.build_store(tmp_path / "evidence.sqlite", tickets=False)
    sink = tmp_path / "tickets.jsonl"
    inv = inventory(tmp_path / "inventory", {"Globex": ["gx01"]}, sink)
    (inv / "host_vars").mkdir()
    (inv / "host_vars" / "gx02.yml").write_text("tripod_host_policy:\n  alerts:\n    min_severity: urgent\n")
    data = yaml.safe_load((inv / "hosts.yml").read_text())
    data["all"]["children"]["tier_srp_server"]["hosts"]["gx02"] = {"tripod_client": "Globex"}
    (inv / "hosts.yml").write_text(yaml.safe_dump(data))

    result = play("triage.yml", inv, store, tmp_path)
    assert result["failed"]
    (problem,) = result["not_triaged"]
    assert "gx02" in problem and "alerts.min_severity" in problem
    assert {(e["host"], e["check_id"]) for e in map(json.loads, sink.read_text().splitlines())} == {
        (host, check) for _, host, check in expected_tickets({"Globex": ["gx01"]})}


def test_report_playbook_writes_the_inventory_clients_reports_with_the_fixture_figures(tmp_path):
    store = fx.build_store(tmp_path / "evidence.sqlite")
    inv = inventory(tmp_path / "inventory", {"Globex": ["gx01"]}, tmp_path / "tickets.jsonl")
    out = tmp_path / "reports"
    options = ("-e", json.dumps({"tripod_report_month": fx.MONTH, "tripod_report_out": str(out),
                                 "tripod_report_formats": ["json", "csv"]}))

    dry = play("report.yml", inv, store, tmp_path, "--check", *options)
    (planned,) = dry["reports"]
    assert planned["client"] == "Globex" and not out.exists(), "a dry run writes nothing"

    real = play("report.yml", inv, store, tmp_path, *options)
    (written,) = real["reports"]
    assert written["files"] == planned["files"]
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(f).name for f in written["files"])
    assert not any(p.name.startswith("acme") for p in out.iterdir()), "only the inventory's client"
    report = json.loads((out / f"globex-{fx.MONTH}.json").read_text())
    (entry,) = [e for e in fx.plan() if e["client"] == "Globex"]
    counts = Counter(f.status for f in entry["findings"])
    (gx01,) = report["hosts"]
    assert gx01["host"] == "gx01" and report["coverage"]["expected"] == report["coverage"]["reporting"] == 1
    assert {status: n for status, n in gx01["counts"].items() if n} == dict(counts)
    assert written["score"] == report["scorecard"]["overall"]["score"]
    assert "gx01" in (out / f"globex-{fx.MONTH}-hosts.csv").read_text()


def test_a_job_whose_store_has_no_evidence_of_the_client_fails_naming_it(tmp_path):
    """An AWX job without TRIPOD_EVIDENCE_URL: the recorder creates an empty store in the job's
    container, and a report or triage from it would say nothing; it fails instead."""
    inv = inventory(tmp_path / "inventory", {"Globex": ["gx01"]}, tmp_path / "tickets.jsonl")
    empty = tmp_path / "fresh" / "evidence.sqlite"
    for name, extra in (("report.yml", ("-e", f"tripod_report_out={tmp_path / 'out'}")), ("triage.yml", ())):
        result = play(name, inv, empty, tmp_path, *extra)
        assert result["failed"] and "Globex" in result["msg"] and "TRIPOD_EVIDENCE_URL" in result["msg"], name
    assert not (tmp_path / "out").exists() and not (tmp_path / "tickets.jsonl").exists()


def test_prune_playbook_rolls_up_and_deletes_the_months_before_the_retention_period(tmp_path):
    """playbooks/prune.yml (AWX's monthly retention job): with one month kept, every finding, action and
    snapshot before last month's first day is gone, rolled up into monthly summaries, and the rest is
    untouched. The cutoff is computed here from today's date."""
    store = fx.build_store(tmp_path / "evidence.sqlite")
    inv = inventory(tmp_path / "inventory", {"ACME Ltd": ["web1"]}, tmp_path / "tickets.jsonl")
    today = datetime.now(timezone.utc)
    cutoff = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m-01T00:00:00Z")  # first day of last month
    old_findings = "SELECT COUNT(*) FROM findings WHERE time < ?"

    def counts() -> tuple[int, int, int]:
        with sqlite3.connect(store) as conn:
            before = conn.execute(old_findings, (cutoff,)).fetchone()[0]
            kept = conn.execute("SELECT COUNT(*) FROM findings WHERE time >= ?", (cutoff,)).fetchone()[0]
            snapshots = conn.execute("SELECT COUNT(*) FROM fact_snapshots WHERE collected_at < ?", (cutoff,)).fetchone()[0]
        return before, kept, snapshots

    old, kept, old_snapshots = counts()
    assert old > 0 and old_snapshots > 0, "the fixture has evidence before the cutoff"
    tripod = str(Path(sys.executable).with_name("tripod"))
    args = ("-e", "tripod_prune_keep_months=1", "-e", f"tripod_prune_command={tripod}")
    assert play("prune.yml", inv, store, tmp_path, *args, "--check")["skipped"] is True
    assert counts() == (old, kept, old_snapshots), "check mode changed the store"
    result = play("prune.yml", inv, store, tmp_path, *args)
    assert result["changed"] is True and f"removed {old_snapshots} fact snapshot(s), {old} finding(s)" in result["stdout"]
    assert counts() == (0, kept, 0)
    with sqlite3.connect(store) as conn:
        rolled = conn.execute("SELECT SUM(pass + fail + error + not_applicable) FROM monthly_summaries").fetchone()[0]
    assert rolled and rolled > 0
    assert play("prune.yml", inv, store, tmp_path, *args)["changed"] is False, "a second prune changes nothing"
