"""Acceptance, as a new user would try it on a container fleet: `tripod run health` reports the
seeded problems with the right severities; `tripod run housekeeping` reports what it would
reclaim in a dry run, waits for the maintenance window, then reclaims the space and says how much.

One Debian 12 container over SSH (the molecule scenarios of both roles cover Debian 12 and 13),
seeded with: a nearly full filesystem (an 8 MiB tmpfs at 95 %), a required service that is
stopped, a certificate expiring in 5 days, a 200 MB temp file older than the policy's age, and a
file outside the configured paths reached through a symlink from /tmp.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet
from tests.integration.helpers import tripod
from tripod.store import EvidenceStore

pytestmark = pytest.mark.containers

HOST = "tripod-accept-health-hk"
MIB = 1024 * 1024
SEED = """set -eu
fallocate -l 7800K /mnt/full/fill.bin
printf '[Unit]\\nDescription=Tripod seeded service\\n[Service]\\nExecStart=/bin/sleep infinity\\n' \
  > /etc/systemd/system/tripod-seeded.service
systemctl daemon-reload
mkdir -p /etc/ssl/tripod-seeded
openssl req -x509 -newkey rsa:2048 -nodes -days 5 -subj /CN=expiring.example \
  -keyout /etc/ssl/tripod-seeded/expiring.key -out /etc/ssl/tripod-seeded/expiring.pem 2>/dev/null
fallocate -l 200M /tmp/tripod-old.bin && touch -d '40 days ago' /tmp/tripod-old.bin
mkdir -p /srv/tripod-outside && fallocate -l 5M /srv/tripod-outside/old.bin
touch -d '40 days ago' /srv/tripod-outside/old.bin
ln -s /srv/tripod-outside/old.bin /tmp/tripod-link && touch -h -d '40 days ago' /tmp/tripod-link
"""


def closed_window() -> dict:
    """A daily one-hour window that opens twelve hours from now: closed while the test runs."""
    opens = datetime.now(timezone.utc) + timedelta(hours=12)
    return {"timezone": "UTC", "days": [], "start": opens.strftime("%H:%M"), "duration_minutes": 60}


@pytest.fixture(scope="module")
def inventory(fleet_images, tmp_path_factory) -> Path:
    fleet = Fleet(tmp_path_factory.mktemp("health-housekeeping"))
    try:
        fleet.up(HOST, release="12", podman_args=("--tmpfs", "/mnt/full:rw,size=8m"))
        fleet_lib.podman("exec", HOST, "bash", "-c", SEED)
        yield fleet.inventory(
            groups={HOST: ["tier_srp_server"]},
            group_vars={"all": {"tripod_client": "acceptance"},
                        "tier_srp_server": {"tripod_group_policy": {
                            "health": {"required_services": ["ssh", "tripod-seeded"],
                                       "certificate_paths": ["/etc/ssl/tripod-seeded"]},
                            "maintenance_window": closed_window()}}},
        )
    finally:
        fleet.down()


def exists(path: str) -> bool:
    return fleet_lib.podman("exec", HOST, "test", "-e", path, check=False).returncode == 0


def test_health_reports_the_seeded_problems_with_their_severities(inventory, tmp_path):
    result = tripod("run", "health", "-i", str(inventory), data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        (run,) = store.list_runs()
        findings = {f.check_id: f for f in store.run_findings(run.run_id) if f.host == HOST}
    seeded = {check_id: (findings[check_id].status, findings[check_id].severity)
              for check_id in ("TRP-DISK-001", "TRP-SVC-002", "TRP-CERT-001")}
    assert seeded == {"TRP-DISK-001": ("fail", "critical"), "TRP-SVC-002": ("fail", "high"),
                      "TRP-CERT-001": ("fail", "high")}
    assert "/mnt/full 9" in findings["TRP-DISK-001"].evidence
    assert "tripod-seeded (inactive)" in findings["TRP-SVC-002"].evidence
    assert findings["TRP-EOL-001"].status == "pass" and findings["TRP-REBOOT-001"].status == "pass"
    # ...and the user sees them, most severe first, after the run.
    lines = result.stdout.splitlines()
    assert any(line.strip().startswith("Health: ") and line.strip().endswith("failing check(s)") for line in lines), \
        result.stdout
    critical = next(i for i, line in enumerate(lines) if "TRP-DISK-001" in line)
    high = next(i for i, line in enumerate(lines) if "TRP-SVC-002" in line)
    assert critical < high and "critical" in lines[critical]


def test_housekeeping_dry_run_then_the_window_then_the_real_run(inventory, tmp_path):
    # A dry run works outside the window, deletes nothing, and says what it would reclaim.
    dry = tripod("run", "housekeeping", "-i", str(inventory), "--check", data_dir=tmp_path)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert exists("/tmp/tripod-old.bin")
    assert "would be reclaimed (dry run)" in dry.stdout

    # The real run waits for the maintenance window...
    refused = tripod("run", "housekeeping", "-i", str(inventory), data_dir=tmp_path)
    assert refused.returncode == 1
    assert "outside its maintenance window" in refused.stdout
    assert exists("/tmp/tripod-old.bin")

    # ...unless an engineer overrides it (logged); then the space is reclaimed and reported.
    real = tripod("run", "housekeeping", "-i", str(inventory), "-e", "preflight_window_override=true",
                  data_dir=tmp_path)
    assert real.returncode == 0, real.stdout + real.stderr
    assert not exists("/tmp/tripod-old.bin")
    assert exists("/tmp/tripod-link") and exists("/srv/tripod-outside/old.bin")

    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        runs = sorted(store.list_runs(), key=lambda r: r.started_at)
        month = runs[0].started_at[:7]
        actions = [a for a in store.actions("acceptance", month) if "under /tmp" in a.detail]
    by_run = {run.run_id: [a for a in actions if a.run_id == run.run_id] for run in runs}
    planned, none, done = (by_run[run.run_id] for run in runs)
    assert none == [], "the refused run reclaimed nothing"
    for (action,), changed in ((planned, False), (done, True)):
        assert action.kind == "space_reclaimed" and action.changed is changed
        assert action.bytes >= 200 * MIB
        assert action.detail == "old files: 1 file(s) older than 10 day(s) under /tmp"
    assert "Housekeeping: 200.0 MiB reclaimed" in [line.strip() for line in real.stdout.splitlines()], real.stdout
