"""Testinfra checks of the preflight scenario's instances (run by verify.yml through pytest)."""


def test_systemd_is_pid1_and_running(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state in ("running", "degraded")


def test_sshd_is_enabled_and_running(host):
    ssh = host.service("ssh")
    assert ssh.is_enabled
    assert ssh.is_running


def test_python3_for_ansible(host):
    assert host.file("/usr/bin/python3").exists
    assert host.run("/usr/bin/python3 -c 'import apt'").rc == 0


def test_tripod_user_has_passwordless_sudo(host):
    assert host.user("tripod").exists
    assert host.run("runuser -u tripod -- sudo -n true").rc == 0
