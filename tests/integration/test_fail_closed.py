"""No change without evidence, and secrets stay secret: `tripod run` end to end on localhost
(local connection, no containers). The probe playbook writes a marker file on the "host", so
a test sees by its own means whether a host was changed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fleet.harness import tool_env
from tripod.runner import _descendants
from tests.integration.helpers import REPO

PROBE = """\
- name: Probe
  hosts: all
  gather_facts: false
  tasks:
    - name: Change the host (write the marker)
      ansible.builtin.copy:
        content: "{{ probe_value | default('none') }}"
        dest: "{{ probe_dir }}/marker-{{ inventory_hostname }}"
        mode: "0600"
    - name: Wait, when asked to
      ansible.builtin.command: "sleep {{ probe_sleep }}"
      changed_when: false
      when: probe_sleep is defined
    - name: Record every command line on this machine while the play runs
      ansible.builtin.shell: "ps -eo args > {{ probe_dir }}/ps.txt"
      changed_when: false
      when: probe_ps is defined
"""


def tripod(*args: str, data_dir: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = tool_env({"TRIPOD_DATA_DIR": str(data_dir)})
    env.pop("ANSIBLE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "tripod.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def probe(tmp_path: Path) -> dict[str, Path]:
    inventory = tmp_path / "inv"
    inventory.mkdir()
    (inventory / "hosts.yml").write_text(
        "all:\n  vars:\n    tripod_client: probe\n  children:\n    tier_srp_server:\n      hosts:\n        localhost:\n"
        "          ansible_connection: local\n          ansible_python_interpreter: '{{ ansible_playbook_python }}'\n")
    playbook = tmp_path / "probe.yml"
    playbook.write_text(PROBE)
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    return {"inventory": inventory, "playbook": playbook, "host": host_dir, "data": tmp_path / "data",
            "marker": host_dir / "marker-localhost", "root": tmp_path}


def _run(probe: dict[str, Path], *extra: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    return tripod("run", str(probe["playbook"]), "-i", str(probe["inventory"]), "-e", f"probe_dir={probe['host']}",
                  *extra, data_dir=data or probe["data"])


def _one_error_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "PLAY" not in result.stdout and "host(s) finished" not in result.stdout


def _corrupt(data: Path) -> None:
    data.mkdir(parents=True)
    (data / "evidence.sqlite").write_bytes(b"this is not a database, it is a text file" * 200)


def _newer_schema(data: Path) -> None:
    data.mkdir(parents=True)
    with sqlite3.connect(data / "evidence.sqlite") as conn:
        conn.execute("PRAGMA user_version = 999")


def _mount_tmpfs(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)]).returncode:
        pytest.skip("needs root and mount (a read-only or full file system for the data dir)")


def _read_only(data: Path) -> None:
    _mount_tmpfs(data, "ro,size=1m")


def _full(data: Path) -> None:
    _mount_tmpfs(data, "size=256k")
    try:
        with open(data / "filler", "wb") as stream:
            while True:
                stream.write(b"\0" * 4096)
                stream.flush()
    except OSError:
        pass


@pytest.mark.parametrize(("break_store", "reason"), [
    (_corrupt, "not an SQLite database"),
    (_newer_schema, "schema version 999, newer than this Tripod knows"),
    (_read_only, "Read-only file system"),
    (_full, ""),
], ids=["corrupt", "newer-schema", "read-only", "full-disk"])
def test_a_store_that_cannot_be_written_stops_the_run_before_any_host(probe, break_store, reason):
    data = probe["data"]
    try:
        break_store(data)
        result = _run(probe)
        _one_error_line(result, str(data), reason)
        assert not probe["marker"].exists(), "a host was changed without evidence"
    finally:
        if os.path.ismount(data):
            subprocess.run(["umount", str(data)], check=False)


def test_no_evidence_is_the_explicit_way_out(probe):
    _corrupt(probe["data"])
    result = _run(probe, "--no-evidence")
    assert result.returncode == 0, result.stdout + result.stderr
    assert probe["marker"].read_text() == "none"
    assert "not recorded" in result.stderr
    assert (probe["data"] / "evidence.sqlite").read_bytes().startswith(b"this is not a database"), "left alone"


@pytest.mark.parametrize(("playbook", "code", "message"), [
    ("- name: Broken\n  hosts: all\n  tasks: [\n", 2, "YAML"),
    ("- name: Unknown module\n  hosts: all\n  tasks:\n    - no_such.collection.module: {}\n", 2, "no_such.collection.module"),
], ids=["does-not-parse", "unknown-module"])
def test_ansible_failing_is_not_reported_as_hosts_finishing(probe, playbook, code, message):
    probe["playbook"].write_text(playbook)
    result = _run(probe)
    assert result.returncode == code, result.stdout + result.stderr
    assert "host(s) finished the run" not in result.stdout
    assert "ansible-playbook refused its input" in result.stderr and message in result.stderr
    with sqlite3.connect(probe["data"] / "evidence.sqlite") as conn:
        assert [row[0] for row in conn.execute("SELECT status FROM runs")] == ["failed"], "the run row is closed"


def test_an_ansible_crash_exits_3_with_its_error(probe):
    """A host name that is no file name crashes Ansible's (per-run) file fact cache."""
    (probe["inventory"] / "hosts.yml").write_text(
        "all:\n  vars:\n    tripod_client: probe\n  children:\n    tier_srp_server:\n      hosts:\n        web/1:\n"
        "          ansible_connection: local\n          ansible_python_interpreter: '{{ ansible_playbook_python }}'\n")
    probe["playbook"].write_text("- name: Facts\n  hosts: all\n  gather_facts: false\n  tasks:\n"
                                 "    - name: Set a fact\n      ansible.builtin.set_fact:\n        x: 1\n        cacheable: true\n")
    result = _run(probe)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "host(s) finished the run" not in result.stdout
    assert "ansible-playbook failed (exit 250)" in result.stderr and "No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_run_and_closes_it_as_aborted(probe, signum):
    env = tool_env({"TRIPOD_DATA_DIR": str(probe["data"])})
    env.pop("ANSIBLE_CONFIG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tripod.cli", "run", str(probe["playbook"]), "-i", str(probe["inventory"]),
         "-e", f"probe_dir={probe['host']} probe_sleep=31.4159"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not probe["marker"].exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert probe["marker"].exists(), "the play started"
    time.sleep(1)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 1, stdout + stderr
    assert "closed as aborted" in stderr
    with sqlite3.connect(probe["data"] / "evidence.sqlite") as conn:
        rows = conn.execute("SELECT status, ended_at FROM runs").fetchall()
    assert len(rows) == 1 and rows[0][0] == "aborted" and rows[0][1], rows
    still = subprocess.run(["pgrep", "-f", "sleep 31.4159"], capture_output=True, text=True)
    assert still.returncode == 1, f"ansible-playbook's task still runs: {still.stdout}"


def test_extra_vars_never_reach_the_command_line_or_the_run_directory(probe):
    canary = "Canary-Become-9f3a71"
    result = _run(probe, "-e", f"ansible_become_password={canary}", "-e", '{"probe_value": "%s", "probe_ps": 1}' % canary)
    assert result.returncode == 0, result.stdout + result.stderr
    assert probe["marker"].read_text() == canary, "the extra vars reached the play"
    # (The `tripod` command line itself holds the canary: that is the user's own choice.)
    playbook_lines = [line for line in (probe["host"] / "ps.txt").read_text().splitlines() if "ansible-playbook" in line]
    assert playbook_lines and not [line for line in playbook_lines if canary in line], playbook_lines
    run_dir = next((probe["data"] / "runs").iterdir())
    leaked = [path for path in run_dir.rglob("*") if path.is_file() and canary.encode() in path.read_bytes()]
    assert not leaked, f"the secret was written to {leaked}"
    command = json.loads(next(run_dir.glob("artifacts/*/command")).read_text())
    assert any(arg.startswith("@") and ".tripod-extravars-" in arg for arg in command["command"])
    assert not list(run_dir.glob(".tripod-extravars-*")), "the 0600 file is removed after the run"


def _vault(*args: str, password_file: Path) -> str:
    tool = str(Path(sys.executable).parent / "ansible-vault")
    return subprocess.run([tool, *args, "--vault-password-file", str(password_file)], check=True,
                          capture_output=True, text=True).stdout


def test_vaulted_extra_vars_files_work_as_with_ansible_playbook(probe):
    root = probe["root"]
    password = root / "vault-pass"
    password.write_text("correct horse\n")
    whole = root / "whole.yml"
    whole.write_text("probe_value: from-encrypted-file\n")
    _vault("encrypt", str(whole), password_file=password)
    assert whole.read_text().startswith("$ANSIBLE_VAULT;")
    result = _run(probe, "-e", f"@{whole}", "--vault-password-file", str(password))
    assert result.returncode == 0, result.stdout + result.stderr
    assert probe["marker"].read_text() == "from-encrypted-file"

    inline = root / "inline.yml"
    inline.write_text(_vault("encrypt_string", "from-inline-vault", "--name", "probe_value", password_file=password))
    assert "!vault" in inline.read_text()
    result = _run(probe, "-e", f"@{inline}", "--vault-password-file", str(password))
    assert result.returncode == 0, result.stdout + result.stderr
    assert probe["marker"].read_text() == "from-inline-vault"

    probe["marker"].unlink()
    result = _run(probe, "-e", f"@{whole}")
    _one_error_line(result, str(whole), "vault-encrypted", "--vault-password-file")
    assert not probe["marker"].exists()


def test_the_recorder_stopping_stops_the_run(probe):
    """The store breaks in the middle of the run: the next host write fails, the recorder stops
    recording, and tripod stops the run before the next change."""
    db = probe["data"] / "evidence.sqlite"
    probe["playbook"].write_text(
        "- name: Break the evidence store\n  hosts: all\n  gather_facts: false\n  tasks:\n"
        f"    - name: Overwrite it\n      ansible.builtin.shell: 'for f in {db}*; do head -c 65536 /dev/urandom > $f; done'\n"
        "      changed_when: true\n"
        "- name: Go on changing\n  hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - name: Wait for the recorder's warning to be seen\n      ansible.builtin.command: sleep 12\n"
        "      changed_when: false\n"
        "    - name: Change the host\n      ansible.builtin.copy:\n        content: changed\n"
        "        dest: \"{{ probe_dir }}/after\"\n        mode: '0600'\n")
    result = _run(probe)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "evidence could not be recorded, so the run was stopped" in result.stderr
    assert not (probe["host"] / "after").exists(), "a host was changed after evidence stopped"


def test_a_run_whose_process_was_killed_is_closed_as_aborted_at_the_next_start(probe):
    """ansible-playbook run directly (the recorder notes its pid), killed with -9: the run stays
    `running` until the next `tripod run` finds its process gone."""
    env = tool_env({"TRIPOD_DATA_DIR": str(probe["data"]), "TRIPOD_RUN_ID": "killed-run"})
    killed = subprocess.Popen(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(probe["inventory"]), str(probe["playbook"]),
         "-e", f"probe_dir={probe['host']} probe_sleep=27.1828"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not probe["marker"].exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert probe["marker"].exists(), "the play started"
    notes = list((probe["data"] / "runs" / "killed-run").glob("controller-*.json"))
    assert [json.loads(note.read_text())["pid"] for note in notes] == [killed.pid]
    started = _descendants(killed.pid)  # the task's processes: this test ends them too, by pid
    killed.kill()
    killed.wait(timeout=30)
    for pid in started:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    db = probe["data"] / "evidence.sqlite"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM runs").fetchall() == [("running",)]
    result = _run(probe)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "closed 1 run(s) left running by a process that is gone, as aborted: killed-run" in result.stderr
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT run_id, status FROM runs").fetchall())
    assert statuses.pop("killed-run") == "aborted" and list(statuses.values()) == ["ok"]
