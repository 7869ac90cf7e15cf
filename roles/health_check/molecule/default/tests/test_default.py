"""Testinfra checks of the health_check scenario: the seeded problems were found, with the right
severities, in every recorded run, and the health check changed nothing on the host."""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

from tripod.store import EvidenceStore

EXPECTED = {  # check id: (severity, text in the evidence)
    "TRP-DISK-001": ("critical", "/mnt/full"),
    "TRP-SVC-002": ("high", "tripod-seeded"),
    "TRP-CERT-001": ("high", "/etc/ssl/tripod-seeded/expiring.pem"),
}


@pytest.fixture(scope="module")
def recorded():
    """{host: [(playbook file name, check mode, {check_id: finding})]} of the recorded runs, oldest first."""
    assert os.environ.get("TRIPOD_DATA_DIR"), "molecule.yml sets TRIPOD_DATA_DIR for the evidence store"
    runs: dict[str, list] = defaultdict(list)
    with EvidenceStore() as store:
        for run in sorted(store.list_runs(client="molecule", limit=None), key=lambda r: r.started_at):
            by_host: dict[str, dict] = defaultdict(dict)
            for finding in store.run_findings(run.run_id):
                by_host[finding.host][finding.check_id] = finding
            for name, checks in by_host.items():
                runs[name].append((os.path.basename(run.playbook or ""), run.check_mode, checks))
    return runs


def test_seeded_problems_have_the_right_severities(host, recorded):
    converge_runs = [(check, checks) for playbook, check, checks in recorded[host.backend.get_hostname()]
                     if playbook == "converge.yml"]
    # molecule's check, converge and idempotence steps
    assert [check for check, _checks in converge_runs] == [True, False, False]
    for _check, checks in converge_runs:
        for check_id, (severity, text) in EXPECTED.items():
            finding = checks[check_id]
            assert (finding.area, finding.status, finding.severity) == ("health", "fail", severity), finding
            assert text in finding.evidence


def test_a_one_run_override_changes_the_severity(host, recorded):
    verify_runs = [checks for playbook, _check, checks in recorded[host.backend.get_hostname()]
                   if playbook == "verify.yml" and "TRP-DISK-001" in checks]
    assert verify_runs, "verify.yml evaluated the checks again with health_check_thresholds"
    disk = verify_runs[-1]["TRP-DISK-001"]
    assert (disk.status, disk.severity) == ("fail", "medium")


def test_every_health_check_reports_once_per_run(host, recorded):
    for _playbook, _check, checks in recorded[host.backend.get_hostname()]:
        assert {c for c, f in checks.items() if f.area == "health"} == {
            "TRP-DISK-001", "TRP-DISK-002", "TRP-MEM-001", "TRP-LOAD-001", "TRP-SVC-001", "TRP-SVC-002",
            "TRP-TIME-001", "TRP-CERT-001", "TRP-BACKUP-001", "TRP-REBOOT-001", "TRP-UPTIME-001", "TRP-EOL-001"}
        assert checks["TRP-BACKUP-001"].status == "not_applicable"  # the policy lists no backup markers
        assert checks["TRP-REBOOT-001"].status == "pass"


def test_the_health_check_changed_nothing(host):
    assert host.file("/mnt/full/fill.bin").exists
    assert host.file("/etc/ssl/tripod-seeded/expiring.pem").exists
    assert not host.service("tripod-seeded").is_running
    assert host.service("ssh").is_running
