"""The `hardening` probe of compliance_facts: parsers on real file contents, and the probe on a fake root.

File contents below are as Debian 12 ships them (a fleet container) unless a comment says otherwise.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_hardening_probe as hp  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.modules import compliance_facts as cf  # noqa: E402

COMMON_AUTH = """# here are the per-package modules (the "Primary" block)
auth\trequisite\tpam_faillock.so preauth
auth\t[success=2 default=ignore]\tpam_unix.so nullok try_first_pass
auth\t[default=die]\tpam_faillock.so authfail
auth\trequisite\t\t\tpam_deny.so
auth\trequired\t\t\tpam_permit.so
"""

SUDOERS = """Defaults\tenv_reset
Defaults\tmail_badpass
Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults\tuse_pty
Defaults:alice !authenticate
Defaults logfile = "/var/log/sudo.log", timestamp_timeout=5
root\tALL=(ALL:ALL) ALL
@includedir /etc/sudoers.d
"""

TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   108        0 2 1 0 100 0 0 10 0
   2: 0200000A:0016 0100000A:D2F0 01 00000000:00000000 02:0000B4C1 00000000     0        0 3 2 0 20 4 29 10 -1
"""
TCP6 = """  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000
   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000
"""


def test_key_values_as_login_defs_and_faillock_write_them():
    defs = hp.parse_key_values("# comment\nPASS_MAX_DAYS\t99999\nUMASK\t\t022\n#UMASK 077\nENCRYPT_METHOD SHA512\n")
    assert defs == {"PASS_MAX_DAYS": "99999", "UMASK": "022", "ENCRYPT_METHOD": "SHA512"}
    faillock = hp.parse_key_values("# deny = 3\ndeny = 5\nunlock_time = 900\nsilent\n[section]\n", "=")
    assert faillock == {"deny": "5", "unlock_time": "900", "silent": ""}


def test_pam_modules_in_order():
    modules = hp.parse_pam(COMMON_AUTH + "@include common-password\n-session optional pam_systemd.so\n")
    assert [m["module"] for m in modules] == ["pam_faillock", "pam_unix", "pam_faillock", "pam_deny", "pam_permit",
                                             "common-password", "pam_systemd"]
    assert modules[0]["args"] == "preauth" and modules[2]["type"] == "auth"


def test_sudo_defaults_global_only():
    assert hp.parse_sudo_defaults(SUDOERS) == [
        "env_reset", "mail_badpass", 'secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"',
        "use_pty", 'logfile="/var/log/sudo.log"', "timestamp_timeout=5"]


def test_limits_modprobe_audit_grub_and_capabilities():
    assert hp.parse_limits_core("#*  soft core 0\n*  hard  core  0\n") == "0"
    assert hp.parse_limits_core("@admins hard core unlimited\n") is None
    state = hp.parse_modprobe("install usb_storage /bin/false\nblacklist cramfs\ninstall dccp /bin/true\n",
                              ("usb-storage", "cramfs", "dccp", "sctp"))
    assert state == {"usb-storage": {"disabled": True, "blacklisted": False},
                     "cramfs": {"disabled": False, "blacklisted": True},
                     "dccp": {"disabled": True, "blacklisted": False}}
    watched, syscalls = hp.parse_audit_watches([
        "-w /etc/passwd -p wa -k identity", "-a always,exit -F arch=b64 -S adjtimex,settimeofday -k time",
        "-a always,exit -F path=/usr/bin/sudo -F perm=x -k priv", "-w /etc/sudoers.d/ -p wa -k scope"])
    assert watched == ["/etc/passwd", "/etc/sudoers.d", "/usr/bin/sudo"] and syscalls == ["adjtimex", "settimeofday"]
    assert hp.parse_grub_cmdline(['GRUB_CMDLINE_LINUX=""\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"',
                                  'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX audit=1"']) == "quiet audit=1"
    assert hp.cap_bit("CapEff:\t00000000a80425fb\n", 12) is False  # podman's default set
    assert hp.cap_bit("CapEff:\t00000000a80435fb\n", 12) is True  # with --cap-add=NET_ADMIN
    assert hp.cap_bit("", 12) is None


def test_listening_sockets_from_proc_net():
    found = hp.parse_listening(TCP, "tcp", False) + hp.parse_listening(TCP6, "tcp", True)
    assert found == [{"proto": "tcp", "address": "0.0.0.0", "port": 22},
                     {"proto": "tcp", "address": "127.0.0.1", "port": 5432},
                     {"proto": "tcp", "address": "::", "port": 443},
                     {"proto": "tcp", "address": "::1", "port": 631}]


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    files = {
        "etc/login.defs": "PASS_MAX_DAYS\t99999\nUID_MIN\t1000\nUMASK 022\n",
        "etc/passwd": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
                      "games:x:5:60::/usr/games:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\n"
                      "svc:x:1001:1001::/srv/svc:/usr/sbin/nologin\n",
        "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n",
        "etc/sudoers": SUDOERS,
        "etc/sudoers.d/tripod": "Defaults:tripod !lecture\n",
        "etc/sudoers.d/README.dpkg-old": "Defaults lecture\n",
        "etc/pam.d/common-auth": COMMON_AUTH,
        "etc/security/limits.d/60-tripod.conf": "* hard core 0\n",
        "etc/systemd/journald.conf": "[Journal]\n#Storage=auto\nCompress=yes\n",
        "etc/systemd/journald.conf.d/60.conf": "[Journal]\nStorage=persistent\n",
        "etc/issue": "Debian GNU/Linux 12 \\n \\l\n",
        "etc/modprobe.d/x.conf": "install sctp /bin/false\n",
        "etc/profile.d/tmout.sh": "readonly TMOUT=600\nexport TMOUT\n",
        "etc/apt/apt.conf.d/20auto-upgrades": 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
        "var/lib/dpkg/status": "Package: sudo\nStatus: install ok installed\nVersion: 1.9.13\n\n"
                               "Package: telnet\nStatus: deinstall ok config-files\nVersion: 0.17\n\n"
                               "Package: unrelated\nStatus: install ok installed\nVersion: 1\n",
        "var/log/dpkg.log": "x\n",
        "var/log/private.log": "y\n",
        "proc/self/mountinfo": "22 1 0:21 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw,size=64000k\n"
                               "23 1 0:22 / /tmp rw,relatime - tmpfs tmpfs rw,noexec\n",
        "proc/sys/kernel/randomize_va_space": "2\n",
        "proc/net/tcp": TCP,
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "etc/sudoers").chmod(0o440)
    (tmp_path / "var/log/private.log").chmod(0o640)
    (tmp_path / "var/log/dpkg.log").chmod(0o644)
    (tmp_path / "home/alice").mkdir(parents=True)
    (tmp_path / "home/alice").chmod(0o755)
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/x86_64-linux-gnu-as").write_text("")
    (tmp_path / "usr/bin/x86_64-linux-gnu-as").chmod(0o755)
    os.symlink("x86_64-linux-gnu-as", tmp_path / "usr/bin/as")
    return tmp_path


def test_the_probe_reads_a_fake_root(fake_root):
    errors = []
    section = hp.HardeningProbe(root=str(fake_root), error=lambda p, m: errors.append((p, m)), systemd=False).collect()
    assert errors == []
    assert set(section) == set(hp.empty_section())
    assert section["sysctl"]["kernel.randomize_va_space"] == "2" and section["sysctl"]["kernel.kptr_restrict"] is None
    assert section["config"]["login_defs"]["PASS_MAX_DAYS"] == "99999"
    assert section["config"]["journald"] == {"Compress": "yes", "Storage": "persistent"}
    assert section["config"]["limits_core_hard"] == "0"
    assert section["config"]["auto_upgrades"] == {"Update-Package-Lists": "1", "Unattended-Upgrade": "1"}
    assert section["files"]["/etc/sudoers"]["mode"] == "0440" and section["files"]["/etc/shadow"] is None
    assert "/etc/sudoers.d/tripod" in section["files"]
    assert section["sudo"]["defaults"][-2:] == ['logfile="/var/log/sudo.log"', "timestamp_timeout=5"]
    assert section["packages"] == {"manager": "dpkg", "installed": {"sudo": "1.9.13"}}
    assert section["units"] == {}, "no systemd: no unit states"
    assert section["modprobe"]["sctp"] == {"disabled": True, "blacklisted": False, "loaded": False}
    assert section["banners"]["/etc/issue"].startswith("Debian GNU/Linux 12")
    assert section["accounts"]["system_login_shells"] == [{"user": "games", "uid": 5, "shell": "/bin/sh"}]
    assert section["accounts"]["homes"] == [{"user": "alice", "uid": 1000, "home": "/home/alice", "mode": "0755",
                                             "exists": True}]
    assert section["logs"] == {"world_readable": ["/var/log/dpkg.log"], "truncated": False}
    assert section["shell"] == {"tmout": 600}
    assert section["mounts"]["mounted"]["/dev/shm"] == {"fstype": "tmpfs", "options": ["nodev", "nosuid", "rw", "size=64000k"]}
    assert section["mounts"]["mounted"]["/tmp"]["options"] == ["noexec", "relatime", "rw"]
    assert section["mounts"]["mounted"]["/home"] is None
    assert section["ssh"] == {"config_present": True, "dropin_included": True}
    assert section["compilers"] == [{"name": "as", "path": "/usr/bin/x86_64-linux-gnu-as", "mode": "0755"}]
    assert [s["port"] for s in section["listening"]] == [22, 5432]


def test_a_failing_part_is_an_error_entry_and_the_others_still_report(fake_root, monkeypatch):
    errors = []
    probe = hp.HardeningProbe(root=str(fake_root), error=lambda p, m: errors.append((p, m)), systemd=False)
    monkeypatch.setattr(probe, "pam", lambda: 1 / 0)
    section = probe.collect()
    assert errors == [("hardening.pam", "ZeroDivisionError: division by zero")]
    assert section["pam"] == {} and section["config"]["login_defs"]


def test_compliance_facts_runs_the_probe_and_keeps_the_empty_shape():
    assert "hardening" in cf.ALL_PROBES
    facts = cf.Collector({"probes": ["hardening"], "probe_timeout": 20}).collect()
    assert facts["probes_run"] == ["hardening"]
    assert set(facts["hardening"]) == set(hp.empty_section())
    assert cf.empty_facts()["hardening"] == hp.empty_section()


def test_only_units_with_a_unit_file_are_asked_of_systemd(tmp_path):
    # systemd searches every unit directory for a unit it does not know: most of the catalog's units
    # are absent from a host, so they are reported as not found without asking.
    (tmp_path / "lib/systemd/system").mkdir(parents=True)
    (tmp_path / "lib/systemd/system/ssh.service").write_text("[Unit]\n")
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    os.symlink("/lib/systemd/system/ssh.service", tmp_path / "etc/systemd/system/sshd.service")  # an alias
    (tmp_path / "run/systemd/generator.late").mkdir(parents=True)
    (tmp_path / "run/systemd/generator.late/rsync.service").write_text("[Unit]\n")  # from an init script
    asked = []

    def run(args):
        asked.append(args)
        shown = {"ssh.service": "active\nUnitFileState=enabled", "sshd.service": "active\nUnitFileState=alias",
                 "rsync.service": "inactive\nUnitFileState=generated", "tmp.mount": "active\nUnitFileState="}
        return 0, "\n\n".join(f"Id={u}\nLoadState=loaded\nActiveState={shown[u]}" for u in args[5:]), ""

    units = hp.HardeningProbe(root=str(tmp_path), run=run, systemd=True).units()
    assert asked == [["systemctl", "show", "--no-pager", "--property=Id,LoadState,ActiveState,UnitFileState", "--",
                      "rsync.service", "tmp.mount", "ssh.service", "sshd.service"]]
    assert list(units) == list(hp.UNITS)
    assert units["ssh.service"] == {"found": True, "active": True, "enabled": True, "unit_file_state": "enabled"}
    assert units["tmp.mount"] == {"found": True, "active": True, "enabled": None, "unit_file_state": None}
    assert units["cups.service"] == {"found": False, "active": False, "enabled": False, "unit_file_state": None}
