"""Testinfra checks of the hardening scenario: the enforced settings are in effect, not only written.

Run by verify.yml through pytest against every instance (podman connection, as root). The role
itself ran over SSH as the tripod user, with sudo: the management user of this scenario.
"""

import re

import pytest


def sshd(host) -> dict:
    output = host.check_output("/usr/sbin/sshd -T")
    settings = {}
    for line in output.splitlines():
        key, _sep, value = line.partition(" ")
        settings[key] = value
    return settings


def test_sshd_runs_with_the_hardened_effective_settings(host):
    assert host.service("ssh").is_running
    assert host.run("/usr/sbin/sshd -t").rc == 0
    settings = sshd(host)
    expected = {
        "permitrootlogin": "no", "passwordauthentication": "no", "kbdinteractiveauthentication": "no",
        "maxauthtries": "3", "x11forwarding": "no", "allowtcpforwarding": "no", "allowagentforwarding": "no",
        "clientaliveinterval": "300", "clientalivecountmax": "2", "logingracetime": "60", "loglevel": "VERBOSE",
        "banner": "/etc/issue.net", "maxsessions": "4", "maxstartups": "10:30:60", "tcpkeepalive": "no",
        "compression": "no",
    }
    assert {key: settings.get(key) for key in expected} == expected
    macs = settings["macs"].split(",")
    assert macs and not [m for m in macs if re.search("md5|sha1|umac-64", m)]


def test_sshd_configuration_files_are_root_only(host):
    dropin = host.file("/etc/ssh/sshd_config.d/00-tripod-hardening.conf")
    assert dropin.exists and dropin.user == "root" and dropin.mode == 0o600
    assert host.file("/etc/ssh/sshd_config").mode == 0o600


@pytest.mark.parametrize(("key", "value"), [
    ("net.ipv4.conf.all.accept_redirects", "0"),
    ("net.ipv4.conf.default.accept_redirects", "0"),
    ("net.ipv6.conf.all.accept_redirects", "0"),
    ("net.ipv4.conf.all.send_redirects", "0"),
    ("net.ipv4.conf.all.log_martians", "1"),
    ("net.ipv4.conf.all.rp_filter", "1"),
    ("net.ipv4.conf.default.accept_source_route", "0"),
])
def test_network_parameters_of_the_namespace_are_set(host, key, value):
    assert host.check_output(f"sysctl -n {key}") == value


def test_kernel_parameters_of_the_host_are_left_alone(host):
    text = host.file("/etc/sysctl.d/60-tripod-hardening.conf").content_string
    assert "net.ipv4.conf.all.accept_redirects" in text
    assert "kernel." not in text and "fs." not in text, "the container must not claim the host's kernel"


def test_the_firewall_drops_inbound_but_keeps_ssh_open(host):
    ruleset = host.check_output("nft list table inet tripod_filter")
    assert "policy drop" in ruleset
    ports = re.search(r"tcp dport (\{[^}]*\}|\d+) accept", ruleset)
    assert ports and re.search(r"\b22\b", ports.group(1)), ruleset
    assert host.service("nftables").is_enabled


def test_sudo_works_through_the_validated_rules_and_logs_to_its_own_file(host):
    assert host.run("visudo -c").rc == 0
    assert host.file("/etc/sudoers.d/60-tripod-hardening").mode == 0o440
    assert host.run("runuser -u tripod -- sudo -n true").rc == 0
    assert "COMMAND=/usr/bin/true" in host.file("/var/log/sudo.log").content_string


def test_pam_locks_out_after_failures_but_never_the_management_group(host):
    auth = host.file("/etc/pam.d/common-auth").content_string
    assert re.search(r"^auth\s+requisite\s+pam_faillock\.so preauth", auth, re.M)
    assert re.search(r"^auth\s+\[default=die\]\s+pam_faillock\.so authfail", auth, re.M)
    conf = host.file("/etc/security/faillock.conf").content_string
    assert re.search(r"^deny = 5$", conf, re.M) and re.search(r"^unlock_time = 900$", conf, re.M)
    # the role ran over SSH as the tripod user: its primary group is the management group
    assert re.search(r"^admin_group = tripod$", conf, re.M)
    assert "pam_pwquality.so" in host.file("/etc/pam.d/common-password").content_string
    assert "pam_tmpdir.so" in host.file("/etc/pam.d/common-session").content_string


def test_login_shells_get_the_idle_timeout_and_no_core_dumps(host):
    assert host.check_output("runuser -u tripod -- bash -lc 'echo $TMOUT'") == "900"
    assert host.check_output("runuser -u tripod -- bash -lc 'ulimit -c'") == "0"


def test_files_and_homes_have_the_enforced_modes(host):
    assert host.file("/home/tripod").mode & 0o007 == 0
    assert host.file("/etc/issue").content_string.startswith("Authorised access only")
    assert "Debian" not in host.file("/etc/issue.net").content_string
    defs = host.file("/etc/login.defs").content_string
    assert re.search(r"^PASS_MAX_DAYS\s+365$", defs, re.M) and re.search(r"^UMASK\s+027$", defs, re.M)


def test_updates_and_scans_are_scheduled_and_never_fail_for_want_of_mail(host):
    assert 'APT::Periodic::Unattended-Upgrade "1";' in host.check_output("apt-config dump")
    assert host.run("systemctl is-enabled tripod-rootkit-scan.timer").stdout.strip() == "enabled"
    assert host.run("systemctl is-enabled chkrootkit.timer").stdout.strip() == "disabled"
    assert 'MAILTO=""' in host.file("/etc/chkrootkit/chkrootkit.conf").content_string


def test_the_rollback_was_disarmed(host):
    assert "tripod-hardening-rollback" not in host.check_output("systemctl list-timers --all --no-legend")
    assert host.file("/var/backups/tripod-hardening").mode == 0o700


def test_the_host_is_running_with_no_failed_unit_and_no_compiler_for_other_users(host):
    state = host.run("systemctl is-system-running")
    assert state.stdout.strip() == "running", host.run("systemctl --failed --no-legend --plain").stdout
    assert not host.package("apt-listbugs").is_installed
    names = ["as", "ld", "gcc", "cc", "c++", "x86_64-linux-gnu-as"]
    present = [path for name in names if (path := host.run(f"command -v {name}").stdout.strip())]
    chkrootkit_depends = host.check_output("dpkg-query -W -f='${Depends}' chkrootkit")
    if "binutils" not in chkrootkit_depends:
        # Debian 12: the packages hardening installs come without recommends, so no binutils at all.
        assert present == [], f"a compiler or assembler is installed: {present}"
        assert not host.package("binutils").is_installed
        return
    # Debian 13: chkrootkit (TRP-MAL-001) depends on binutils; TRP-PERM-006 leaves its assembler to root.
    assert "/usr/bin/as" in present and not any(host.package(p).is_installed for p in ("gcc", "clang", "tcc"))
    for path in present:
        real = host.file(host.check_output(f"readlink -f {path}"))
        if path.endswith("/ld"):
            continue  # a linker builds nothing by itself; TRP-PERM-006 restricts assemblers and compilers
        assert (real.user, real.group, real.mode) == ("root", "root", 0o750), real.path
        owner, group, mode = host.check_output(f"dpkg-statoverride --list {real.path}").split()[:3]
        assert (owner, group, int(mode, 8)) == ("root", "root", 0o750), "kept by package upgrades"


def test_fail2ban_watches_sshd_in_the_journal_and_never_bans_loopback(host):
    assert host.service("fail2ban").is_running and host.service("fail2ban").is_enabled
    jail = host.check_output("fail2ban-client status sshd")
    assert "Journal matches:" in jail, jail  # backend systemd: Debian has no /var/log/auth.log without rsyslog
    assert "127.0.0.0/8" in host.check_output("fail2ban-client get sshd ignoreip")  # fail2ban's form of 127.0.0.1/8


def test_activity_and_package_changes_are_recorded_without_prompts(host):
    assert re.search(r'^ENABLED="true"$', host.file("/etc/default/sysstat").content_string, re.M)
    assert host.service("sysstat").is_enabled
    listchanges = host.file("/etc/apt/listchanges.conf").content_string
    assert re.search(r"^frontend=text$", listchanges, re.M) and re.search(r"^confirm=false$", listchanges, re.M)
    assert host.run("apt-show-versions apt").rc == 0
