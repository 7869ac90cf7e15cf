"""Bad input to `tripod validate` (issue 12 §5): exit 2, one line naming the file and the key;
waiver doubts are warnings, each waivers file is checked once."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from tripod.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inventories" / "example"
WAIVERS = EXAMPLE / "waivers.yml"
HOSTS = 13  # in the example inventory


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example"))


def run(capsys, inventory: Path, *extra: str) -> tuple[int, list[str], list[str]]:
    code = main(["validate", "-i", str(inventory), *extra])
    captured = capsys.readouterr()
    return code, captured.out.strip().splitlines(), captured.err.strip().splitlines()


def test_a_host_name_with_a_slash_is_refused_naming_the_file(example, capsys):
    hosts = example / "hosts.yml"
    hosts.write_text(hosts.read_text().replace("acme-files01.acme.example:", "acme/files01:"))
    code, out, _ = run(capsys, example)
    assert code == 2
    bad = [line for line in out if "acme/files01" in line]
    assert len(bad) == 1 and bad[0].startswith(f"{hosts}:")
    assert "host acme/files01: inventory_hostname: contains '/'" in bad[0]


def test_an_unknown_tier_group_names_the_file(example, capsys):
    hosts = example / "hosts.yml"
    hosts.write_text(hosts.read_text().replace("tier_srp_server:", "tier_gold:"))
    code, out, _ = run(capsys, example, "--limit", "acme-db01.acme.example")
    assert code == 2
    assert out[0].startswith(f"{hosts}:") and "tier: group 'tier_gold' is not a Tripod tier" in out[0]
    assert out[1].startswith(f"{hosts}:") and "tier: the host is in no tier group" in out[1]


def _waivers(path: Path, text: str) -> Path:
    path.write_text(WAIVERS.read_text().split("waivers:")[0] + "waivers:\n" + text, encoding="utf-8")
    return path


ENTRY = """  - control: TRP-SSH-006
    scope: {{host: {host}}}
    owner: it-ops@acme.example
    ticket: ACME-CHG-2211
    justification: jump host
    expires: {expires}
"""


def test_an_impossible_date_names_the_entry_and_line_once(example, capsys):
    path = _waivers(example / "waivers.yml", ENTRY.format(host="acme-web01.acme.example", expires="2027-12-31")
                    + ENTRY.format(host="acme-db01.acme.example", expires="2027-02-30"))
    code, out, _ = run(capsys, example)
    assert code == 2
    assert len(out) == 1, "one line for the file, not one per host"
    line = path.read_text().splitlines().index("    expires: 2027-02-30") + 1
    assert f"{path}:{line}: waivers[1].expires: '2027-02-30' is not a date (day is out of range for month)" in out[0]
    assert f"the waivers file of {HOSTS} host(s)" in out[0]


def test_doubtful_waivers_are_warnings(example, capsys):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    path = _waivers(example / "waivers.yml", ENTRY.format(host="acme-web01.acme.example", expires=yesterday)
                    + ENTRY.format(host="gone.acme.example", expires="2027-12-31 17:00:00"))
    code, out, err = run(capsys, example)
    assert code == 0, out
    warnings = [line for line in err if line.startswith("warning:") and "network device(s)" not in line]
    assert len(warnings) == 3, err
    assert any(f"{path}: waivers[0]: TRP-SSH-006 for host acme-web01.acme.example expired on {yesterday}" in w
               for w in warnings)
    assert any(f"{path}: waivers[1].expires: 2027-12-31T17:00:00 is a date and time" in w for w in warnings)
    assert any(f"{path}: waivers[1].scope.host: gone.acme.example is not a host of the inventory" in w
               for w in warnings)


def test_a_waivers_file_in_the_inventory_directory_is_not_inventory(example, capsys):
    # Parsed as inventory, this file would make Ansible fail on the whole directory.
    (example / "acme-waivers.yml").write_text("all: [broken\n")
    code, out, _ = run(capsys, example)
    assert code == 0, out


def test_a_waivers_file_outside_the_inventory_directory_is_refused(example, tmp_path, capsys):
    outside = tmp_path / "elsewhere.yml"
    shutil.copy(WAIVERS, outside)
    (example / "group_vars" / "all.yml").open("a").write(f"  hardening:\n    waivers_file: ../elsewhere.yml\n")
    code, out, _ = run(capsys, example, "--limit", "acme-db01.acme.example")
    assert code == 2
    assert out == ["host acme-db01.acme.example: hardening.waivers_file: '../elsewhere.yml' is outside the inventory "
                   f"directory {example}; a client's waivers live with its inventory"]


def test_inventory_variables_follow_ansibles_precedence(example):
    """Validation merges each set of groups once (linear in the hosts); the result must be what
    Ansible's VariableManager gives every host, child groups and ansible_group_priority included."""
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    from tripod.inventory import _InventoryVariables

    (example / "group_vars" / "linux.yml").write_text(
        "ansible_group_priority: 5\ntripod_group_policy:\n  patch: {reboot_group: linux}\n")
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(example)])
    ansible, ours = VariableManager(loader=loader, inventory=inventory), _InventoryVariables(loader, inventory)
    names = ("tripod_client", "tripod_client_policy", "tripod_group_policy", "tripod_host_policy")
    compared = 0
    for host in inventory.get_hosts():
        expected = ansible.get_vars(host=host, include_hostvars=False)
        got = ours.of(host)
        assert {n: got.get(n) for n in names} == {n: expected.get(n) for n in names}, host.name
        compared += bool(got.get("tripod_group_policy"))
    assert compared >= 2, "some hosts carry a group policy"


@pytest.mark.parametrize("argv", [["triage", "-i", str(EXAMPLE)], ["triage", "list"]])
def test_triage_with_a_store_that_is_not_one_is_bad_input(tmp_path, monkeypatch, capsys, argv):
    (tmp_path / "evidence.sqlite").write_text("not a database")
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    assert main(argv) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: {tmp_path}/evidence.sqlite: cannot use the evidence store (not an SQLite database: corrupt, or "
        "another kind of file)"]


def test_triage_exits_2_for_a_policy_problem_like_validate(example, tmp_path, monkeypatch, capsys):
    path = example / "group_vars" / "all.yml"
    path.write_text(path.read_text().replace("Europe/Berlin", "Europe/Berlinn"))
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path / "data"))
    assert main(["triage", "-i", str(example)]) == 2
    err = capsys.readouterr().err
    assert "not triaged, fix the policy first:" in err and "'Europe/Berlinn' is not a known IANA timezone" in err


def test_an_old_policy_key_is_a_warning_naming_the_file_once(example, capsys):
    group_vars = example / "group_vars" / "tier_srp_workstation.yml"
    group_vars.write_text(group_vars.read_text().replace(
        "tripod_group_policy:\n", "tripod_group_policy:\n  areas:\n    health_check: {cadence: weekly}\n"))
    code, out, err = run(capsys, example, "--show", "acme-ws-lab02.acme.example")
    assert code == 0, out
    renamed = [line for line in err if "areas.health_check" in line]
    assert renamed == [f"warning: {group_vars}:5: tripod_group_policy.areas.health_check: renamed areas.health (the "
                       "area's name in findings and reports); the old name is still read, rename it"], err
    import yaml

    shown = yaml.safe_load("\n".join(line for line in out if not line.startswith(("#", "ok:"))))
    assert shown["tripod_policy"]["areas"]["health"]["cadence"] == "weekly"
