"""`tripod validate` on the example inventory and broken copies of it; bad input exits 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tripod.cli import main
from tripod.cli.run import _parse_extra_vars
from tripod.errors import InputError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inventories" / "example"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    return copy


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text()) if path.exists() else {}
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_example_inventory_is_valid(capsys):
    assert main(["validate", "-i", str(EXAMPLE)]) == 0
    assert ("13 host(s) valid (1 in tier_network, 3 in tier_scheduled_support, 5 in tier_srp_server, 4 in "
            "tier_srp_workstation)") in capsys.readouterr().out


def test_example_inventory_with_its_vault_password(capsys):
    assert main(["validate", "-i", str(EXAMPLE), "--vault-password-file", str(EXAMPLE / "EXAMPLE-ONLY-vault-password.txt")]) == 0


def test_host_missing_its_tier(example, capsys):
    edit_yaml(example / "hosts.yml", lambda d: d["all"]["children"]["tier_srp_server"]["hosts"].pop("acme-web01.acme.example"))
    assert main(["validate", "-i", str(example)]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"{example}/hosts.yml:6: host acme-web01.acme.example: tier: the host is in no tier group; add it to "
                   "exactly one of: tier_scheduled_support, tier_srp_server, tier_srp_workstation, tier_network"]


def test_host_in_two_tiers(example, capsys):
    edit_yaml(example / "hosts.yml", lambda d: d["all"]["children"]["tier_srp_workstation"]["hosts"].update({"acme-db01.acme.example": None}))
    assert main(["validate", "-i", str(example)]) == 2
    out = capsys.readouterr().out
    assert f"{example}/hosts.yml:" in out and "host acme-db01.acme.example: tier: the host is in 2 tier groups (tier_srp_server, tier_srp_workstation)" in out


def test_misspelled_key_names_file_line_host_and_key(example, capsys):
    path = example / "host_vars" / "acme-db01.acme.example.yml"
    path.write_text(path.read_text().replace("reboot_group:", "reboot_gruop:"))
    assert main(["validate", "-i", str(example)]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [f"{path}:7: host acme-db01.acme.example: tripod_host_policy.patch.reboot_gruop: unknown key; did you mean 'reboot_group'?"]


def test_wrong_type_is_reported_for_every_host_it_reaches(example, capsys):
    path = example / "group_vars" / "tier_srp_server.yml"
    path.write_text(path.read_text().replace("batch_size: 2", "batch_size: [2]"))
    assert main(["validate", "-i", str(example)]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5, "one line per server host"
    assert all(f"{path}:" in line and "tripod_group_policy.patch.batch_size: must be an integer or string, got list [2]" in line for line in lines)


def test_bad_timezone(example, capsys):
    path = example / "group_vars" / "all.yml"
    path.write_text(path.read_text().replace("Europe/Berlin", "Europe/Berlinn"))
    assert main(["validate", "-i", str(example)]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 13, "one line per host"
    assert f"{path}:7: host acme-app02.acme.example: tripod_client_policy.maintenance_window.timezone: "
    "'Europe/Berlinn' is not a known IANA timezone (for example Europe/Berlin or UTC)" in lines


def test_every_problem_at_once(example, capsys):
    (example / "group_vars" / "all.yml").write_text("tripod_client_policy:\n  patch:\n    reboot: maybe\n")
    assert main(["validate", "-i", str(example), "--limit", "acme-web01.acme.example"]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [
        "host acme-web01.acme.example: tripod_client: must be set to the client's name (a non-empty string), usually in group_vars/all",
        f"{example}/group_vars/all.yml:3: host acme-web01.acme.example: tripod_client_policy.patch.reboot: 'maybe' is not one of: never, if_required, always",
    ]


def test_broken_yaml_is_bad_input_naming_the_file(tmp_path, capsys):
    broken = tmp_path / "hosts.yml"
    broken.write_text("all: [broken\n")
    assert main(["validate", "-i", str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:2:1: YAML parsing failed" in err
    assert "Traceback" not in err


def test_broken_group_vars_is_bad_input_naming_the_file(example, capsys):
    (example / "group_vars" / "all.yml").write_text("tripod_client: [unclosed\n")
    assert main(["validate", "-i", str(example)]) == 2
    err = capsys.readouterr().err
    assert f"{example}/group_vars/all.yml:2:1: YAML parsing failed" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "-i", "/nonexistent/inventory"], "/nonexistent/inventory: inventory not found"),
        (["run", "no-such-playbook", "-i", str(EXAMPLE)], "no-such-playbook: no such playbook file"),
        (["run", "preflight", "-i", str(EXAMPLE), "-e", "novalue"], "--extra-vars: 'novalue' is not key=value"),
        (["run", "preflight", "-i", str(EXAMPLE), "-e", "@/nonexistent.yml"], "/nonexistent.yml: cannot read extra vars file"),
        (["run", "preflight", "-i", str(EXAMPLE), "--vault-password-file", "/nonexistent"], "/nonexistent: vault password file not found"),
        (["validate", "-i", str(EXAMPLE), "--limit", "nosuchhost"], "the inventory has no hosts matching --limit nosuchhost"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run"])
    assert exit_info.value.code == 2
    assert "the following arguments are required" in capsys.readouterr().err


def test_extra_vars_forms(tmp_path):
    file = tmp_path / "vars.yml"
    file.write_text("a: 1\n")
    assert _parse_extra_vars(["x=1 y='two words'", '{"z": [1]}', f"@{file}"]) == [{"x": "1", "y": "two words"}, {"z": [1]}, file]
    file.write_text("- not a mapping\n")
    with pytest.raises(InputError, match="must hold a mapping"):
        _parse_extra_vars([f"@{file}"])


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "run" in out and "validate" in out and "Exit codes" in out


def test_prune_keeps_the_configured_months(tmp_path, monkeypatch, capsys):
    from tripod.models import Finding
    from tripod.store import EvidenceStore, HostResult

    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    old = Finding.from_dict({"area": "health", "check_id": "TRP-DISK-001", "title": "t", "severity": "medium",
                             "status": "fail", "time": "2020-01-15T00:00:00Z"})
    with EvidenceStore() as store:
        run = store.start_run(playbook="audit.yml", started_at="2020-01-15T00:00:00Z")
        store.record_host(run, HostResult(host="h1", status="ok", client="acme", findings=[old],
                                          facts=[{"collected_at": "2020-01-15T00:00:00Z", "os_family": "linux"}]))
        store.end_run(run)
    assert main(["prune", "--keep-months", "3"]) == 0
    assert "removed 1 fact snapshot(s), 1 finding(s), 0 action(s)" in capsys.readouterr().out
    with EvidenceStore() as store:
        (summary,) = store.monthly_summaries("acme", "2020-01")
        assert summary.rolled_up and summary.counts["fail"] == 1
    monkeypatch.setenv("TRIPOD_RETENTION_MONTHS", "many")
    assert main(["prune"]) == 2
    assert "TRIPOD_RETENTION_MONTHS: 'many' is not a whole number of months" in capsys.readouterr().err
