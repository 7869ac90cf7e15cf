"""`tripod run` and `tripod audit` against three containers over real SSH, one of them stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet
from tests.integration.helpers import checksum, tripod

pytestmark = pytest.mark.containers

REPO = Path(__file__).resolve().parents[2]
HOSTS = ("tripod-run-a", "tripod-run-b", "tripod-run-c")


@pytest.fixture(scope="module")
def three_hosts(fleet_images, tmp_path_factory):
    fleet = Fleet(tmp_path_factory.mktemp("run-fleet"))
    try:
        fleet.up(HOSTS[0], HOSTS[1], release="12")
        fleet.up(HOSTS[2], release="13")
        inventory = fleet.inventory(
            groups={HOSTS[0]: ["tier_srp_server"], HOSTS[1]: ["tier_srp_workstation"], HOSTS[2]: ["tier_srp_server"]},
            group_vars={"all": {"tripod_client": "fleet-test"}},
        )
        fleet_lib.podman("stop", "--time", "0", HOSTS[1])
        yield fleet, inventory
    finally:
        fleet.down()


def rows(stdout: str) -> dict[str, list[str]]:
    table = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] in HOSTS:
            table[cells[0]] = cells
    return table


def test_run_reports_the_stopped_host_as_unreachable_and_exits_1(three_hosts, tmp_path):
    _, inventory = three_hosts
    result = tripod("run", "preflight", "-i", str(inventory), data_dir=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "preflight.yml on 3 host(s), live run" in result.stdout
    assert f"UNREACHABLE {HOSTS[1]}" in result.stdout, "reported as it happens"
    table = rows(result.stdout)
    assert table[HOSTS[0]][1] == "ok" and table[HOSTS[2]][1] == "ok"
    assert table[HOSTS[1]][1] == "unreachable"
    assert table[HOSTS[1]][5] == "1", "the unreachable column counts it"
    assert "could not be sent to remote host" in table[HOSTS[1]][7]
    live = next(line for line in result.stdout.splitlines() if line.startswith(f"UNREACHABLE {HOSTS[1]}"))
    assert "Connection refused" in live, "the live line says why"


def test_audit_changes_nothing_records_evidence_and_goes_on_past_the_stopped_host(three_hosts, tmp_path):
    from tripod.store import EvidenceStore

    _, inventory = three_hosts
    before = {name: checksum(name) for name in (HOSTS[0], HOSTS[2])}
    result = tripod("audit", "-i", str(inventory), data_dir=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    after = {name: checksum(name) for name in (HOSTS[0], HOSTS[2])}
    assert before == after, "the audit changed files in /etc, /usr or /var/lib/dpkg"

    table = rows(result.stdout)
    assert table[HOSTS[1]][1] == "unreachable"
    for name in (HOSTS[0], HOSTS[2]):
        assert table[name][1] == "ok"
        assert table[name][2].endswith("%")
        assert table[name][8].isdigit(), "days to end of life from the shipped table"
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        (run,) = store.list_runs()
        statuses = {h.host: h.status for h in store.run_hosts(run.run_id)}
        assert statuses == {HOSTS[0]: "ok", HOSTS[1]: "unreachable", HOSTS[2]: "ok"}
        facts = {snapshot.host: snapshot.facts for snapshot in store.run_facts(run.run_id)}
        assert set(facts) == {HOSTS[0], HOSTS[2]}
        assert facts[HOSTS[0]]["identity"]["distribution_version"] == "12"
        assert facts[HOSTS[2]]["identity"]["distribution_version"] == "13"
        findings = list(store.run_findings(run.run_id))
        assert {f.host for f in findings} == {HOSTS[0], HOSTS[2]}
        assert {f.tier for f in findings if f.host == HOSTS[0]} == {"tier_srp_server"}
