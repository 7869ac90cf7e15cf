"""Acceptance, as a new user would do it on a container fleet: seeded problems, `tripod audit`,
then `tripod triage` files exactly one ticket per problem into the configured sink (JSON lines);
audited again, nothing is filed twice; fixed and audited again, the tickets are resolved."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet
from tests.integration.helpers import tripod

pytestmark = pytest.mark.containers

REPO = Path(__file__).resolve().parents[2]
SERVER, WORKSTATION = "tripod-triage-srv", "tripod-triage-ws"
UNIT = "[Unit]\nDescription=Tripod test service\n[Service]\nExecStart=/bin/sleep infinity\n"
SEVERITY_ORDER = ("info", "low", "medium", "high", "critical")


def sh(host: str, script: str) -> None:
    fleet_lib.podman("exec", host, "sh", "-c", script)


def audit_and_triage(inventory: Path, data: Path) -> subprocess.CompletedProcess[str]:
    audit = tripod("audit", "-i", str(inventory), data_dir=data)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    triage = tripod("triage", "-i", str(inventory), data_dir=data)
    assert triage.returncode == 0, triage.stdout + triage.stderr
    return triage


def events(data: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (data / "tickets.jsonl").read_text().splitlines()]


def problems_of_last_audit(data: Path, floors: dict[str, str]) -> set[tuple[str, str]]:
    """(host, check) of every finding of the last run that fails or errored at or above the host's
    alerts.min_severity, counted from the evidence store, not by triage."""
    from tripod.store import EvidenceStore

    with EvidenceStore(data / "evidence.sqlite") as store:
        run = store.list_runs(limit=1)[0]
        return {(f.host, f.check_id) for f in store.run_findings(run.run_id)
                if f.status in ("fail", "error")
                and SEVERITY_ORDER.index(f.severity) >= SEVERITY_ORDER.index(floors[str(f.host)])}


@pytest.fixture(scope="module")
def seeded_fleet(fleet_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("triage-fleet")
    fleet = Fleet(workdir)
    try:
        full = ("--tmpfs", "/mnt/full:rw,size=10m")
        fleet.up(SERVER, release="12", podman_args=full)
        fleet.up(WORKSTATION, release="13", podman_args=full)
        for host in (SERVER, WORKSTATION):
            # A required service that is stopped, and a filesystem 95 % full.
            fleet_lib.podman("exec", "-i", host, "sh", "-c", "cat > /etc/systemd/system/tripod-demo.service",
                             input_text=UNIT)
            sh(host, "systemctl daemon-reload && dd if=/dev/zero of=/mnt/full/blob bs=1024 count=9728 2>/dev/null")
        closed = (datetime.now(timezone.utc) + timedelta(hours=12)).strftime("%H:%M")
        inventory = fleet.inventory(
            groups={SERVER: ["tier_srp_server"], WORKSTATION: ["tier_srp_workstation"]},
            group_vars={"all": {"tripod_client": "triage-acceptance", "tripod_client_policy": {
                "health": {"required_services": ["tripod-demo"]},
                # A window that is not open while the test runs (the workstation tier's default may be).
                "maintenance_window": {"days": [], "start": closed, "duration_minutes": 60},
                "alerts": {"sinks": ["jsonl"]},
            }}})
        yield fleet, inventory, workdir / "data"
    finally:
        fleet.down()


def test_triage_files_one_ticket_per_problem_and_resolves_it_when_fixed(seeded_fleet):
    _, inventory, data = seeded_fleet
    floors = {SERVER: "medium", WORKSTATION: "medium"}  # alerts.min_severity of both tiers

    first = audit_and_triage(inventory, data)
    problems = problems_of_last_audit(data, floors)
    seeded = {(host, check) for host in (SERVER, WORKSTATION) for check in ("TRP-SVC-002", "TRP-DISK-001")}
    assert seeded <= problems, f"the audit found the seeded problems: {sorted(problems)}"
    opened = [e for e in events(data) if e["event"] == "opened"]
    assert sorted((e["host"], e["check_id"]) for e in opened) == sorted(problems), \
        "exactly one ticket per problem, and none for anything else"
    tickets = {(e["host"], e["check_id"]): e for e in opened}
    assert (tickets[(SERVER, "TRP-SVC-002")]["priority"], tickets[(SERVER, "TRP-SVC-002")]["desk_tier"]) == ("P2", 2)
    assert (tickets[(SERVER, "TRP-DISK-001")]["severity"], tickets[(SERVER, "TRP-DISK-001")]["priority"]) == \
        ("critical", "P1")
    assert tickets[(WORKSTATION, "TRP-SVC-002")]["desk_tier"] == 1, "workstations go to Tier 1"
    assert f"opened {len(problems)}" in first.stdout

    again = audit_and_triage(inventory, data)
    assert [e for e in events(data) if e["event"] == "opened"] == opened, "the second audit files nothing twice"
    assert "opened" not in again.stdout.split("\n")[0] and "still open" in again.stdout

    for host in (SERVER, WORKSTATION):
        sh(host, "systemctl start tripod-demo && rm /mnt/full/blob")
    fixed = audit_and_triage(inventory, data)
    resolved = {(e["host"], e["check_id"]): e for e in events(data) if e["event"] == "resolved"}
    assert set(resolved) >= seeded, fixed.stdout
    for key in seeded:
        assert resolved[key]["ticket_id"] == tickets[key]["ticket_id"], "the same ticket is resolved"
        assert resolved[key]["resolution"] == "the check passes again"
    still = problems_of_last_audit(data, floors)
    assert set(resolved) == problems - still, "what was not fixed stays open"

    listing = tripod("triage", "list", "--status", "all", data_dir=data)
    assert listing.returncode == 0 and f"{len(problems)} ticket(s), all" in listing.stdout
