"""Runs that cannot close themselves are closed as aborted; extra vars and vault data are handled
without showing or writing secrets (issue 12, sections 2 and 4). The end-to-end side is in
tests/integration/test_fail_closed.py."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from tripod.cli.run import _parse_extra_vars
from tripod.errors import InputError
from tripod.runner import RunRequest, RunResult, _cmdline, _write_vars_files, run_environment
from tripod.store import EvidenceStore
from tripod.vaulted import VaultedValue, load_yaml_with_vault_tags, shown

VAULTED = "!vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6134\n"


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture()
def store(tmp_path):
    with EvidenceStore(tmp_path / "evidence.sqlite") as opened:
        yield opened


def _running(store: EvidenceStore, run_id: str, started: datetime | None = None) -> None:
    started_at = (started or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    store.start_run(run_id, playbook="p.yml", started_at=started_at)


def _note(store: EvidenceStore, run_id: str, pid: int, start: str | None = None) -> None:
    path = store.register_controller(run_id)
    record = json.loads(path.read_text())
    path.unlink()
    record.update(pid=pid, start=start if start is not None else record["start"])
    (path.parent / f"controller-{pid}.json").write_text(json.dumps(record))


def test_a_run_whose_controller_is_gone_is_closed_as_aborted(store):
    _running(store, "dead")
    _note(store, "dead", _dead_pid())
    _running(store, "alive")
    store.register_controller("alive")  # this test's own process: alive
    assert store.abort_stale_runs() == ["dead"]
    assert store.get_run("dead").status == "aborted" and store.get_run("dead").ended_at
    assert store.get_run("alive").status == "running"


def test_a_reused_pid_is_not_taken_for_the_controller(store):
    _running(store, "reused")
    _note(store, "reused", os.getpid(), start="1")  # same pid, another process start time
    assert store.abort_stale_runs() == ["reused"]


def test_a_run_without_controller_note_is_aborted_only_when_old(store):
    _running(store, "recent")
    _running(store, "old", datetime.now(timezone.utc) - timedelta(days=2))
    assert store.abort_stale_runs() == ["old"]
    assert store.get_run("recent").status == "running"


def test_abort_leaves_a_closed_run_alone(store):
    _running(store, "done")
    store.end_run("done")
    assert store.abort_run("done") is False
    assert store.get_run("done").status == "ok"
    _running(store, "cut")
    assert store.abort_run("cut") is True and store.get_run("cut").status == "aborted"


def test_stale_run_leftover_extra_vars_are_removed(store, tmp_path):
    _running(store, "killed")
    _note(store, "killed", _dead_pid())
    leftover = tmp_path / "runs" / "killed" / ".tripod-extravars-x.json"
    leftover.write_text("{}")
    store.abort_stale_runs()
    assert not leftover.exists()


def test_extra_vars_go_to_0600_files_not_the_command_line(tmp_path):
    secret = "hunter2-canary"
    given = tmp_path / "given.yml"
    given.write_text("a: 1\n")
    items = _parse_extra_vars([f"ansible_become_password={secret}", f"@{given}", '{"b": 2}'])
    files = _write_vars_files(items, tmp_path)
    assert files[1] == given.resolve(), "a given file is passed as it is, in its place"
    for written in (files[0], files[2]):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert yaml.safe_load(files[0].read_text()) == {"ansible_become_password": secret}
    dated = _write_vars_files(_parse_extra_vars(["{when: 2026-01-31}"]), tmp_path)
    assert yaml.safe_load(dated[0].read_text()) == {"when": date(2026, 1, 31)}
    cmdline = _cmdline(RunRequest(playbook="p", inventories=[]), files)
    assert secret not in cmdline and cmdline.count("-e @") == 3


def test_extra_vars_bad_input_is_one_line_without_the_value(tmp_path):
    with pytest.raises(InputError, match="cannot split key=value pairs"):
        _parse_extra_vars(["'unbalanced"])
    with pytest.raises(InputError) as info:
        _parse_extra_vars(['{"password": "s3cret", broken'])
    assert "s3cret" not in str(info.value)
    encrypted = tmp_path / "vault.yml"
    encrypted.write_text("$ANSIBLE_VAULT;1.1;AES256\n6134\n")
    with pytest.raises(InputError, match="vault-encrypted: give --vault-password-file"):
        _parse_extra_vars([f"@{encrypted}"])
    assert _parse_extra_vars([f"@{encrypted}"], vault_password_file="pw") == [encrypted.resolve()]
    inline = tmp_path / "inline.yml"
    inline.write_text(f"become: {VAULTED}")
    assert _parse_extra_vars([f"@{inline}"]) == [inline.resolve()]


def test_vaulted_values_are_never_shown():
    loaded = load_yaml_with_vault_tags(f"key: {VAULTED}")
    assert isinstance(loaded["key"], VaultedValue)
    assert "$ANSIBLE_VAULT" not in f"{loaded['key']} {loaded['key']!r} {shown(loaded['key'])}"
    assert shown("$ANSIBLE_VAULT;1.1;AES256\n61") == "<vaulted value>"
    assert shown("plain") == "'plain'"


def test_no_evidence_switches_the_recorder_off(monkeypatch):
    monkeypatch.delenv("ANSIBLE_CALLBACKS_ENABLED", raising=False)
    assert run_environment("r", record_evidence=False)["TRIPOD_NO_EVIDENCE"] == "1"
    recording = run_environment("r", record_evidence=True)
    assert "TRIPOD_NO_EVIDENCE" not in recording and "tripod.maintenance.evidence" in recording["ANSIBLE_CALLBACKS_ENABLED"]


@pytest.mark.parametrize(("rc", "stats", "failed", "input_error"), [
    (0, True, False, False), (2, True, False, False), (4, True, False, False),  # host outcomes
    (4, False, True, True), (5, False, True, True),  # parser error, bad options: bad input
    (1, False, True, False), (250, False, True, False), (250, True, True, False),  # Ansible broke
])
def test_ansible_failures_are_told_from_host_failures(rc, stats, failed, input_error):
    result = RunResult(run_id="r", playbook=Path("p.yml"), rc=rc, runner_status="failed", artifacts=Path("."),
                       hosts={}, finished_plays=stats)
    assert (result.ansible_failed, result.ansible_input_error) == (failed, input_error)


def test_a_vaulted_policy_value_is_named_by_its_key_only(tmp_path, capsys):
    from tripod.cli import main

    inventory = tmp_path / "inv"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text("all:\n  children:\n    tier_srp_server:\n      hosts:\n        web1:\n")
    ciphertext = "$ANSIBLE_VAULT;1.1;AES256\n      3632306539663937\n"
    (inventory / "group_vars" / "all.yml").write_text(
        "tripod_client: t\ntripod_client_policy:\n  maintenance_window:\n    start: !vault |\n      " + ciphertext)
    assert main(["validate", "-i", str(inventory)]) == 2
    out = capsys.readouterr()
    assert "tripod_client_policy.maintenance_window.start: must be a plain string, got a vaulted value" in out.out
    assert "ANSIBLE_VAULT" not in out.out + out.err and "3632306539663937" not in out.out + out.err


@pytest.mark.parametrize(("config", "environment", "expected"), [
    ("[defaults]\nhost_key_checking = True\n", None, "True"),
    ("[defaults]\nforks = 5\n", None, "True"),  # Ansible's default
    ("[defaults]\nhost_key_checking = False\n", None, "False"),
    ("[defaults]\nhost_key_checking = True\n", "False", "False"),  # the user's environment wins
])
def test_host_key_checking_stays_as_configured(tmp_path, monkeypatch, config, environment, expected):
    """ansible-runner would set ANSIBLE_HOST_KEY_CHECKING=False for every run that does not set it."""
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text(config)
    monkeypatch.setenv("ANSIBLE_CONFIG", str(cfg))
    if environment is None:
        monkeypatch.delenv("ANSIBLE_HOST_KEY_CHECKING", raising=False)
    else:
        monkeypatch.setenv("ANSIBLE_HOST_KEY_CHECKING", environment)
    assert run_environment("r", record_evidence=True)["ANSIBLE_HOST_KEY_CHECKING"] == expected
