"""The evidence callback writes to the PostgreSQL store that TRIPOD_EVIDENCE_URL names, run the way AWX
runs a job: ansible-runner with a private data dir (project/, inventory/, env through envvars), no
ansible.cfg enabling anything but the callback. The same playbook run into SQLite is the reference:
both stores must hold the same rows. No containers needed (local connection)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import ansible_runner

from tests.postgres import postgres_server, postgres_url
from tripod.store import EvidenceStore

__all__ = ["postgres_server", "postgres_url"]

REPO = Path(__file__).resolve().parents[2]

INVENTORY = f"""
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: {sys.executable}
    tripod_client: acme
  hosts:
    pg-web1:
    pg-web2:
"""

PLAYBOOK = """
- name: Evidence into the store the URL names
  hosts: all
  gather_facts: false
  tasks:
    - name: Compliance facts (stand-in)
      ansible.builtin.set_fact:
        tripod_tier: tier_srp_server
        tripod_compliance: {schema_version: 1, collected_at: "2026-11-27T23:05:00Z", os_family: linux}

    - name: Emit findings and an action
      tripod.maintenance.emit:
        findings:
          - {area: hardening, check_id: TRP-SSH-001, title: Root login off, severity: high, status: pass}
          - area: health
            check_id: TRP-DISK-001
            title: Root filesystem below warning
            severity: medium
            status: "{{ 'fail' if inventory_hostname == 'pg-web2' else 'pass' }}"
        actions:
          - {area: housekeeping, kind: space_reclaimed, detail: /var/tmp, bytes: 512, changed: true}
"""


def run(tmp_path: Path, url: str) -> Any:
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "inventory").mkdir()
    (private / "project" / "site.yml").write_text(PLAYBOOK, encoding="utf-8")
    (private / "inventory" / "hosts.yml").write_text(INVENTORY, encoding="utf-8")
    envvars = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_CALLBACKS_ENABLED": "tripod.maintenance.evidence",
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"),
        "TRIPOD_DATA_DIR": str(tmp_path / "data"),
        "TRIPOD_EVIDENCE_URL": url,
        "TRIPOD_RUN_ID": "run-awx-1",
    }
    return ansible_runner.run(private_data_dir=str(private), playbook="site.yml", envvars=envvars, quiet=True,
                              rotate_artifacts=1, timeout=300)


def stored(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with EvidenceStore(url) as store:
        run = store.get_run("run-awx-1")
        hosts = [(h.host, h.client, h.status) for h in store.run_hosts("run-awx-1")]
        findings = [(f.host, f.check_id, f.status) for f in store.run_findings("run-awx-1")]
        actions = [(a.host, a.kind, a.bytes) for a in store.run_actions("run-awx-1")]
        facts = [(s.host, s.facts["os_family"]) for s in store.run_facts("run-awx-1")]
    assert run is not None
    return {"run": [(run.status, tuple(run.clients))], "hosts": hosts, "findings": findings, "actions": actions,
            "facts": facts}


def test_the_callback_records_into_postgresql_as_into_sqlite(tmp_path, postgres_url):
    sqlite_url = f"sqlite://{tmp_path / 'ref' / 'evidence.sqlite'}"
    assert run(tmp_path / "ref", sqlite_url).status == "successful"
    assert run(tmp_path / "pg", postgres_url).status == "successful"
    assert not (tmp_path / "pg" / "data" / "evidence.sqlite").exists(), "nothing went to the SQLite default"
    on_postgres = stored(postgres_url)
    assert on_postgres["findings"] == [("pg-web1", "TRP-DISK-001", "pass"), ("pg-web1", "TRP-SSH-001", "pass"),
                                       ("pg-web2", "TRP-DISK-001", "fail"), ("pg-web2", "TRP-SSH-001", "pass")]
    assert on_postgres["run"] == [("ok", ("acme",))]
    assert on_postgres == stored(sqlite_url)
