"""`tripod run patch` on three containers, as a new user would run it: one scenario, in order.

Fleet: patch-p1 and patch-p2 (Debian 12) share the reboot group `db`; patch-p3 (Debian 13) is
outside its maintenance window (it opens in 12 hours). All three got the security suite's
package lists, so real security updates are pending. The tests run in file order:

1. `--check` shows the plan and changes nothing;
2. a batch failure (dpkg lock on p1, batches of one, no failure allowed) stops the rollout:
   p2 and p3 are not started and untouched;
3. the real run patches p1 and p2, reboots only p1 (the one that needs it), skips p3;
4. an engineer's override with the dpkg lock held on p3: p3 fails after its retries, the others
   go on; p1 and p2 both need a reboot and, sharing a reboot group, are never down at once,
   as the boot and shutdown times the hosts themselves record show.

That a second run changes nothing is the role's idempotence, tested once, in its molecule
scenario on Debian 12 and 13 (roles/patching/molecule/default).

Every outcome is checked in the evidence store too.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet
from tests.integration.helpers import checksum, tripod

pytestmark = pytest.mark.containers

P1, P2, P3 = "tripod-patch-p1", "tripod-patch-p2", "tripod-patch-p3"
HOSTS = (P1, P2, P3)
BOOT_LOG = "/var/tmp/tripod-boots.log"
# Written by the host itself: "up <time>" before sshd starts, "down <time>" after sshd stopped.
BOOT_UNIT = """[Unit]
Description=Record boot and shutdown times (Tripod patch test)
Before=ssh.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo up $(date +%%s.%%N) >> /var/tmp/tripod-boots.log'
ExecStop=/bin/sh -c 'echo down $(date +%%s.%%N) >> /var/tmp/tripod-boots.log'

[Install]
WantedBy=multi-user.target
"""
# apt takes fcntl locks; flock(1) takes a BSD lock that apt never sees, so hold a real one.
LOCK_HOLDER = ("import fcntl, os, time\n"
               "f = open('/var/lib/dpkg/lock-frontend', 'w')\n"
               "fcntl.lockf(f, fcntl.LOCK_EX)\n"
               "open('/run/tripod-lock.pid', 'w').write(str(os.getpid()))\n"
               "time.sleep(900)\n")


class Scenario:
    def __init__(self, fleet: Fleet, inventory: Path, data: Path, policy: dict) -> None:
        self.fleet, self.inventory, self.data, self.policy = fleet, inventory, data, policy

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return tripod("run", "patch", "-i", str(self.inventory), *args, data_dir=self.data)


def exec_(name: str, *command: str, check: bool = True) -> str:
    return fleet_lib.podman("exec", name, *command, check=check).stdout.strip()


@pytest.fixture(scope="module")
def scenario(fleet_images, tmp_path_factory):
    fleet = Fleet(tmp_path_factory.mktemp("patch-fleet"))
    try:
        fleet.up(P1, P2, release="12")
        fleet.up(P3, release="13")
        for name in HOSTS:
            exec_(name, "apt-get", "update", "-qq")
        for name in (P1, P2):
            fleet_lib.podman("exec", "-i", name, "sh", "-c", "cat > /etc/systemd/system/tripod-boots.service",
                             input_text=BOOT_UNIT)
            exec_(name, "systemctl", "enable", "--now", "--quiet", "tripod-boots.service")
        opens = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
        policy = {"patch": {"schedule": {"kind": "daily"}, "batch_size": "100%", "max_fail_percentage": 50,
                            "retries": 1},
                  "maintenance_window": {"days": [], "start": "00:00", "duration_minutes": 1440}}
        inventory = fleet.inventory(
            groups={P1: ["tier_srp_server", "patch_db"], P2: ["tier_srp_server", "patch_db"],
                    P3: ["tier_srp_server", "patch_closed"]},
            group_vars={
                "all": {"tripod_client": "fleet-patch", "tripod_client_policy": policy,
                        "patching_boot_time_command": "stat -c %Z /proc/1",
                        "patching_retry_delay": 1, "patching_lock_timeout": 2},
                "patch_db": {"tripod_group_policy": {"patch": {"reboot_group": "db"}}},
                "patch_closed": {"tripod_group_policy": {"maintenance_window": {
                    "days": [], "start": opens, "duration_minutes": 60}}},
            },
        )
        yield Scenario(fleet, inventory, tmp_path_factory.mktemp("patch-data"), policy)
    finally:
        fleet.down()


def tables(stdout: str) -> dict[str, dict[str, list[str]]]:
    """Rich tables by title: 'run' (the generic per-host table) and 'patch' (the patch summary)."""
    found: dict[str, dict[str, list[str]]] = {"run": {}, "patch": {}}
    current = None
    for line in stdout.splitlines():
        if line.startswith("Run "):
            current = "run"
        elif line.startswith("Patch summary"):
            current = "patch"
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if current and cells and cells[0] in HOSTS:
            found[current][cells[0]] = cells
    return found


def outcomes(stdout: str) -> dict[str, str]:
    return {host: cells[1] for host, cells in tables(stdout)["patch"].items()}


def latest_run(data: Path):
    from tripod.store import EvidenceStore

    store = EvidenceStore(data / "evidence.sqlite")
    return store, store.list_runs(limit=1)[0]


def recorded_outcomes(data: Path) -> dict[str, tuple[str, str]]:
    store, run = latest_run(data)
    with store:
        return {f.host: (f.status, f.evidence) for f in store.run_findings(run.run_id) if f.check_id == "TRP-PATCH-004"}


def recorded_actions(data: Path, kind_prefix: str = "") -> dict[str, list]:
    store, run = latest_run(data)
    with store:
        actions: dict[str, list] = {}
        for action in store.run_actions(run.run_id):
            if action.kind.startswith(kind_prefix):
                actions.setdefault(action.host, []).append(action)
        return actions


def boot_time(name: str) -> str:
    return exec_(name, "stat", "-c", "%Z", "/proc/1")


def hold_dpkg_lock(name: str) -> None:
    fleet_lib.podman("exec", "-d", name, "python3", "-c", LOCK_HOLDER)
    for _ in range(100):  # readiness: the holder wrote its pid once it holds the lock
        if exec_(name, "cat", "/run/tripod-lock.pid", check=False):
            return
        time.sleep(0.1)
    raise AssertionError(f"{name}: the lock holder did not start")


def release_dpkg_lock(name: str) -> None:
    exec_(name, "sh", "-c", "kill $(cat /run/tripod-lock.pid) && rm /run/tripod-lock.pid")


def pending_upgrades(name: str) -> list[str]:
    out = exec_(name, "sh", "-c", "apt list --upgradable 2>/dev/null")
    return [line.split("/")[0] for line in out.splitlines()[1:]]


def test_check_shows_the_plan_and_changes_nothing(scenario):
    before = {name: (checksum(name), boot_time(name)) for name in HOSTS}
    exec_(P1, "touch", "/var/run/reboot-required")
    result = scenario.run("--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dry run (check mode)" in result.stdout
    # p3 is outside its window: the dry run says what its next window would install.
    assert outcomes(result.stdout) == {P1: "planned", P2: "planned", P3: "planned"}
    assert tables(result.stdout)["patch"][P1][3] == "planned", "the reboot p1 needs is in the plan"
    assert {name: (checksum(name), boot_time(name)) for name in HOSTS} == before
    planned = recorded_actions(scenario.data, "package_")
    assert len(planned[P1]) == len(pending_upgrades(P1)) > 5
    assert len(planned.get(P3, [])) == len(pending_upgrades(P3))
    assert not any(a.changed for actions in planned.values() for a in actions)


def test_a_batch_failure_stops_the_rollout_and_leaves_the_other_hosts_untouched(scenario):
    untouched = {name: checksum(name) for name in (P2, P3)}
    strict = json.dumps({"tripod_client_policy": {**scenario.policy, "patch": {
        **scenario.policy["patch"], "batch_size": 1, "max_fail_percentage": 0}}})
    hold_dpkg_lock(P1)
    try:
        result = scenario.run("-e", strict)
    finally:
        release_dpkg_lock(P1)
    assert result.returncode == 1, result.stdout + result.stderr
    assert outcomes(result.stdout) == {P1: "failed", P2: "not started", P3: "not started"}
    assert {name: checksum(name) for name in (P2, P3)} == untouched
    recorded = recorded_outcomes(scenario.data)
    assert set(recorded) == {P1}, "the rollout stopped before p2's and p3's batches"
    status, evidence = recorded[P1]
    assert status == "error"
    # apt names the holder while it waits for the lock; on a last attempt that does not wait it
    # may only say the lock is taken, so the holder is optional here.
    assert re.match(r"failed: package database locked by another process( \(process \d+, python3\))? after 2 "
                    r"attempt\(s\); nothing was installed", evidence), evidence
    assert len(pending_upgrades(P1)) > 5, "nothing was installed on p1"


def test_patches_in_window_hosts_reboots_only_where_required_and_skips_the_other(scenario):
    boots = {name: boot_time(name) for name in HOSTS}
    p3_before = checksum(P3)
    assert exec_(P1, "ls", "/var/run/reboot-required"), "p1 still needs its reboot"
    pending = {name: pending_upgrades(name) for name in (P1, P2)}
    result = scenario.run()
    assert result.returncode == 0, result.stdout + result.stderr
    summary = tables(result.stdout)["patch"]
    assert outcomes(result.stdout) == {P1: "patched", P2: "patched", P3: "skipped (window)"}
    assert (summary[P1][3], summary[P2][3]) == ("rebooted", "-")
    assert boot_time(P1) != boots[P1] and boot_time(P2) == boots[P2] and boot_time(P3) == boots[P3]
    assert checksum(P3) == p3_before

    updated = recorded_actions(scenario.data, "package_updated")
    for name in (P1, P2):
        assert pending_upgrades(name) == [], "every security update is installed"
        assert sorted(a.detail.split()[0] for a in updated[name]) == sorted(pending[name])
        for action in updated[name]:
            package, _before, _arrow, after, origin = action.detail.split()
            assert exec_(name, "dpkg-query", "--show", "--showformat=${Version}", package) == after
            assert origin == "(bookworm-security/main)" and action.changed
    recorded = recorded_outcomes(scenario.data)
    assert recorded[P3][0] == "not_assessed"
    assert recorded[P3][1].startswith("skipped (window): outside maintenance window (every day ")
    assert "nothing was changed" in recorded[P3][1]
    assert "rebooted, back after" in recorded[P1][1] and "reboot" not in recorded[P2][1]


def test_override_lock_and_one_reboot_group_member_down_at_a_time(scenario):
    for name in (P1, P2):
        exec_(name, "sh", "-c", f": > {BOOT_LOG} && touch /var/run/reboot-required")
    hold_dpkg_lock(P3)
    try:
        result = scenario.run("-e", "patching_window_override=true", "-e", "patching_window_override_reason='CHG-42 test'")
    finally:
        release_dpkg_lock(P3)
    assert result.returncode == 1, result.stdout + result.stderr
    assert outcomes(result.stdout) == {P3: "failed", P1: "patched", P2: "patched"}, "the others go on"
    summary = tables(result.stdout)["patch"]
    assert (summary[P1][3], summary[P2][3]) == ("rebooted", "rebooted")
    overrides = recorded_actions(scenario.data, "window_override")
    assert list(overrides) == [P3] and "reason: CHG-42 test" in overrides[P3][0].detail
    assert "package database locked" in recorded_outcomes(scenario.data)[P3][1]

    downtime = {}
    for name in (P1, P2):
        log = dict(line.split() for line in exec_(name, "cat", BOOT_LOG).splitlines())
        assert set(log) == {"down", "up"}, f"{name} rebooted once: {log}"
        downtime[name] = (float(log["down"]), float(log["up"]))
    (down1, up1), (down2, up2) = downtime[P1], downtime[P2]
    assert up1 < down2 or up2 < down1, f"p1 and p2 were down at the same time: {downtime}"
