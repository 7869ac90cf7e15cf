"""A real network OS end to end: FRRouting (Debian's `frr`) in a fleet container, reached over SSH
by ansible.netcommon.network_cli into vtysh (the collection's frr cliconf and terminal plugins),
through `tripod run network`: backup, idempotence, drift after a real configuration change, the
checks, the secret masked everywhere, and the Network section of the report.

Ground truth comes from the device itself (`vtysh -c "show running-config"` and dpkg run in the
container by the test), never from Tripod's output."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet
from tests.integration.helpers import tripod

pytestmark = pytest.mark.containers

NAME = "tripod-net-frr1"
CLIENT = "net-test"
USER = "netops"
SECRET = "Frr-S3cret-4242"


def device(*command: str) -> str:
    return fleet_lib.podman("exec", NAME, *command).stdout


def running_config() -> list[str]:
    """The device's configuration lines, read by the test over podman (not over Tripod's SSH path)."""
    text = device("vtysh", "-c", "show running-config")
    return [line for line in text.splitlines()
            if line.strip() and not line.startswith(("Building configuration", "Current configuration"))]


@pytest.fixture(scope="module")
def router(fleet_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One FRR router for the module: frr installed and running, a user whose login shell is vtysh."""
    work = tmp_path_factory.mktemp("network")
    own = Fleet(work)
    try:
        # zebra needs these capabilities; without them it never starts and watchfrr restarts the other
        # daemons every few minutes, which drops their unsaved configuration (a change made by the test).
        node = own.up(NAME, release="12", podman_args=("--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN"))[0]
        script = (
            "set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null; "
            "apt-get install -y -qq --no-install-recommends frr >/dev/null; systemctl is-active --quiet frr; "
            f"useradd -m -s /usr/bin/vtysh -G frrvty,frr {USER}; install -d -m 700 -o {USER} -g {USER} /home/{USER}/.ssh; "
            f"cat > /home/{USER}/.ssh/authorized_keys; chown {USER}: /home/{USER}/.ssh/authorized_keys"
        )
        key = fleet_lib.ssh_key()
        fleet_lib.podman("exec", "--interactive", NAME, "sh", "-c", script,
                         input_text=key.with_suffix(".pub").read_text())
        # Wait until every FRR daemon answers vtysh: right after start, one may not yet, and the
        # configuration shown is then partial. Ready: complete, and the same twice in a row.
        deadline, seen = time.monotonic() + 90, ""
        while time.monotonic() < deadline:
            shown = device("vtysh", "-c", "show running-config")
            running = device("vtysh", "-c", "show daemons")
            if "failed!" not in shown and "frr version" in shown and shown == seen and "zebra" in running:
                break
            seen = shown
            time.sleep(2)
        inventory = work / "hosts.yml"
        inventory.write_text(yaml.safe_dump({"all": {"vars": {"tripod_client": CLIENT}, "children": {
            "tier_network": {"hosts": {NAME: None}},
            "network_devices": {"hosts": {NAME: {
                "ansible_host": "127.0.0.1", "ansible_port": node.ssh_port, "ansible_user": USER,
                "ansible_connection": "ansible.netcommon.network_cli",
                "ansible_network_os": "tripod.maintenance.frr",
                "ansible_ssh_private_key_file": str(key), "ansible_host_key_checking": False,
            }}}}}}))
        yield {"inventory": inventory, "data": work / "data", "out": work / "reports"}
    finally:
        own.down()


def run_network(router: dict[str, Any], *options: str) -> str:
    result = tripod("run", "network", "-i", str(router["inventory"]), *options, data_dir=router["data"])
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def changed(output: str) -> int:
    """The host's `changed` count in the run summary `tripod run` prints."""
    match = re.search(rf"│ {NAME}\s*│\s*\w+\s*│\s*\d+\s*│\s*(\d+)\s*│", output)
    assert match, output
    return int(match.group(1))


def latest(router: dict[str, Any], check_id: str) -> tuple[str, str]:
    with sqlite3.connect(router["data"] / "evidence.sqlite") as conn:
        row = conn.execute("SELECT status, evidence FROM findings WHERE host = ? AND client = ? AND check_id = ? "
                           "ORDER BY id DESC LIMIT 1", (NAME, CLIENT, check_id)).fetchone()
    assert row, f"no {check_id} finding"
    return row[0], row[1]


def backups(router: dict[str, Any]) -> list[Path]:
    return sorted((router["data"] / "network" / CLIENT / NAME).glob("*.cfg"))


def test_frr_backup_idempotence_drift_checks_and_report(router: dict[str, Any]) -> None:
    # 1. First run: the running configuration is kept as a plain file, its hash in the store.
    output = run_network(router)
    assert changed(output) == 1, latest(router, "TRP-NET-001")
    [first] = backups(router)
    kept = [line for line in first.read_text().splitlines() if line.strip()]
    assert kept == running_config()
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert latest(router, "TRP-NET-001") == ("pass", f"network/{CLIENT}/{NAME}/{first.name} sha256:{digest}")
    assert latest(router, "TRP-NET-002")[0] == "not_assessed", "nothing to compare with yet"
    version = device("dpkg-query", "-W", "-f", "${Version}", "frr")
    upstream = re.match(r"(?:\d+:)?(\d+\.\d+\.\d+)", version).group(1)
    status, evidence = latest(router, "TRP-NET-020")
    assert status == "pass" and evidence.startswith(f"frr {upstream}: supported until")
    assert latest(router, "TRP-NET-015")[0] == "pass", "no password configured yet"

    # 2. Second run, nothing changed on the device: nothing changed by Tripod either.
    output = run_network(router)
    assert changed(output) == 0
    assert backups(router) == [first]
    assert latest(router, "TRP-NET-002") == ("pass", f"identical to {first.name}")

    # 3. A real configuration change on the device, with a secret in it.
    device("vtysh", "-c", "configure terminal", "-c", f"password {SECRET}", "-c", "end")
    assert f"password {SECRET}" in running_config()
    # A dry run sees the drift and writes no backup.
    run_network(router, "--check")
    assert backups(router) == [first]
    assert latest(router, "TRP-NET-002")[0] == "fail"
    output = run_network(router)
    assert changed(output) == 1
    old, new = backups(router)
    assert old == first
    added = sorted(set(new.read_text().splitlines()) - set(old.read_text().splitlines()))
    assert added == ["password <masked>"]
    status, evidence = latest(router, "TRP-NET-002")
    assert status == "fail" and evidence.startswith(f"changed since {first.name}") and "password <masked>" in evidence
    assert latest(router, "TRP-NET-015")[0] == "fail", "a clear-text password, no password encryption"
    # The secret reached no file Tripod wrote, no evidence, no output.
    assert SECRET not in output
    for path in router["data"].rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path

    # 4. The Network section of the report, from the store.
    result = tripod("report", "--network", "--client", CLIENT, "--out", str(router["out"]), data_dir=router["data"])
    assert result.returncode == 0, result.stdout + result.stderr
    [table] = router["out"].glob(f"network-{CLIENT}-*.csv")
    [row] = list(csv.DictReader(table.open()))
    assert (row["host"], row["backup_state"], row["drift"], row["firmware"]) == (NAME, "current", "changed", "supported")
    assert row["failing_checks"].split() == ["TRP-NET-015"]
    html = next(router["out"].glob(f"network-{CLIENT}-*.html")).read_text()
    assert NAME in html and "TRP-NET-015" in html and SECRET not in html

    # 5. The device in the lifecycle plan: its firmware, from the store, and when its support ends.
    result = tripod("report", "--roadmap", "--client", CLIENT, "-i", str(router["inventory"]), "--format", "json",
                    "--out", str(router["out"]), data_dir=router["data"])
    assert result.returncode == 0, result.stdout + result.stderr
    plan = json.loads(next(router["out"].glob(f"roadmap-{CLIENT}-*.json")).read_text())
    [asset] = plan["assets"]
    assert (asset["host"], asset["kind"], asset["os"]) == (NAME, "network device", f"frr {upstream}")
    end = re.search(r"supported until (\d{4}-\d{2}-\d{2})", latest(router, "TRP-NET-020")[1]).group(1)
    assert [(i["action"], i["reason"]) for i in plan["items"]] == [
        ("upgrade firmware", f"frr {upstream} reaches end of life {end}")]
