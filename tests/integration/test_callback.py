"""The evidence callback through a real ansible-runner run on localhost (local connection).

Two hosts, both this machine: `localhost` resolves its client and tier, reports facts,
findings and actions; `other` fails a task. A no_log task and a no_log loop item carry a
secret that must never reach the store. No containers needed.

The recorded run goes to each backend the store has, named by TRIPOD_EVIDENCE_URL as an AWX job
names it (ansible-runner with a private data dir, an ansible.cfg enabling nothing): an SQLite file
and a PostgreSQL database (tests/postgres.py); the tests read it back with their own SQL.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import ansible_runner
import pytest

from tests.postgres import BACKENDS, backend_url, postgres_server, query

__all__ = ["postgres_server"]

REPO = Path(__file__).resolve().parents[2]
SECRET = "hunter2-SECRET-do-not-store"
CALLBACK = "tripod.maintenance.evidence"

INVENTORY = f"""
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: {sys.executable}
  hosts:
    localhost:
    other:
      tripod_client: acme
"""

PLAYBOOK = f"""
- name: Evidence play
  hosts: all
  gather_facts: false
  tasks:
    - name: Resolve the policy (stand-in for tripod.maintenance.resolve_policy)
      ansible.builtin.set_fact:
        tripod_client: acme
        tripod_tier: tier_srp_server
      when: inventory_hostname == 'localhost'

    - name: Compliance facts (stand-in for tripod.maintenance.compliance_facts)
      ansible.builtin.set_fact:
        tripod_compliance:
          schema_version: 1
          collected_at: "2026-11-27T23:05:00Z"
          os_family: linux
      when: inventory_hostname == 'localhost'

    - name: Emit findings and actions
      tripod.maintenance.emit:
        findings:
          - area: hardening
            check_id: TRP-SSH-001
            title: SSH root login is disabled
            severity: high
            status: pass
            evidence: PermitRootLogin no
          - area: health
            check_id: TRP-DISK-001
            title: Root filesystem below warning
            severity: medium
            status: "{{{{ 'fail' if inventory_hostname == 'other' else 'pass' }}}}"
            remediation: Free space on /
        actions:
          - area: housekeeping
            kind: space_reclaimed
            detail: /var/cache/apt/archives
            bytes: 4096
            changed: "{{{{ not ansible_check_mode }}}}"

    - name: A task that handles a secret
      tripod.maintenance.emit:
        findings:
          - area: hardening
            check_id: TRP-SEC-001
            title: Vault password
            severity: critical
            status: fail
            evidence: "{SECRET}"
      no_log: true

    - name: A loop with one secret item
      tripod.maintenance.emit:
        findings:
          - area: hardening
            check_id: "TRP-LOOP-00{{{{ item.id }}}}"
            title: Loop item
            severity: low
            status: pass
            evidence: "{{{{ item.evidence }}}}"
      loop:
        - {{id: 1, evidence: public, secret: false}}
        - {{id: 2, evidence: "{SECRET}", secret: true}}
      loop_control:
        label: "{{{{ item.id }}}}"
      no_log: "{{{{ item.secret }}}}"
      when: inventory_hostname == 'localhost'

    - name: A plain loop
      tripod.maintenance.emit:
        findings:
          - area: hardening
            check_id: "TRP-LOOP-00{{{{ item }}}}"
            title: Loop item
            severity: low
            status: pass
      loop: [3, 4]
      when: inventory_hostname == 'localhost'

    - name: A controller-side evaluator returns one good and one bad finding
      tripod_test_evaluator:
        findings:
          - {{area: health, check_id: TRP-TIME-001, title: Clock in sync, severity: low, status: pass}}
          - {{area: health, check_id: TRP-TIME-002, title: Bad, severity: severe, status: fail}}
      when: inventory_hostname == 'localhost'

    - name: The second host fails
      ansible.builtin.fail:
        msg: disk probe exploded
      when: inventory_hostname == 'other'

- name: A second play
  hosts: all
  gather_facts: false
  tasks:
    - name: Emit one more finding
      tripod.maintenance.emit:
        findings:
          - area: patching
            check_id: TRP-PATCH-001
            title: No pending security updates
            severity: high
            status: not_applicable
            evidence: container without a package manager
"""


# A module that returns whatever findings it is given, as a controller-side evaluator would.
EVALUATOR = """
from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec={"findings": {"type": "list", "elements": "raw"}})
module.exit_json(changed=False, tripod_findings=module.params["findings"])
"""


def run(tmp_path: Path, *, run_id: str, cmdline: str = "", extra_env: dict[str, str] | None = None,
        playbook: str = PLAYBOOK) -> Any:
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True, exist_ok=True)
    (private / "inventory").mkdir(exist_ok=True)
    (private / "project" / "site.yml").write_text(playbook, encoding="utf-8")
    (private / "project" / "library").mkdir(exist_ok=True)
    (private / "project" / "library" / "tripod_test_evaluator.py").write_text(EVALUATOR, encoding="utf-8")
    (private / "inventory" / "hosts.yml").write_text(INVENTORY, encoding="utf-8")
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\nretry_files_enabled = False\n", encoding="utf-8")
    envvars = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_CALLBACKS_ENABLED": CALLBACK,
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"),
        "TRIPOD_DATA_DIR": str(tmp_path / "data"),
        "TRIPOD_RUN_ID": run_id,
        **(extra_env or {}),
    }
    return ansible_runner.run(private_data_dir=str(private), playbook="site.yml", envvars=envvars, quiet=True,
                              cmdline=cmdline or None, rotate_artifacts=1, timeout=300)


def rows(store: Path | str, sql: str) -> list[tuple[Any, ...]]:
    """The test's own query: `store` is an SQLite file or a store URL."""
    return query(store if isinstance(store, str) else f"sqlite://{store}", sql)


@pytest.fixture(scope="module", params=BACKENDS)
def recorded(request, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("evidence")
    (tmp_path / "store").mkdir()
    url = backend_url(request, tmp_path / "store")
    result = run(tmp_path, run_id="run-live", extra_env={"TRIPOD_EVIDENCE_URL": url})
    if not url.startswith("sqlite://"):
        assert not (tmp_path / "data" / "evidence.sqlite").exists(), "nothing went to the SQLite default"
    return tmp_path, result, url


def test_the_run_is_recorded(recorded):
    tmp_path, result, url = recorded
    assert result.status == "failed", "the second host failed"
    runs = rows(url, "SELECT run_id, playbook, inventory, clients, check_mode, status, ended_at IS NOT NULL FROM runs")
    assert runs == [("run-live", "site.yml", f'["{tmp_path / "runner" / "inventory"}"]', '["acme"]', 0, "failed", True)]


def test_each_host_has_its_final_status(recorded):
    _, _, url = recorded
    hosts = rows(url, "SELECT host, client, tier, status, ok, changed, failures, unreachable, skipped, message "
                      "FROM run_hosts ORDER BY host")
    assert hosts == [
        ("localhost", "acme", "tier_srp_server", "ok", 8, 0, 0, 0, 1,
         "invalid evidence not recorded: tripod_findings[1].severity: 'severe' is not one of info, low, medium, "
         "high, critical"),
        # `other` never resolved its policy: its client comes from the inventory, its tier is unknown.
        ("other", "acme", None, "failed", 2, 0, 1, 0, 5, "disk probe exploded"),
    ]


def test_findings_and_actions_are_recorded_exactly(recorded):
    _, _, url = recorded
    findings = rows(url, "SELECT host, client, tier, run_id, area, check_id, status, evidence FROM findings "
                         "ORDER BY host, check_id")
    assert findings == [
        ("localhost", "acme", "tier_srp_server", "run-live", "health", "TRP-DISK-001", "pass", ""),
        # Nothing of a loop with a no_log item, not even its public items; plain loops are recorded.
        ("localhost", "acme", "tier_srp_server", "run-live", "hardening", "TRP-LOOP-003", "pass", ""),
        ("localhost", "acme", "tier_srp_server", "run-live", "hardening", "TRP-LOOP-004", "pass", ""),
        ("localhost", "acme", "tier_srp_server", "run-live", "patching", "TRP-PATCH-001", "not_applicable",
         "container without a package manager"),
        ("localhost", "acme", "tier_srp_server", "run-live", "hardening", "TRP-SSH-001", "pass", "PermitRootLogin no"),
        ("localhost", "acme", "tier_srp_server", "run-live", "health", "TRP-TIME-001", "pass", ""),
        ("other", "acme", None, "run-live", "health", "TRP-DISK-001", "fail", ""),
        ("other", "acme", None, "run-live", "hardening", "TRP-SSH-001", "pass", "PermitRootLogin no"),
    ]
    times = rows(url, "SELECT DISTINCT length(time), substr(time, 20, 1) FROM findings")
    assert times == [(20, "Z")]
    actions = rows(url, "SELECT host, client, run_id, area, kind, detail, bytes, changed FROM actions ORDER BY host")
    assert actions == [
        ("localhost", "acme", "run-live", "housekeeping", "space_reclaimed", "/var/cache/apt/archives", 4096, 1),
        ("other", "acme", "run-live", "housekeeping", "space_reclaimed", "/var/cache/apt/archives", 4096, 1),
    ]


def test_invalid_evidence_is_a_warning_naming_the_field(recorded):
    _, result, _ = recorded
    stdout = result.stdout.read()
    assert ("tripod evidence: localhost: task 'A controller-side evaluator returns one good and one bad finding': "
            "tripod_findings[1].severity: 'severe' is not one of") in " ".join(stdout.split())


def test_the_fact_snapshot_is_recorded(recorded):
    _, _, url = recorded
    snapshots = [(host, client, collected_at, json.loads(facts)["os_family"])
                 for host, client, collected_at, facts in rows(url, "SELECT host, client, collected_at, facts "
                                                                    "FROM fact_snapshots")]
    assert snapshots == [("localhost", "acme", "2026-11-27T23:05:00Z", "linux")]


def test_no_log_results_never_reach_the_store(recorded):
    tmp_path, _, url = recorded
    assert rows(url, "SELECT COUNT(*) FROM findings WHERE check_id IN ('TRP-SEC-001', 'TRP-LOOP-001', 'TRP-LOOP-002')") == [(0,)]
    every_row = " UNION ALL ".join(f"SELECT {columns} FROM {table}" for table, columns in (
        ("runs", "inventory"), ("run_hosts", "message"), ("findings", "title || evidence || remediation"),
        ("actions", "detail"), ("fact_snapshots", "facts")))
    assert not [text for (text,) in rows(url, every_row) if text and SECRET in text]
    if url.startswith("sqlite://"):  # and not in SQLite's other files (the WAL) either
        with sqlite3.connect(url.removeprefix("sqlite://")) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for directory in (tmp_path / "store", tmp_path / "data"):  # nor in any file Tripod wrote
        for path in (p for p in directory.rglob("*") if p.is_file()):
            assert SECRET.encode() not in path.read_bytes(), path


def test_check_mode_records_planned_actions(tmp_path):
    result = run(tmp_path, run_id="run-check", cmdline="--check --limit localhost")
    assert result.status == "successful"
    db = tmp_path / "data" / "evidence.sqlite"
    assert rows(db, "SELECT run_id, check_mode, status, clients FROM runs") == [("run-check", 1, "ok", '["acme"]')]
    assert rows(db, "SELECT host, status FROM run_hosts") == [("localhost", "ok")]
    assert rows(db, "SELECT kind, changed FROM actions") == [("space_reclaimed", 0)]


def test_a_broken_store_never_breaks_the_run(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    result = run(tmp_path, run_id="run-broken", cmdline="--limit localhost",
                 extra_env={"TRIPOD_EVIDENCE_DB": str(blocker / "evidence.sqlite")})
    assert result.status == "successful", "the playbook itself succeeded"
    stdout = result.stdout.read()
    assert "tripod evidence: starting the run failed, evidence recording stopped" in stdout


BAD_EMIT = """
- name: Emit rejects bad entries
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Emit a good finding, a bad finding and a bad action
      tripod.maintenance.emit:
        findings:
          - {area: health, check_id: TRP-DISK-001, title: Disk, severity: low, status: pass}
          - {area: health, check_id: TRP-DISK-2, title: Disk, severity: low, status: pass}
        actions:
          - {area: housekeeping, kind: space_reclaimed, detail: /tmp}
      register: bad
      ignore_errors: true

    - name: The error names the list, the index and the field
      ansible.builtin.assert:
        that:
          - bad is failed
          - bad.problems | length == 2
          - bad.problems[0] is search('^findings\\[1\\]\\.check_id. .TRP-DISK-2. does not match')
          - bad.problems[1] is search('^actions\\[0\\]\\.changed. is required')
          - bad.tripod_findings is not defined

    - name: Emit in check mode fills host, client and time, and changes nothing
      tripod.maintenance.emit:
        findings:
          - {area: health, check_id: TRP-DISK-001, title: Disk, severity: low, status: pass}
      vars:
        tripod_client: acme
      register: good
      check_mode: true

    - name: The result carries the validated finding
      ansible.builtin.assert:
        that:
          - good is not changed
          - good.tripod_actions == []
          - good.tripod_findings[0].host == 'localhost'
          - good.tripod_findings[0].client == 'acme'
          - good.tripod_findings[0].tier is none
          - good.tripod_findings[0].time is match('^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$')
"""


def test_emit_validates_and_names_the_index_and_field(tmp_path):
    result = run(tmp_path, run_id="run-emit", playbook=BAD_EMIT)
    assert result.status == "successful", result.stdout.read()
    db = tmp_path / "data" / "evidence.sqlite"
    assert rows(db, "SELECT check_id FROM findings") == [("TRP-DISK-001",)], "only the valid, passed-on finding"
    assert rows(db, "SELECT host, status, ignored FROM run_hosts") == [("localhost", "ok", 1)]


SERIAL = """
- name: One host at a time
  hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - name: Emit three findings
      tripod.maintenance.emit:
        findings:
          - {area: health, check_id: TRP-DISK-001, title: Disk, severity: low, status: pass}
          - {area: health, check_id: TRP-DISK-002, title: Disk, severity: low, status: pass}
          - {area: health, check_id: TRP-DISK-003, title: Disk, severity: low, status: fail}
    - name: Say where we are
      ansible.builtin.file:
        path: "{{ marker_dir }}/{{ inventory_hostname }}"
        state: touch
        mode: "0644"
    - name: The last host hangs until it is killed
      ansible.builtin.wait_for:
        path: "{{ marker_dir }}/never"
        timeout: 120
      when: inventory_hostname == 'third'
"""


def test_kill_9_of_ansible_playbook_keeps_the_hosts_that_finished(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    (tmp_path / "site.yml").write_text(SERIAL, encoding="utf-8")
    (tmp_path / "hosts.yml").write_text(INVENTORY.replace("    other:\n", "    second:\n    third:\n"), encoding="utf-8")
    (tmp_path / "ansible.cfg").write_text("[defaults]\nretry_files_enabled = False\n", encoding="utf-8")
    db = tmp_path / "evidence.sqlite"
    env = {**os.environ, "ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"), "ANSIBLE_CALLBACKS_ENABLED": CALLBACK,
           "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"), "TRIPOD_EVIDENCE_DB": str(db),
           "TRIPOD_RUN_ID": "run-killed"}
    playbook = subprocess.Popen(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "hosts.yml", "site.yml", "-e",
         f"marker_dir={markers}"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    deadline = time.monotonic() + 120
    while not (markers / "third").exists():
        assert playbook.poll() is None, playbook.stderr.read() if playbook.stderr else "ansible-playbook ended"
        assert time.monotonic() < deadline, "the third host never started"
        time.sleep(0.1)
    os.killpg(playbook.pid, signal.SIGKILL)
    playbook.wait(timeout=30)

    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "SELECT run_id, status, ended_at FROM runs") == [("run-killed", "running", None)]
    assert rows(db, "SELECT host, status FROM run_hosts ORDER BY host") == [("localhost", "changed"), ("second", "changed")]
    assert rows(db, "SELECT host, COUNT(*), SUM(status = 'fail') FROM findings GROUP BY host ORDER BY host") == [
        ("localhost", 3, 1), ("second", 3, 1)]
