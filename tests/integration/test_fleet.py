"""The container fleet really works: Ansible over SSH on loopback, become, systemd, reboots."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fleet import fleet as lib
from tests.fleet.harness import Fleet

pytestmark = [pytest.mark.containers, pytest.mark.harness]


def _ok(result: object) -> None:
    stdout = getattr(result, "stdout", "")
    assert getattr(result, "returncode", 1) == 0, stdout[-4000:]


def test_ansible_reaches_both_releases_over_ssh_with_become(fleet: Fleet) -> None:
    fleet.up("tripod-fleet-ssh12", release="12")
    fleet.up("tripod-fleet-ssh13", release="13")
    inventory = fleet.inventory(
        groups={"tripod-fleet-ssh12": ["tier_srp_server"], "tripod-fleet-ssh13": ["tier_srp_workstation"]},
        group_vars={"all": {"tripod_client": "fleet-test"}, "tier_srp_server": {"probe": "server"}},
    )

    ping = fleet.ansible("fleet", "-m", "ansible.builtin.ping", inventory=inventory)
    _ok(ping)
    assert ping.stdout.count("SUCCESS") == 2

    # become (sudo) gives root; without it we are the unprivileged `tripod` user
    _ok(root := fleet.ansible("fleet", "-m", "ansible.builtin.command", "-a", "id -un", inventory=inventory))
    assert root.stdout.count(">>\nroot\n") == 2, root.stdout
    _ok(
        user := fleet.ansible(
            "fleet", "-m", "ansible.builtin.command", "-a", "id -un", "-e", "ansible_become=false", inventory=inventory
        )
    )
    assert user.stdout.count(">>\ntripod\n") == 2, user.stdout

    # the traffic goes over SSH to 127.0.0.1, never to the container bridge
    _ok(
        conn := fleet.ansible(
            "fleet",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "msg=via={{ ansible_host }}:{{ ansible_port }}",
            inventory=inventory,
        )
    )
    for node in fleet.nodes:
        assert f"via=127.0.0.1:{node.ssh_port}" in conn.stdout, conn.stdout

    # groups and group vars from the fixture reach Ansible
    _ok(
        groups := fleet.ansible(
            "tier_srp_server",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "msg={{ tripod_client }}/{{ probe }}",
            inventory=inventory,
        )
    )
    assert "fleet-test/server" in groups.stdout and "tripod-fleet-ssh13" not in groups.stdout


def test_systemd_is_pid1_and_sshd_runs(fleet: Fleet, tmp_path: Path) -> None:
    fleet.up("tripod-fleet-systemd", release="12")
    playbook = tmp_path / "probe.yml"
    playbook.write_text(
        """
- name: Probe systemd and sshd
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Ask systemd for the system state
      ansible.builtin.command: systemctl is-system-running
      register: state
      changed_when: false
      failed_when: state.stdout not in ['running', 'degraded']
    - name: Read PID 1
      ansible.builtin.command: cat /proc/1/comm
      register: pid1
      changed_when: false
    - name: Gather service facts
      ansible.builtin.service_facts:
    - name: Report
      ansible.builtin.set_stats:
        data:
          state: "{{ state.stdout }}"
          pid1: "{{ pid1.stdout }}"
          ssh: "{{ ansible_facts.services['ssh.service'].state }}"
        per_host: false
""",
        encoding="utf-8",
    )
    # through ansible-runner, the engine `tripod run` and AWX use
    result = fleet.runner(playbook, inventory=fleet.inventory())
    stdout = result.stdout.read()
    assert (result.status, result.rc) == ("successful", 0), stdout[-4000:]
    stats = result.stats
    assert stats["failures"] == {} and stats["dark"] == {}, stats
    report = next(e["event_data"]["artifact_data"] for e in result.events if e["event"] == "playbook_on_stats")
    assert report == {"state": report["state"], "pid1": "systemd", "ssh": "running"}
    assert report["state"] in ("running", "degraded")


def test_podman_connection_inventory_and_extra_podman_args(fleet: Fleet) -> None:
    fleet.up("tripod-fleet-podman", release="13", podman_args=("--tmpfs", "/mnt/scratch:rw,size=1m"))
    inventory = fleet.inventory(connection="podman")
    _ok(result := fleet.ansible("fleet", "-m", "ansible.builtin.command", "-a", "id -un", inventory=inventory))
    assert ">>\nroot\n" in result.stdout
    _ok(
        mount := fleet.ansible(
            "fleet", "-m", "ansible.builtin.command", "-a", "findmnt -n -o FSTYPE /mnt/scratch", inventory=inventory
        )
    )
    assert ">>\ntmpfs\n" in mount.stdout, mount.stdout


def test_reboot_comes_back_on_the_same_port(fleet: Fleet, tmp_path: Path) -> None:
    (before,) = fleet.up("tripod-fleet-reboot", release="12")
    playbook = tmp_path / "reboot.yml"
    playbook.write_text(
        """
- name: Reboot a fleet container
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Reboot (a container keeps its kernel boot id, so compare PID 1's start time)
      ansible.builtin.reboot:
        boot_time_command: stat -c %Z /proc/1
        reboot_timeout: 120
""",
        encoding="utf-8",
    )
    _ok(fleet.playbook(playbook, inventory=fleet.inventory()))
    after = lib.node(before.name)
    assert after.ssh_port == before.ssh_port
    assert lib.wait_for_systemd(before.name, timeout=60) in ("running", "degraded")
