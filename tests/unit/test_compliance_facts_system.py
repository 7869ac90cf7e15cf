"""Unit tests of tripod.maintenance.compliance_facts, system side: security inputs, services,
capacity, certificates, world-writable files, backups, the end-of-life table and the plumbing.
The package side (os-release, apt, dnf, versions, kernels) is in test_compliance_facts.py.

The command outputs below were recorded on Debian 12 (a podman container of the test fleet and
a Debian 12 VM) unless a comment says otherwise; the dnf samples follow dnf 4's documented
output format (no RHEL-family host can run here).
"""

from __future__ import annotations

import calendar
import datetime
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_eol  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_host  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_system_parsers  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_x509  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.modules import compliance_facts as cf  # noqa: E402

from tests.certificates import make_certificate  # noqa: E402


def epoch(text: str) -> int:
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S"))


# --------------------------------------------------------------------------- security inputs


SSHD_T = """port 22
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
permitrootlogin without-password
passwordauthentication yes
PermitEmptyPasswords no
hostkey /etc/ssh/ssh_host_rsa_key
hostkey /etc/ssh/ssh_host_ed25519_key
subsystem sftp /usr/lib/openssh/sftp-server
"""


def test_sshd_t_lowercases_keys_and_joins_repeats():
    settings = tripod_system_parsers.parse_sshd_t(SSHD_T)
    assert settings["permitrootlogin"] == "without-password"
    assert settings["passwordauthentication"] == "yes"
    assert settings["permitemptypasswords"] == "no"
    assert settings["listenaddress"] == "[::]:22 0.0.0.0:22"
    assert settings["hostkey"] == "/etc/ssh/ssh_host_rsa_key /etc/ssh/ssh_host_ed25519_key"
    assert settings["subsystem"] == "sftp /usr/lib/openssh/sftp-server"
    assert settings["port"] == "22"


def test_accounts_uid0_and_empty_passwords():
    passwd = (
        "root:x:0:0:root:/root:/bin/bash\n"
        "toor:x:0:0:backdoor:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "legacy::1001:1001::/home/legacy:/bin/sh\n"
    )
    shadow = (
        "root:$y$j9T$abc$def:19000:0:99999:7:::\n"
        "toor::19000:0:99999:7:::\n"
        "daemon:*:19000:0:99999:7:::\n"
        "locked:!:19000:0:99999:7:::\n"
        "tripod:*:19000:0:99999:7:::\n"
    )
    assert tripod_system_parsers.parse_passwd_uid0(passwd) == ["toor"]
    assert tripod_system_parsers.parse_empty_passwords(shadow, passwd) == ["legacy", "toor"]


def test_sudoers_follows_includes_like_sudo(tmp_path):
    sudoers_d = tmp_path / "sudoers.d"
    sudoers_d.mkdir()
    (tmp_path / "sudoers").write_text(
        "# /etc/sudoers\n"
        "Defaults\tenv_reset\n"
        "root\tALL=(ALL:ALL) ALL\n"
        "%sudo\tALL=(ALL:ALL) ALL\n"
        "# deploy ALL=(ALL) NOPASSWD: ALL   <- a comment, not a rule\n"
        "#1001 ALL=(ALL) NOPASSWD: /usr/bin/apt-get\n"
        "@includedir " + str(sudoers_d) + "\n"
        "#include extra\n"
    )
    (tmp_path / "extra").write_text("Defaults:backup !authenticate\n")
    (sudoers_d / "tripod").write_text("tripod ALL=(ALL:ALL) NOPASSWD: ALL\n")
    (sudoers_d / "ops").write_text("ops ALL=(root) /usr/bin/systemctl restart nginx, \\\n    NOPASSWD: /usr/bin/journalctl\n")
    (sudoers_d / "README.txt").write_text("ignored ALL=(ALL) NOPASSWD: ALL\n")  # contains a '.': sudo skips it
    (sudoers_d / "old~").write_text("ignored ALL=(ALL) NOPASSWD: ALL\n")  # ends in '~': sudo skips it
    entries, unreadable = tripod_system_parsers.sudoers_nopasswd(str(tmp_path / "sudoers"))
    assert unreadable == []
    assert entries == [
        {"file": str(tmp_path / "sudoers"), "line": "#1001 ALL=(ALL) NOPASSWD: /usr/bin/apt-get"},
        {"file": str(sudoers_d / "ops"),
         "line": "ops ALL=(root) /usr/bin/systemctl restart nginx, NOPASSWD: /usr/bin/journalctl"},
        {"file": str(sudoers_d / "tripod"), "line": "tripod ALL=(ALL:ALL) NOPASSWD: ALL"},
        {"file": str(tmp_path / "extra"), "line": "Defaults:backup !authenticate"},
    ]


def test_sudoers_unreadable_include_is_reported(tmp_path):
    (tmp_path / "sudoers").write_text("@include " + str(tmp_path / "missing") + "\n")
    entries, unreadable = tripod_system_parsers.sudoers_nopasswd(str(tmp_path / "sudoers"))
    assert entries == []
    assert len(unreadable) == 1 and unreadable[0].startswith(str(tmp_path / "missing"))


NFT_PODMAN_HOST = """table ip nat {
	chain POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		counter packets 9 bytes 520 jump NETAVARK-HOSTPORT-MASQ
	}
}
table ip filter {
	chain INPUT {
		type filter hook input priority filter; policy accept;
	}
	chain FORWARD {
		type filter hook forward priority filter; policy accept;
		ct state related,established counter accept
	}
}
"""

NFT_DEBIAN_DEFAULT_DROP = """table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
	}
}
"""

NFT_INPUT_RULES = """table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
		iif "lo" accept
		tcp dport 22 accept
		counter drop
	}
}
"""


def test_nft_input_filtering():
    assert tripod_system_parsers.nft_input_filtering(NFT_PODMAN_HOST) is False
    assert tripod_system_parsers.nft_input_filtering("") is False
    assert tripod_system_parsers.nft_input_filtering(NFT_DEBIAN_DEFAULT_DROP) is True
    assert tripod_system_parsers.nft_input_filtering(NFT_INPUT_RULES) is True


def test_iptables_input_filtering():
    assert tripod_system_parsers.iptables_input_filtering("-P INPUT ACCEPT\n") is False
    assert tripod_system_parsers.iptables_input_filtering("-P INPUT DROP\n") is True
    assert tripod_system_parsers.iptables_input_filtering("-P INPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n") is True


# --------------------------------------------------------------------------- services


SYSTEMCTL_SHOW = """Id=ssh.service
LoadState=loaded
ActiveState=active
SubState=running
UnitFileState=enabled

Id=cron.service
LoadState=not-found
ActiveState=inactive
SubState=dead
UnitFileState=

Id=apt-daily-upgrade.timer
LoadState=loaded
ActiveState=active
SubState=waiting
UnitFileState=enabled

Id=postgresql.service
LoadState=loaded
ActiveState=failed
SubState=failed
UnitFileState=disabled
"""


def test_systemctl_show_blocks_map_to_the_names_given():
    units = tripod_system_parsers.parse_systemctl_show(SYSTEMCTL_SHOW, ["ssh", "cron", "apt-daily-upgrade.timer", "postgresql"])
    assert tripod_system_parsers.unit_facts(units["ssh"]) == {
        "active": True, "enabled": True, "state": "active", "unit_file_state": "enabled", "found": True,
    }
    assert tripod_system_parsers.unit_facts(units["cron"]) == {
        "active": False, "enabled": None, "state": "inactive", "unit_file_state": None, "found": False,
    }
    assert tripod_system_parsers.unit_facts(units["postgresql"])["active"] is False
    assert tripod_system_parsers.unit_facts(units["postgresql"])["enabled"] is False
    assert tripod_system_parsers.unit_facts(units["postgresql"])["state"] == "failed"


def test_failed_units():
    text = "postgresql@15-main.service loaded failed failed PostgreSQL Cluster 15-main\n\u25cf x.timer loaded failed failed X\n"
    assert tripod_system_parsers.parse_failed_units(text) == ["postgresql@15-main.service", "x.timer"]
    assert tripod_system_parsers.parse_failed_units("") == []


# --------------------------------------------------------------------------- capacity


# /proc/self/mountinfo of a fleet container started with --tmpfs /mnt/full:size=10m
MOUNTINFO = r"""169 109 0:72 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/containers/storage/overlay/l/X
170 169 0:75 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
171 169 0:76 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
172 169 0:77 / /dev rw,nosuid,noexec - tmpfs tmpfs rw,size=65536k,mode=755
174 169 0:78 / /tmp rw,nosuid,nodev,relatime - tmpfs tmpfs rw
175 169 0:79 / /run rw,nosuid,nodev,relatime - tmpfs tmpfs rw
173 172 0:74 / /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue mqueue rw
176 172 0:71 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=64000k
177 175 254:0 /run/containers/storage/overlay-containers/abc/userdata/.containerenv /run/.containerenv rw,relatime - ext4 /dev/vda rw
178 169 254:0 /run/containers/storage/overlay-containers/abc/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw
180 169 254:0 /run/containers/storage/overlay-containers/abc/userdata/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw
182 169 0:80 / /mnt/full rw,nosuid,nodev,relatime - tmpfs tmpfs rw,size=10240k
183 175 0:81 / /run/lock rw,nosuid,nodev,relatime - tmpfs tmpfs rw
181 172 0:82 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666
184 170 0:83 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755
185 184 0:29 /libpod_parent/libpod-abc /sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu
195 169 0:84 / /var/log/journal rw,nosuid,nodev,relatime - tmpfs tmpfs rw
114 171 0:85 / /proc/acpi ro,relatime - tmpfs tmpfs ro
115 171 0:77 /null /proc/keys rw,nosuid,noexec - tmpfs tmpfs rw,size=65536k,mode=755
200 169 254:1 / /srv/My\040Data rw,relatime - ext4 /dev/vdb rw
201 169 254:1 /sub /srv/bind rw,relatime - ext4 /dev/vdb rw
202 169 7:0 / /snap/core/1 ro,relatime - squashfs /dev/loop0 ro
203 169 0:90 / /mnt/nfs rw,relatime - nfs4 server:/export rw
204 169 0:91 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay rw
205 175 0:92 / /run/user/1000 rw,nosuid,nodev,relatime - tmpfs tmpfs rw
"""


def test_capacity_rule_selects_real_filesystems_once():
    mounts = tripod_system_parsers.parse_mountinfo(MOUNTINFO)
    assert mounts[0] == {"mount": "/", "devno": "0:72", "options": "rw,relatime", "fstype": "overlay", "device": "overlay"}
    selected = [m["mount"] for m in tripod_system_parsers.select_filesystems(mounts)]
    assert selected == [
        "/", "/tmp", "/run", "/dev/shm", "/run/.containerenv", "/mnt/full", "/var/log/journal",
        "/srv/My Data", "/mnt/nfs",
    ]
    # /etc/hostname and /etc/hosts are further bind mounts of /dev/vda (254:0): listed once, and the
    # probe drops /run/.containerenv because it is a file. /srv/bind is a bind mount of /srv/My Data.


def test_capacity_rule_over_mounted_mount_point_counts_once():
    text = (
        "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw\n"
        "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
        "30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"
    )
    selected = tripod_system_parsers.select_filesystems(tripod_system_parsers.parse_mountinfo(text))
    assert [(m["mount"], m["devno"]) for m in selected] == [("/", "254:0"), ("/dev/shm", "0:27")]


def test_statvfs_facts_like_df():
    st = os.statvfs_result((4096, 4096, 1000, 100, 50, 500, 100, 100, 0, 255, 0))
    # f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, f_flag, f_namemax, f_fsid
    fs = tripod_system_parsers.statvfs_facts({"mount": "/x", "device": "/dev/x", "fstype": "ext4"}, st)
    assert fs["size_bytes"] == 1000 * 4096
    assert fs["used_bytes"] == 900 * 4096
    assert fs["free_bytes"] == 50 * 4096
    assert fs["used_percent"] == round(100.0 * 900 / 950, 1)
    assert (fs["inodes_total"], fs["inodes_used"], fs["inodes_percent"]) == (500, 400, 80.0)
    st = os.statvfs_result((4096, 4096, 1000, 100, 50, 0, 0, 0, 0, 255, 0))
    assert tripod_system_parsers.statvfs_facts({"mount": "/b", "device": "d", "fstype": "btrfs"}, st)["inodes_total"] is None


# --------------------------------------------------------------------------- certificates


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


@needs_openssl
def test_expired_certificate_parsed_without_openssl(tmp_path):
    cert = make_certificate(tmp_path, "/C=DE/O=Tripod Test/CN=expired.example", "20200101000000Z", "20200201000000Z")
    parsed = tripod_x509.parse_der_certificate(tripod_x509.first_certificate_der(cert.read_bytes(), str(cert)))
    assert parsed["not_after"] == epoch("2020-02-01 00:00:00")
    assert parsed["not_before"] == epoch("2020-01-01 00:00:00")
    assert parsed["subject"] == "C=DE, O=Tripod Test, CN=expired.example"
    # the pure-Python parse agrees with openssl
    out = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-subject", "-in", str(cert)],
                         check=True, capture_output=True, text=True).stdout
    assert tripod_x509.parse_openssl_x509(out) == {"subject": parsed["subject"], "not_after": parsed["not_after"]}


@needs_openssl
def test_generalized_time_after_2049_and_der_files(tmp_path):
    cert = make_certificate(tmp_path, "/CN=far.example", "20240101000000Z", "20600101120000Z")
    der = tmp_path / "far.der"
    subprocess.run(["openssl", "x509", "-in", str(cert), "-outform", "DER", "-out", str(der)], check=True)
    parsed = tripod_x509.parse_der_certificate(tripod_x509.first_certificate_der(der.read_bytes(), str(der)))
    assert parsed["not_after"] == epoch("2060-01-01 12:00:00")
    assert parsed["subject"] == "CN=far.example"


@needs_openssl
def test_certificate_probe_reports_days_left_and_errors(tmp_path):
    certs = tmp_path / "certs"
    certs.mkdir()
    expired = make_certificate(tmp_path, "/CN=expired.example", "20200101000000Z", "20200201000000Z", "expired.pem")
    shutil.copy(expired, certs / "site.crt")
    # a chain file: only the first (leaf) certificate counts
    (certs / "chain.pem").write_bytes(expired.read_bytes() + expired.read_bytes())
    (certs / "key.pem").write_bytes((tmp_path / "key.pem").read_bytes())  # a key, not a certificate: skipped
    (certs / "notes.txt").write_text("hello")
    (tmp_path / "junk.pem").write_text("not a certificate")
    collector = cf.Collector({"certificate_paths": [str(certs), str(tmp_path / "junk.pem"), str(tmp_path / "missing.pem")]})
    result = collector.probe_certificates()["certificates"]
    assert [c["path"] for c in result] == [str(certs / "chain.pem"), str(certs / "site.crt")]
    now = time.time()
    for cert in result:
        assert cert["not_after"] == "2020-02-01T00:00:00Z"
        assert cert["subject"] == "CN=expired.example"
        assert cert["days_left"] == int((epoch("2020-02-01 00:00:00") - now) // 86400)
        assert cert["days_left"] < -300
    messages = sorted(e["message"] for e in collector.errors)
    assert messages == [str(tmp_path / "junk.pem") + ": no certificate found", str(tmp_path / "missing.pem") + ": not found"]


def test_der_parser_rejects_garbage():
    with pytest.raises(ValueError):
        tripod_x509.parse_der_certificate(b"\x30\x82\xff\xff\x00")
    with pytest.raises(ValueError):
        tripod_x509.parse_der_certificate(b"\x04\x01\x00")
    assert tripod_x509.first_certificate_der(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "k.pem") is None


# --------------------------------------------------------------------------- world-writable, backups


def test_world_writable_search(tmp_path):
    (tmp_path / "ok.conf").write_text("")
    bad = tmp_path / "bad.conf"
    bad.write_text("")
    bad.chmod(0o666)
    sticky = tmp_path / "spool"
    sticky.mkdir()
    sticky.chmod(0o1777)
    open_dir = tmp_path / "drop"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    nested = open_dir / "deep.sh"
    nested.write_text("")
    nested.chmod(0o757)
    (tmp_path / "link").symlink_to(bad)  # symlinks are always 777: never reported
    files, truncated = cf.find_world_writable([str(tmp_path), str(tmp_path / "missing")], 100, time.time() + 10)
    assert files == sorted([str(bad), str(open_dir), str(nested)])
    assert truncated is False
    files, truncated = cf.find_world_writable([str(tmp_path)], 2, time.time() + 10)
    assert len(files) == 2 and truncated is True
    files, truncated = cf.find_world_writable([str(tmp_path)], 100, time.time() - 1)
    assert truncated is True


def test_backup_markers(tmp_path):
    fresh = tmp_path / "nightly.done"
    fresh.write_text("")
    stale = tmp_path / "weekly.done"
    stale.write_text("")
    three_days_ago = time.time() - 3 * 86400
    os.utime(stale, (three_days_ago, three_days_ago))
    for i, age in enumerate((10, 5)):
        path = tmp_path / f"dump-{i}.tar"
        path.write_text("")
        os.utime(path, (time.time() - age * 3600, time.time() - age * 3600))
    collector = cf.Collector({"backup_markers": [str(fresh), str(stale), str(tmp_path / "none"), str(tmp_path / "dump-*.tar")]})
    backups = {b["path"]: b for b in collector.probe_backups()["backups"]}
    assert backups[str(fresh)]["exists"] is True and backups[str(fresh)]["age_hours"] < 0.1
    assert backups[str(stale)]["age_hours"] == pytest.approx(72, abs=0.05)
    assert backups[str(stale)]["modified"] == tripod_host.iso_utc(three_days_ago)
    assert backups[str(tmp_path / "none")] == {"path": str(tmp_path / "none"), "exists": False, "modified": None, "age_hours": None}
    assert backups[str(tmp_path / "dump-*.tar")]["age_hours"] == pytest.approx(5, abs=0.05)  # the newest match


# --------------------------------------------------------------------------- lifecycle table


def test_eol_table_uses_debian_lts_and_ubuntu_standard_support():
    today = datetime.date(2026, 11, 27)
    assert tripod_eol.lookup("debian", "12", today=today) == {
        "product": "debian", "version": "12", "eol_date": "2028-06-30", "days_left": 581, "source": "tripod",
    }
    assert tripod_eol.lookup("debian", "10", today=today)["days_left"] < 0
    assert tripod_eol.lookup("ubuntu", "24.04", today=today)["eol_date"] == "2029-05-31"
    assert tripod_eol.lookup("ubuntu", "24.10", today=today)["eol_date"] == "2025-07-10"
    assert tripod_eol.lookup("rocky", "9.4", today=today)["eol_date"] == "2032-05-31"
    assert tripod_eol.lookup("rocky", "9.4", today=today)["version"] == "9"
    assert tripod_eol.lookup("almalinux", "8.10", today=today)["eol_date"] == "2029-03-01"
    assert tripod_eol.lookup("rhel", "10.0", today=today)["eol_date"] == "2035-05-31"
    assert tripod_eol.lookup("debian", "13", today=today)["eol_date"] == "2030-06-30"


def test_eol_unknown_release_and_distro_info_fallback(tmp_path):
    today = datetime.date(2026, 11, 27)
    unknown = tripod_eol.lookup("debian", "", today=today, distro_info_dir=str(tmp_path))
    assert unknown == {"product": "debian", "version": None, "eol_date": None, "days_left": None, "source": None}
    assert tripod_eol.lookup("arch", "rolling", today=today)["eol_date"] is None
    (tmp_path / "ubuntu.csv").write_text(
        "version,codename,series,created,release,eol,eol-server,eol-esm\n"
        "26.10,Future Fox,future,2026-04-23,2026-10-15,2027-07-15\n"
    )
    found = tripod_eol.lookup("ubuntu", "26.10", today=today, distro_info_dir=str(tmp_path))
    assert found["eol_date"] == "2027-07-15"
    assert found["source"] == "distro-info"


def test_every_table_date_is_a_real_date():
    for product, versions in tripod_eol.EOL_TABLE.items():
        for version, date in versions.items():
            datetime.date.fromisoformat(date)


# --------------------------------------------------------------------------- plumbing


def test_run_cmd_time_bound():
    started = time.monotonic()
    with pytest.raises(tripod_host.ProbeError, match="timed out"):
        tripod_host.run_cmd(["sleep", "10"], timeout=0.5)
    assert time.monotonic() - started < 3
    with pytest.raises(tripod_host.ProbeError, match="command not found"):
        tripod_host.run_cmd(["tripod-no-such-command"], timeout=1)
    with pytest.raises(tripod_host.ProbeError, match="exited 3"):
        tripod_host.run_cmd(["sh", "-c", "echo boom >&2; exit 3"], timeout=5)
    assert tripod_host.run_cmd(["sh", "-c", "echo $LC_ALL"], timeout=5)[1].strip() == "C"


def test_a_stuck_probe_becomes_an_error_and_the_rest_still_return(monkeypatch):
    def stuck(self):
        time.sleep(30)

    def broken(self):
        raise RuntimeError("kaput")

    monkeypatch.setattr(cf.Collector, "probe_backups", stuck)
    monkeypatch.setattr(cf.Collector, "probe_auditd", broken)
    collector = cf.Collector({"probe_timeout": 1, "probes": ["backups", "auditd", "lifecycle", "capacity"]})
    started = time.monotonic()
    facts = collector.collect()
    assert time.monotonic() - started < 4
    errors = {e["probe"]: e["message"] for e in facts["errors"]}
    assert errors["backups"].startswith("did not finish within 1.0 s")
    assert errors["security.auditd"] == "RuntimeError: kaput"
    assert facts["backups"] == []
    assert facts["security"]["auditd"] == {"installed": None, "running": None}
    assert facts["capacity"]["memory"]["total_bytes"] > 0
    assert facts["probes_run"] == ["lifecycle", "capacity", "auditd", "backups"]
    assert facts["patches"]["security_count"] is None  # not run: not assessed, not 0


def test_deep_merge_merges_dicts_and_replaces_lists():
    target = {"security": {"ssh": {"settings": {}}, "sudo": {"nopasswd": []}}, "errors": []}
    cf.deep_merge(target, {"security": {"ssh": {"installed": True, "settings": {"port": "22"}}}})
    assert target == {"security": {"ssh": {"installed": True, "settings": {"port": "22"}}, "sudo": {"nopasswd": []}},
                      "errors": []}


def test_probe_selection():
    assert cf.Collector({"probes": []}).collect()["probes_run"] == []
    assert [name for name, _func in cf.Collector({"probes": ["patches"]}).tasks()] == [
        "patches.pending", "patches.held", "patches.lists", "patches.last_upgrade", "patches.reboot", "patches.restart",
    ]
    assert cf.Collector({}).selected_probes() == cf.ALL_PROBES


def test_unit_files_and_units_asked_for(tmp_path, monkeypatch):
    (tmp_path / "ssh.service").write_text("[Service]\n")
    (tmp_path / "chronyd.service").symlink_to(tmp_path / "chrony.service")  # an alias link, target missing
    assert tripod_host.unit_file_exists("ssh.service", dirs=(str(tmp_path), str(tmp_path / "none")))
    assert tripod_host.unit_file_exists("chronyd.service", dirs=(str(tmp_path),))
    assert not tripod_host.unit_file_exists("auditd.service", dirs=(str(tmp_path),))

    calls = []

    def fake_cmd(self, args, ok_rcs=(0,)):
        calls.append(args)
        names = args[args.index("--") + 1:]
        return 0, "\n\n".join("Id=%s\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled" % n for n in names), ""

    monkeypatch.setattr(cf.Collector, "cmd", fake_cmd)
    monkeypatch.setattr(cf, "unit_file_exists", lambda name, dirs=None: name == "auditd.service")
    collector = cf.Collector({"services": ["ssh"]})
    collector.systemd = True
    units = collector.unit_states()
    assert calls == [["systemctl", "show", "--no-pager", "--property=Id,LoadState,ActiveState,SubState,UnitFileState",
                      "--", "ssh", "auditd.service"]]
    assert collector.unit_active("auditd.service") and collector.unit_active("ssh")
    assert not collector.unit_active("firewalld.service")
    assert units is collector.unit_states() and len(calls) == 1  # asked once, shared by every probe
    monkeypatch.setattr(cf, "unit_file_exists", lambda name, dirs=None: False)
    lonely = cf.Collector({})
    lonely.systemd = True
    assert lonely.unit_states() == {} and len(calls) == 1  # nothing to ask: no systemctl call at all
