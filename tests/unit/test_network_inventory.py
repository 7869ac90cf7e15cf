"""`tripod validate` and network devices: the rules of docs/network.md, one line each, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tripod.cli import main
from tripod.policy.resolve import resolve_host
from tripod.triage.routing import route

EXAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "example"
SWITCH = "acme-core-sw1.acme.example"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example"))


def edit_hosts(example: Path, change) -> None:
    path = example / "hosts.yml"
    data = yaml.safe_load(path.read_text())
    change(data["all"]["children"])
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def problems(capsys, example: Path) -> list[str]:
    assert main(["validate", "-i", str(example)]) == 2
    captured = capsys.readouterr()
    return [line for line in (captured.out + captured.err).splitlines() if f"host {SWITCH}:" in line]


def test_the_example_switch_is_valid_and_validate_says_only_the_network_area_runs(capsys):
    assert main(["validate", "-i", str(EXAMPLE)]) == 0
    captured = capsys.readouterr()
    assert "1 in tier_network" in captured.out
    assert f"1 network device(s) ({SWITCH}): only playbooks/network.yml runs on them" in captured.out + captured.err


def test_a_device_without_its_network_os(example, capsys):
    edit_hosts(example, lambda groups: groups["network_devices"]["hosts"].update({SWITCH: None}))
    found = problems(capsys, example)
    assert len(found) == 1 and f"{example}/hosts.yml" in found[0]
    assert "ansible_network_os: must be set for a host of network_devices; one of: cisco.ios.ios" in found[0]


def test_an_unknown_network_os(example, capsys):
    edit_hosts(example, lambda groups: groups["network_devices"]["hosts"].update({SWITCH: {"ansible_network_os": "acme.os"}}))
    assert problems(capsys, example)[0].endswith("'acme.os' is not a supported network platform; one of: cisco.ios.ios, "
                                                 "arista.eos.eos, junipernetworks.junos.junos, vyos.vyos.vyos, "
                                                 "fortinet.fortios.fortios, community.routeros.routeros, "
                                                 "tripod.maintenance.frr")


def test_a_device_in_a_server_tier_and_in_linux(example, capsys):
    def change(groups):
        groups["tier_network"]["hosts"].pop(SWITCH)
        groups["tier_srp_server"]["hosts"][SWITCH] = None
        groups["linux"]["hosts"][SWITCH] = None
    edit_hosts(example, change)
    found = problems(capsys, example)
    assert any("tier: a host of network_devices must be in tier_network" in line for line in found)
    assert any("groups: a network device cannot also be in 'linux'" in line for line in found)
    # Its server policy enables the Linux areas: each is named.
    assert any("areas.patching.enabled: must be false on a network device" in line for line in found)


def test_tier_network_is_for_network_devices_only(example, capsys):
    edit_hosts(example, lambda groups: groups["network_devices"]["hosts"].pop(SWITCH))
    found = problems(capsys, example)
    assert len(found) == 1 and found[0].startswith(f"{example}/hosts.yml")
    assert found[0].endswith("tier: tier_network is the tier of network devices: add the host to the network_devices "
                             "group, or put it in another tier")


def test_a_network_device_alert_goes_to_service_desk_tier_3():
    device = resolve_host(SWITCH, ["network_devices", "tier_network"], {"tripod_client": "acme"})
    server = resolve_host("acme-db01", ["linux", "tier_srp_server"], {"tripod_client": "acme"})
    assert route(SWITCH, "acme", device.tier, device.policy).desk_tier == 3
    assert route("acme-db01", "acme", server.tier, server.policy).desk_tier == 2
    # The device's policy sets its priorities: a high problem on the core network is P1.
    assert route(SWITCH, "acme", device.tier, device.policy).priority("high") == "P1"


def test_an_alert_carries_the_desk_tier_it_needs():
    from tripod.triage.alertmanager import parse_payload
    from tripod.triage.routes import load_routes

    table = load_routes([str(EXAMPLE)])
    def alert(host: str, **labels: str):
        raw = {"status": "firing", "labels": {"alertname": "LinkDown", "host": host, **labels}, "annotations": {},
               "startsAt": "2026-12-04T10:00:00Z"}
        return parse_payload({"alerts": [raw]})[0]
    assert table.for_alert(alert(SWITCH))[1].desk_tier == 3, "the switch's own policy: Tier 3"
    assert table.for_alert(alert("acme-db01.acme.example"))[1].desk_tier == 2
    assert table.for_alert(alert("acme-db01.acme.example", desk_tier="3"))[1].desk_tier == 3, "the alert asks for 3"
    assert table.for_alert(alert("acme-db01.acme.example", desk_tier="9"))[1].desk_tier == 2, "not a desk tier"
