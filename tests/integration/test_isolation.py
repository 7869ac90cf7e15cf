"""Client isolation: two clients' inventories with the SAME host names, one data dir (as an MSP
runs Tripod), local connection (no containers). Nothing of one client may appear in the other's
validation, store rows, tickets, sinks or reports.

The worst case is set up on purpose: a user-enabled file fact cache (ANSIBLE_CACHE_PLUGIN=jsonfile)
shared by a direct `ansible-playbook` run of alpha's audit and by `tripod validate`/`triage`
(which read the inventory through Ansible). Ansible keys that cache by host name alone and cached
facts beat group_vars, so a client or policy written there for alpha's `web1` became bravo's
(issue 12, section 1).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.fleet.harness import tool_env
from tests.integration.helpers import REPO

HOSTS = ("web1", "dc01")
CLIENTS = ("alpha", "bravo")


def tripod(*args: str, data_dir: Path, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = tool_env({"TRIPOD_DATA_DIR": str(data_dir), **extra_env})
    env.pop("ANSIBLE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "tripod.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def _inventory(root: Path, client: str) -> Path:
    inventory = root / f"inv-{client}"
    (inventory / "group_vars").mkdir(parents=True)
    hosts = "".join(f"        {name}:\n          ansible_connection: local\n"
                    "          ansible_python_interpreter: '{{ ansible_playbook_python }}'\n" for name in HOSTS)
    (inventory / "hosts.yml").write_text(f"all:\n  children:\n    tier_srp_server:\n      hosts:\n{hosts}")
    (inventory / "group_vars" / "all.yml").write_text(
        f"tripod_client: {client}\n"
        "tripod_client_policy:\n"
        "  maintenance_window:\n    timezone: UTC\n"
        f"  alerts:\n    sinks: [jsonl]\n    jsonl:\n      path: {root / f'sink-{client}.jsonl'}\n"
    )
    return inventory


@pytest.fixture(scope="module")
def two_clients(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """alpha audited, then bravo validated, audited, triaged and reported, then alpha again."""
    root = tmp_path_factory.mktemp("isolation")
    data = root / "data"
    inventories = {client: _inventory(root, client) for client in CLIENTS}
    env = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(root / "user-fact-cache")}
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    steps: dict[str, object] = {"root": root, "data": data, "month": month}
    steps["direct-alpha"] = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventories["alpha"]), "--check", "playbooks/audit.yml"],
        cwd=REPO, env={**tool_env({"TRIPOD_DATA_DIR": str(data), **env}), "TRIPOD_NO_EVIDENCE": "1"},
        capture_output=True, text=True, timeout=300)
    for client in CLIENTS:
        inventory = str(inventories[client])
        steps[f"audit-{client}"] = tripod("audit", "-i", inventory, data_dir=data, extra_env=env)
        steps[f"validate-{client}"] = tripod("validate", "-i", inventory, "--show", "web1", data_dir=data,
                                             extra_env=env)
        steps[f"triage-{client}"] = tripod("triage", "-i", inventory, data_dir=data, extra_env=env)
        steps[f"report-{client}"] = tripod("report", "--client", client, "--month", month, "--format", "html",
                                           "-i", inventory, "--out", str(root / f"reports-{client}"), data_dir=data,
                                           extra_env=env)
    return steps


def _ok(result: object) -> str:
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 1: a host's check failed, a ticket queued
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return result.stdout + result.stderr


def test_validate_shows_each_inventory_its_own_client(two_clients):
    direct = two_clients["direct-alpha"]
    assert direct.returncode == 0 and "web1" in direct.stdout, direct.stdout + direct.stderr
    for client in CLIENTS:
        out = _ok(two_clients[f"validate-{client}"])
        assert f"# web1: client {client}, tier_srp_server" in out, out
        other = next(c for c in CLIENTS if c != client)
        assert other not in out


def test_store_rows_carry_each_runs_own_client(two_clients):
    for client in CLIENTS:
        _ok(two_clients[f"audit-{client}"])
    with sqlite3.connect(two_clients["data"] / "evidence.sqlite") as conn:
        runs = conn.execute("SELECT run_id, inventory, clients, status FROM runs ORDER BY started_at").fetchall()
        assert len(runs) == 2
        for (run_id, inventory, clients, status), client in zip(runs, CLIENTS):
            assert f"inv-{client}" in inventory and json.loads(clients) == [client], (inventory, clients)
            assert status in ("ok", "failed")
            for table in ("run_hosts", "fact_snapshots", "findings"):
                rows = conn.execute(f"SELECT host, client FROM {table} WHERE run_id = ?", (run_id,)).fetchall()
                assert rows, f"{table} of {client}'s run is empty"
                assert {row[1] for row in rows} == {client}, f"{table} of {client}'s run: {set(rows)}"
                assert {row[0] for row in rows} == set(HOSTS)


def test_tickets_and_sinks_stay_with_their_client(two_clients):
    root = two_clients["root"]
    for client in CLIENTS:
        _ok(two_clients[f"triage-{client}"])
    with sqlite3.connect(two_clients["data"] / "evidence.sqlite") as conn:
        tickets = conn.execute("SELECT client, host FROM tickets").fetchall()
    per_client = {client: {host for c, host in tickets if c == client} for client in CLIENTS}
    assert {c for c, _ in tickets} <= set(CLIENTS)
    assert per_client["alpha"] == per_client["bravo"], "the same hosts, the same findings: the same tickets"
    for client in CLIENTS:
        other = next(c for c in CLIENTS if c != client)
        sink = root / f"sink-{client}.jsonl"
        if not per_client[client]:
            continue
        events = [json.loads(line) for line in sink.read_text().splitlines()]
        assert events, f"{client}'s sink got nothing"
        text = sink.read_text()
        assert other not in text, f"{other}'s data in {client}'s sink"
    assert any(per_client.values()), "the audit found something to ticket (else this test proves little)"


def test_reports_name_only_their_client(two_clients):
    root = two_clients["root"]
    for client in CLIENTS:
        _ok(two_clients[f"report-{client}"])
        other = next(c for c in CLIENTS if c != client)
        files = [p for p in (root / f"reports-{client}").rglob("*") if p.is_file()]
        assert files, f"no report for {client}"
        for path in files:
            text = path.read_text(errors="replace")
            assert other not in text, f"{other} appears in {path}"
        assert any(client in p.read_text(errors="replace") for p in files)


def test_no_client_or_policy_in_any_fact_cache(two_clients):
    """The cause: nothing client-specific is cached by host name, neither in the user's cache nor
    in the per-run caches `tripod run` keeps in each run's artifacts under the data dir."""
    data, root = two_clients["data"], two_clients["root"]
    user_cache = sorted((root / "user-fact-cache").glob("*"))
    assert all(any(p.name.endswith(h) for p in user_cache) for h in HOSTS), "the direct run used the user's file cache"
    run_caches = sorted(data.glob("runs/*/artifacts/*/fact_cache/*"))
    assert all(any(p.name.endswith(h) for p in run_caches) for h in HOSTS), "tripod runs cache per run, in its artifacts"
    for path in user_cache + run_caches:
        text = path.read_text()
        assert "tripod_client" not in text and "tripod_policy" not in text, path


def _stale_cache(root: Path, inventory: Path, env: dict[str, str]) -> None:
    """A file fact cache as an older Tripod left it: alpha's client and policy cached for `web1`."""
    written = subprocess.run(
        [str(Path(sys.executable).parent / "ansible"), "-i", str(inventory), "web1", "-m", "ansible.builtin.set_fact",
         "-a", '{"tripod_client": "alpha", "tripod_policy": {"patch": {}}, "cacheable": true}'],
        cwd=REPO, env=tool_env(env), capture_output=True, text=True, timeout=120)
    assert written.returncode == 0, written.stdout + written.stderr
    assert any("alpha" in path.read_text() for path in Path(env["ANSIBLE_CACHE_PLUGIN_CONNECTION"]).glob("*web1"))


def test_a_stale_fact_cache_never_lends_a_host_another_client(tmp_path):
    """Readers of the inventory ignore the fact cache; a run stops the host instead of using it."""
    inventory = _inventory(tmp_path, "bravo")
    env = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp_path / "stale-cache"),
           "ANSIBLE_CACHE_PLUGIN_TIMEOUT": "0"}
    _stale_cache(tmp_path, inventory, env)
    shown = tripod("validate", "-i", str(inventory), "--show", "web1", data_dir=tmp_path / "data", extra_env=env)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "# web1: client bravo" in shown.stdout and "alpha" not in shown.stdout
    direct = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "playbooks/preflight.yml"],
        cwd=REPO, env={**tool_env({"TRIPOD_DATA_DIR": str(tmp_path / "data"), **env}), "TRIPOD_NO_EVIDENCE": "1"},
        capture_output=True, text=True, timeout=300)
    assert direct.returncode == 2, direct.stdout + direct.stderr
    assert "web1: tripod_client, tripod_policy found in Ansible's fact cache" in direct.stdout
    assert "dc01" in direct.stdout and "alpha" not in direct.stdout.replace(str(tmp_path), "")
