"""Several controllers writing one PostgreSQL evidence store at once (issue 14 §1, "Concurrency").

- Three `tripod audit` processes (the real CLI), started together, each on its own inventory (two
  hosts over the local connection, distinct names; two of them of client alpha, one of client
  beta), all with `--store` naming the same database. Checked with SQL of this test's own against
  what each controller was told to audit: three runs, each holding exactly its own hosts, the
  findings of every host (as many, of the same checks, as an audit of one controller into SQLite),
  no latest result doubled or of another client.
- Two `tripod triage serve` processes on one store, each sent the same alert at the same moment
  (for several alerts, then their resolutions): both answer 200, one opened the ticket and the
  other saw it open (the answers count outcomes, they name no ticket), the store holds one ticket
  per alert with one event per change, and the sink got each event once.

PostgreSQL only (tests/postgres.py: skipped with the reason without it, a failure when CI is set).
No containers: the audited hosts are this machine, reached over the local connection.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fleet.harness import tool_env
from tests.integration.helpers import REPO, wait_for
from tests.integration.servicedesk import Serve, environment, jsonl, post, write_inventory
from tests.postgres import new_database, postgres_server, postgres_url, query

__all__ = ["postgres_server", "postgres_url"]


@dataclass(frozen=True)
class Controller:
    name: str
    client: str
    hosts: tuple[str, ...]


CONTROLLERS = (Controller("one", "alpha", ("alpha-a1", "alpha-a2")),
               Controller("two", "alpha", ("alpha-b1", "alpha-b2")),
               Controller("three", "beta", ("beta-c1", "beta-c2")))
REFERENCE = Controller("reference", "ref", ("ref-1",))


def inventory(root: Path, controller: Controller) -> Path:
    directory = root / f"inventory-{controller.name}"
    directory.mkdir()
    (directory / "hosts.yml").write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                 "tripod_client": controller.client,
                 "tripod_client_policy": {"maintenance_window": {"timezone": "UTC"}}},
        "children": {"tier_srp_server": {"hosts": {host: None for host in controller.hosts}}},
    }}))
    return directory


def audit(root: Path, controller: Controller, store: str) -> subprocess.Popen[str]:
    """`tripod audit` as a controller runs it (as tests.integration.helpers.tripod does, but not
    waited for): its own data dir, the repo's ansible.cfg found from the working directory."""
    env = tool_env({"TRIPOD_DATA_DIR": str(root / f"data-{controller.name}")})
    env.pop("ANSIBLE_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "tripod.cli", "audit", "-i", str(inventory(root, controller)),
                             "--store", store], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finished(process: subprocess.Popen[str]) -> str:
    out, _ = process.communicate(timeout=600)
    assert process.returncode == 0, out
    return out


@pytest.fixture(scope="module")
def audited(postgres_server, tmp_path_factory) -> tuple[str, dict[str, str], Counter[str]]:
    """The three controllers' audits into one new database: its URL, each controller's run id
    (found by the inventory the run was given), and the checks one host's audit records (the
    reference: one controller alone, into SQLite)."""
    root = tmp_path_factory.mktemp("controllers")
    url = new_database(postgres_server)
    # The three controllers start together; the reference (its own SQLite file) runs alongside.
    processes = [audit(root, controller, url) for controller in CONTROLLERS]
    processes.append(audit(root, REFERENCE, f"sqlite://{root}/reference.sqlite"))
    for process in processes:
        finished(process)
    with closing(sqlite3.connect(root / "reference.sqlite")) as ref:
        checks = Counter(row[0] for row in ref.execute("SELECT check_id FROM findings WHERE host = ?", REFERENCE.hosts))
    runs = {}
    for controller in CONTROLLERS:
        given = [str(root / f"inventory-{controller.name}")]
        (run_id,) = [run for run, paths in query(url, "SELECT run_id, inventory FROM runs")
                     if json.loads(paths) == given]
        runs[controller.name] = run_id
    return url, runs, checks


def test_three_controllers_auditing_at_once_keep_their_own_hosts(audited):
    url, runs, _checks = audited
    assert sorted(query(url, "SELECT run_id, status, check_mode FROM runs")) == sorted(
        (run_id, "ok", 1) for run_id in runs.values()), "exactly three runs, all finished"
    for controller in CONTROLLERS:
        run_id = runs[controller.name]
        expected = sorted((host, controller.client) for host in controller.hosts)
        assert sorted(query(url, "SELECT host, client FROM run_hosts WHERE run_id = %s", (run_id,))) == expected
        for table in ("findings", "fact_snapshots"):
            stored = query(url, f"SELECT DISTINCT host, client FROM {table} WHERE run_id = %s", (run_id,))
            assert sorted(stored) == expected, f"{table} of run {controller.name}: its own hosts, no other's"
    assert query(url, "SELECT host, COUNT(*) FROM fact_snapshots GROUP BY host HAVING COUNT(*) <> 1") == []


def test_every_host_has_all_its_findings_and_one_latest_result_per_check(audited):
    url, runs, checks = audited
    by_host: dict[str, Counter[str]] = {}
    for host, check_id in query(url, "SELECT host, check_id FROM findings"):
        by_host.setdefault(host, Counter())[check_id] += 1
    everyone = sorted(host for controller in CONTROLLERS for host in controller.hosts)
    assert sorted(by_host) == everyone
    assert {"TRP-PATCH-001", "TRP-DISK-001", "TRP-EOL-001"} <= set(checks), "the reference audited the host"
    for host in everyone:
        assert by_host[host] == checks, f"{host}: the checks of a lone controller's audit, each as often"
    latest = query(url, "SELECT l.client, l.month, l.host, l.check_id, f.client, substr(f.time, 1, 7), f.host,"
                       " f.check_id, f.run_id FROM latest_results l LEFT JOIN findings f ON f.id = l.finding_id")
    assert sorted(row[:4] for row in latest) == sorted(query(
        url, "SELECT DISTINCT client, substr(time, 1, 7), host, check_id FROM findings")), \
        "one latest result per client, month, host and check: none doubled, none missing"
    owner = {host: controller for controller in CONTROLLERS for host in controller.hosts}
    for client, month, host, check_id, *finding in latest:
        assert finding == [client, month, host, check_id, runs[owner[host].name]], "a finding of the host's own run"
        assert client == owner[host].client, "no result under another client"


# -- two triage servers, one alert ---------------------------------------------------------------

HOSTS = ("web1", "web2", "web3", "web4", "web5")


def alert(host: str, status: str) -> dict[str, Any]:
    return {"status": status, "labels": {"alertname": "NodeDown", "host": host, "severity": "critical"},
            "annotations": {"summary": f"{host} down"}, "startsAt": "2026-11-27T10:00:00Z",
            **({"endsAt": "2026-11-27T10:30:00Z"} if status == "resolved" else {}), "fingerprint": f"fp-{host}"}


def at_once(bases: list[str], body: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """POST the same alert to every server at the same moment (one thread each)."""
    barrier = threading.Barrier(len(bases))
    answers: list[tuple[int, dict[str, Any]]] = [(0, {})] * len(bases)

    def send(index: int) -> None:
        barrier.wait(timeout=30)
        answers[index] = post(f"{bases[index]}/alertmanager", [body], token=None)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(bases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_two_triage_servers_given_the_same_alert_open_one_ticket(postgres_url, tmp_path):
    sink = tmp_path / "acme.jsonl"
    inventory_dir = write_inventory(tmp_path / "inv", {host: "tier_srp_server" for host in HOSTS},
                                    {"sinks": ["jsonl"], "jsonl": {"path": str(sink)}})
    servers = [Serve(inventory_dir, environment(tmp_path / f"data-{n}"), "--store", postgres_url) for n in (1, 2)]
    logs: list[str] = []
    try:
        bases = [server.base for server in servers]
        fired = {host: at_once(bases, alert(host, "firing")) for host in HOSTS}
        resolved = {host: at_once(bases, alert(host, "resolved")) for host in HOSTS}
        tickets = query(postgres_url, "SELECT ticket_id, host, check_id, status, occurrences FROM tickets")
        # the delivery threads send the queued events (waited for, not timed)
        wait_for(lambda: not query(postgres_url, "SELECT 1 FROM ticket_events WHERE status <> 'sent'"), 60,
                 "every ticket event to be sent")
    finally:
        logs = [server.stop() for server in servers]
    for host in HOSTS:
        assert [status for status, _answer in fired[host] + resolved[host]] == [200] * 4, (fired[host], resolved[host])
        assert sorted(json.dumps(answer["outcomes"]) for _status, answer in fired[host]) == [
            '{"opened": 1}', '{"seen": 1}'], "one server opened the ticket, the other found it open"
        assert sorted(json.dumps(answer["outcomes"]) for _status, answer in resolved[host]) == [
            '{"ok": 1}', '{"resolved": 1}'], "one resolved it, the other found nothing open"
    assert sorted((host, check, status, occurrences) for _id, host, check, status, occurrences in tickets) == [
        (host, "alert:NodeDown", "resolved", 1) for host in HOSTS], "one ticket per alert"
    ids = {host: ticket_id for ticket_id, host, *_rest in tickets}
    events = query(postgres_url, "SELECT ticket_id, seq, event, status FROM ticket_events")
    assert sorted(events) == sorted((ids[host], seq, event, "sent") for host in HOSTS
                                    for seq, event in ((1, "opened"), (2, "resolved")))
    sent = [(line["ticket_id"], line["event"]) for line in jsonl(sink)]
    assert sorted(sent) == sorted((ids[host], event) for host in HOSTS for event in ("opened", "resolved")), \
        "each event reached the sink once, from one of the two servers"
    assert not any("Traceback" in log or "internal error" in log for log in logs), logs
