"""Unit tests of tripod.maintenance.compliance_facts, package side: os-release, meminfo, apt, the last
upgrade, versions and kernels, dnf. The system side is in test_compliance_facts_system.py.

The command outputs below were recorded on Debian 12 (a podman container of the test fleet and
a Debian 12 VM) unless a comment says otherwise; the dnf samples follow dnf 4's documented
output format (no RHEL-family host can run here).
"""

from __future__ import annotations

import calendar
import gzip
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_host  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_package_parsers  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_patch_probes  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_system_parsers  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_versions  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.modules import compliance_facts as cf  # noqa: E402


@pytest.fixture
def utc_local_time(monkeypatch):
    """Make local time UTC, so log timestamps (local time) convert predictably."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def epoch(text: str) -> int:
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S"))


# --------------------------------------------------------------------------- os-release, meminfo


DEBIAN_OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"""

UBUNTU_OS_RELEASE = """PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=noble
"""

ROCKY_OS_RELEASE = """NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
# a comment
PRETTY_NAME='Rocky Linux 9.4 (Blue Onyx)'
ESCAPED="say \\"hi\\""
"""


def test_os_release_debian():
    osr = tripod_system_parsers.parse_os_release(DEBIAN_OS_RELEASE)
    assert osr["ID"] == "debian"
    assert osr["VERSION_ID"] == "12"
    assert osr["VERSION_CODENAME"] == "bookworm"
    assert osr["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)"


def test_os_release_quotes_comments_and_escapes():
    osr = tripod_system_parsers.parse_os_release(ROCKY_OS_RELEASE)
    assert osr["ID"] == "rocky"
    assert osr["VERSION_ID"] == "9.4"
    assert osr["PRETTY_NAME"] == "Rocky Linux 9.4 (Blue Onyx)"
    assert osr["ESCAPED"] == 'say "hi"'
    assert "# a comment" not in osr


def test_os_release_ubuntu_codename():
    osr = tripod_system_parsers.parse_os_release(UBUNTU_OS_RELEASE)
    assert (osr["ID"], osr["VERSION_ID"], osr["UBUNTU_CODENAME"]) == ("ubuntu", "24.04", "noble")


MEMINFO = """MemTotal:       24684092 kB
MemFree:        21327424 kB
MemAvailable:   23726300 kB
Buffers:          105528 kB
Cached:          2469756 kB
SwapCached:            0 kB
SwapTotal:       2097148 kB
SwapFree:        1572860 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
"""


def test_meminfo_parses_kb_to_bytes_and_plain_counts():
    info = tripod_system_parsers.parse_meminfo(MEMINFO)
    assert info["MemTotal"] == 24684092 * 1024
    assert info["HugePages_Total"] == 0
    memory, swap = tripod_system_parsers.memory_facts(info)
    assert memory == {
        "total_bytes": 24684092 * 1024,
        "available_bytes": 23726300 * 1024,
        "used_percent": round(100.0 * (24684092 - 23726300) / 24684092, 1),
    }
    assert swap["total_bytes"] == 2097148 * 1024
    assert swap["free_bytes"] == 1572860 * 1024
    assert swap["used_percent"] == 25.0


def test_meminfo_without_memavailable_or_swap():
    info = tripod_system_parsers.parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n")
    memory, swap = tripod_system_parsers.memory_facts(info)
    assert memory["available_bytes"] == 400 * 1024
    assert memory["used_percent"] == 60.0
    assert swap == {"total_bytes": 0, "free_bytes": 0, "used_percent": 0.0}


# --------------------------------------------------------------------------- apt


# `apt-cache policy apt tzdata adduser libc6 bash` on a Debian 12 container after apt-get update
# (bash's section is from a host with bookworm-updates; libc6 shows an installed version newer
# than the security one).
APT_POLICY = """apt:
  Installed: 2.6.1
  Candidate: 2.6.2
  Version table:
     2.6.2 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 2.6.1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
tzdata:
  Installed: 2026b-0+deb12u1
  Candidate: 2026f-0+deb12u1
  Version table:
     2026f-0+deb12u1 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 2026b-0+deb12u1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
adduser:
  Installed: 3.134
  Candidate: 3.134
  Version table:
 *** 3.134 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
libc6:
  Installed: 2.36-9+deb12u14
  Candidate: 2.36-9+deb12u14
  Version table:
 *** 2.36-9+deb12u14 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
     2.36-9+deb12u7 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
bash:
  Installed: 5.2.15-2+b8
  Candidate: 5.2.15-2+b13
  Version table:
     5.2.15-2+b13 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        500 http://deb.debian.org/debian bookworm-updates/main amd64 Packages
 *** 5.2.15-2+b8 100
        100 /var/lib/dpkg/status
localpkg:
  Installed: 1.0
  Candidate: (none)
  Version table:
 *** 1.0 100
        100 /var/lib/dpkg/status
"""

# Ubuntu: same version in -updates and -security counts as security; phased updates are marked.
UBUNTU_POLICY = """openssl:
  Installed: 3.0.2-0ubuntu1.15
  Candidate: 3.0.2-0ubuntu1.18
  Version table:
     3.0.2-0ubuntu1.18 500 (phased 20%)
        500 http://archive.ubuntu.com/ubuntu jammy-updates/main amd64 Packages
        500 http://security.ubuntu.com/ubuntu jammy-security/main amd64 Packages
 *** 3.0.2-0ubuntu1.15 100
        100 /var/lib/dpkg/status
"""


def test_apt_policy_candidates_and_sources():
    policy = tripod_package_parsers.parse_apt_policy(APT_POLICY)
    assert policy["apt"] == {"installed": "2.6.1", "candidate": "2.6.2", "sources": ["bookworm-security/main"]}
    assert policy["adduser"]["sources"] == ["bookworm/main"]
    assert policy["bash"]["sources"] == ["bookworm/main", "bookworm-updates/main"]
    assert policy["localpkg"] == {"installed": "1.0", "candidate": None, "sources": []}


def test_apt_pending_splits_security_and_other_and_marks_holds():
    pending = tripod_package_parsers.apt_pending(tripod_package_parsers.parse_apt_policy(APT_POLICY), held=["tzdata"])
    by_name = {p["name"]: p for p in pending}
    # adduser and libc6 are current (libc6's installed version is newer than the security one);
    # localpkg has no candidate at all.
    assert sorted(by_name) == ["apt", "bash", "tzdata"]
    assert by_name["apt"] == {
        "name": "apt", "installed": "2.6.1", "candidate": "2.6.2", "origin": "bookworm-security/main",
        "security": True, "held": False, "kb": None, "severity": None,
    }
    assert by_name["tzdata"]["security"] is True
    assert by_name["tzdata"]["held"] is True
    assert by_name["bash"]["security"] is False
    assert by_name["bash"]["origin"] == "bookworm/main, bookworm-updates/main"


def test_apt_pending_ubuntu_security_pocket():
    pending = tripod_package_parsers.apt_pending(tripod_package_parsers.parse_apt_policy(UBUNTU_POLICY))
    assert len(pending) == 1
    assert pending[0]["security"] is True
    assert pending[0]["candidate"] == "3.0.2-0ubuntu1.18"
    assert pending[0]["origin"] == "jammy-updates/main, jammy-security/main"


def test_security_suite_names():
    assert tripod_package_parsers.is_security_suite(["bookworm-security/main"])
    assert tripod_package_parsers.is_security_suite(["noble-security/universe"])
    assert tripod_package_parsers.is_security_suite(["buster/updates/main"])  # Debian 10's security suite name
    assert not tripod_package_parsers.is_security_suite(["bookworm-updates/main", "bookworm/main"])
    assert not tripod_package_parsers.is_security_suite(["./"])


DPKG_STATUS = """Package: dpkg
Status: install ok installed
Priority: required
Architecture: amd64
Version: 1.21.22
Description: Debian package management system
 dpkg is the package manager.
 Status: hold ok installed

Package: tzdata
Status: hold ok installed
Architecture: all
Version: 2026b-0+deb12u1

Package: libc6
Status: install ok installed
Architecture: i386
Multi-Arch: same
Version: 2.36-9+deb12u14

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b8"""


def test_dpkg_status_installed_packages_holds_and_apt_names():
    packages = tripod_package_parsers.parse_dpkg_status(DPKG_STATUS)
    assert [p["name"] for p in packages] == ["dpkg", "tzdata", "libc6", "bash"]
    assert tripod_package_parsers.parse_dpkg_holds(DPKG_STATUS) == ["tzdata"]
    assert tripod_package_parsers.native_architecture(packages) == "amd64"
    assert tripod_package_parsers.apt_names(packages, "amd64") == ["dpkg", "tzdata", "libc6:i386", "bash"]


def test_apt_cache_options_never_let_apt_rewrite_its_caches(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    status = tmp_path / "status"

    def age(path, seconds):
        path.write_text("")
        os.utime(path, (time.time() - seconds, time.time() - seconds))

    age(lists / "x_Packages", 400)
    age(status, 300)
    age(cache / "srcpkgcache.bin", 200)
    age(cache / "pkgcache.bin", 100)
    options = dict(cache_dir=str(cache), lists=str(lists), status=(str(status),), sources=(), sources_dir=str(tmp_path / "none"))
    assert tripod_package_parsers.apt_cache_options(**options) == []  # both caches current: use them
    age(status, 50)  # dpkg ran after the cache was built (an upgrade): build pkgcache in memory
    assert tripod_package_parsers.apt_cache_options(**options) == ["-o", "Dir::Cache::pkgcache="]
    age(lists / "x_Packages", 10)  # new lists without a rebuilt cache: build everything in memory
    assert tripod_package_parsers.apt_cache_options(**options) == ["-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="]
    (cache / "srcpkgcache.bin").unlink()
    (cache / "pkgcache.bin").unlink()
    assert tripod_package_parsers.apt_cache_options(**options) == ["-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="]


def test_apt_policy_keeps_apts_binary_cache_in_tripods_own_private_directory(tmp_path):
    names = ["dpkg", "tzdata", "libc6:i386"]
    cache = tmp_path / "tripod" / "apt"
    in_memory = ["apt-cache"] + tripod_package_parsers.apt_cache_options() + ["policy", "--"] + names
    assert tripod_patch_probes.apt_policy_command(names, str(cache), as_root=False) == in_memory
    assert not cache.parent.exists(), "without root nothing is created"

    command = tripod_patch_probes.apt_policy_command(names, str(cache), as_root=True)
    assert command == ["apt-cache", "-o", f"Dir::Cache::pkgcache={cache}/pkgcache.bin", "-o", "Dir::Cache::srcpkgcache=",
                       "policy", "--", *names], "apt's own caches (/var/cache/apt) are never named, so never written"
    assert [stat.S_IMODE(path.stat().st_mode) for path in (cache.parent, cache)] == [0o700, 0o700]
    assert tripod_patch_probes.apt_policy_command(names, str(cache), as_root=True) == command, "and reused"

    cache.parent.chmod(0o777)  # anyone could plant a cache there: apt builds in memory instead
    assert tripod_patch_probes.apt_policy_command(names, str(cache), as_root=True) == in_memory
    cache.parent.chmod(0o700)
    cache.rmdir()
    cache.symlink_to(tmp_path)
    assert tripod_patch_probes.apt_policy_command(names, str(cache), as_root=True) == in_memory


# --------------------------------------------------------------------------- last upgrade


APT_HISTORY = """
Start-Date: 2026-05-20  16:49:20
Commandline: apt-get install -y nodejs
Install: nodejs:amd64 (20.20.2-1nodesource1)
End-Date: 2026-05-20  16:49:21

Start-Date: 2026-06-01  03:00:01
Commandline: /usr/bin/unattended-upgrade
Upgrade: libssl3:amd64 (3.0.15-1~deb12u1, 3.0.16-1~deb12u1), openssl:amd64 (3.0.15-1~deb12u1, 3.0.16-1~deb12u1)
End-Date: 2026-06-01  03:00:09

Start-Date: 2026-07-01  03:00:01
Commandline: apt-get dist-upgrade -y
Upgrade: bash:amd64 (5.2.15-2+b7, 5.2.15-2+b8)
Error: Sub-process /usr/bin/dpkg returned an error code (1)
End-Date: 2026-07-01  03:00:05

Start-Date: 2026-08-02  10:00:00
Commandline: apt-get install -y curl
Install: curl:amd64 (7.88.1-10+deb12u5)
End-Date: 2026-08-02  10:00:03
"""


def test_apt_history_newest_successful_upgrade(utc_local_time):
    # the failed run (Error:) and the install-only runs do not count
    assert tripod_package_parsers.parse_apt_history(APT_HISTORY) == epoch("2026-06-01 03:00:09")
    assert tripod_package_parsers.parse_apt_history("Start-Date: 2026-05-20  16:49:20\nInstall: x (1)\nEnd-Date: 2026-05-20  16:49:21\n") is None


def test_apt_history_is_local_time(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        # 03:00:09 in Berlin in June (CEST, UTC+2) is 01:00:09 UTC
        assert tripod_host.iso_utc(tripod_package_parsers.parse_apt_history(APT_HISTORY)) == "2026-06-01T01:00:09Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_dpkg_log_newest_upgrade(utc_local_time):
    text = (
        "2026-11-27 23:04:10 install libnet1:amd64 <none> 1.1.6+dfsg-3.2\n"
        "2026-11-27 23:04:12 upgrade passwd:amd64 1:4.13+dfsg1-1+deb12u1 1:4.13+dfsg1-1+deb12u2\n"
        "2026-11-27 23:04:13 status installed passwd:amd64 1:4.13+dfsg1-1+deb12u2\n"
        "2026-11-28 08:00:00 install foo:amd64 <none> 1\n"
    )
    assert tripod_package_parsers.parse_dpkg_log(text) == epoch("2026-11-27 23:04:12")
    assert tripod_package_parsers.parse_dpkg_log("2026-11-27 23:04:10 install libnet1:amd64 <none> 1\n") is None


def test_dpkg_log_same_version_reunpacks_are_not_patches(utc_local_time):
    """debootstrap and reinstalls write `upgrade PKG V V`: a host with only those was never patched."""
    reunpacks = (
        "2026-11-27 23:04:10 install libc6:amd64 <none> 2.36-9+deb12u13\n"
        "2026-11-27 23:04:11 upgrade libc6:amd64 2.36-9+deb12u13 2.36-9+deb12u13\n"
        "2026-11-27 23:04:12 upgrade base-files:amd64 12.4+deb12u13 12.4+deb12u13\n"
    )
    assert tripod_package_parsers.parse_dpkg_log(reunpacks) is None
    patched = reunpacks + "2026-11-29 02:00:00 upgrade libssl3:amd64 3.0.17-1~deb12u2 3.0.17-1~deb12u3\n"
    assert tripod_package_parsers.parse_dpkg_log(patched) == epoch("2026-11-29 02:00:00")


def test_dnf_rpm_log_newest_upgrade():
    text = (
        "2026-03-01T10:00:00+0000 SUBDEBUG Upgrade: openssl-libs-1:3.0.7-27.el9.x86_64\n"
        "2026-03-01T10:00:01+0000 SUBDEBUG Upgraded: openssl-libs-1:3.0.7-25.el9.x86_64\n"
        "2026-04-02T12:00:00+0200 SUBDEBUG Upgrade: bash-5.1.8-9.el9.x86_64\n"
        "2026-05-01T09:00:00Z SUBDEBUG Installed: vim-enhanced-2:8.2.2637-20.el9.x86_64\n"
    )
    assert tripod_host.iso_utc(tripod_package_parsers.parse_dnf_rpm_log(text)) == "2026-04-02T10:00:00Z"


def test_rotated_logs_newest_first(tmp_path):
    base = tmp_path / "history.log"
    for name in ("history.log", "history.log.1", "history.log.2.gz", "history.log.10.gz", "history.log.old"):
        (tmp_path / name).write_text("")
    assert [Path(p).name for p in tripod_host.rotated_logs(str(base))] == [
        "history.log", "history.log.1", "history.log.2.gz", "history.log.10.gz",
    ]


def test_last_upgrade_probe_reads_rotated_gzip_logs(tmp_path, monkeypatch, utc_local_time):
    (tmp_path / "history.log").write_text("Start-Date: 2026-08-02  10:00:00\nInstall: curl (1)\nEnd-Date: 2026-08-02  10:00:03\n")
    with gzip.open(tmp_path / "history.log.1.gz", "wt") as handle:
        handle.write(APT_HISTORY)
    real = tripod_host.rotated_logs
    monkeypatch.setattr(tripod_patch_probes, "rotated_logs", lambda base: real(str(tmp_path / "history.log")))
    collector = cf.Collector({"probe_timeout": 5})
    collector.manager = "apt"
    assert collector.probe_last_upgrade() == {"patches": {"last_upgrade": "2026-06-01T03:00:09Z"}}


# --------------------------------------------------------------------------- versions and kernels


VERSION_PAIRS = [
    ("1.0", "1.0", 0),
    ("1.0", "1.1", -1),
    ("1.0~rc1", "1.0", -1),
    ("1.0~rc1", "1.0~rc1~1", 1),
    ("1:1.0", "2.0", 1),
    ("0:1.0", "1.0", 0),
    ("1.0-1", "1.0-1+deb12u1", -1),
    ("2.36-9+deb12u7", "2.36-9+deb12u14", -1),
    ("5.2.15-2+b8", "5.2.15-2+b13", -1),
    ("1.0a", "1.0", 1),
    ("1.0a", "1.0+", -1),
    ("1.0.0", "1.0", 1),
    ("1.10", "1.9", 1),
    ("1.001", "1.1", 0),
    ("3.0.2-0ubuntu1.15", "3.0.2-0ubuntu1.18", -1),
    ("6.1.0-27-amd64", "6.1.0-28-amd64", -1),
    ("6.1.0-9-amd64", "6.1.0-10-amd64", -1),
    ("1.2.3-1", "1.2.3-1~bpo12+1", 1),
    ("2026b-0+deb12u1", "2026f-0+deb12u1", -1),
    ("7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1),
]


@pytest.mark.parametrize("a,b,expected", VERSION_PAIRS)
def test_debian_version_compare(a, b, expected):
    assert tripod_versions.compare_versions(a, b) == expected
    assert tripod_versions.compare_versions(b, a) == -expected


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg not installed")
@pytest.mark.parametrize("a,b,expected", VERSION_PAIRS)
def test_debian_version_compare_agrees_with_dpkg(a, b, expected):
    relation = {-1: "lt", 0: "eq", 1: "gt"}[expected]
    assert subprocess.run(["dpkg", "--compare-versions", a, relation, b], check=False).returncode == 0


def test_kernel_flavours():
    assert tripod_versions.kernel_flavour("6.1.0-27-amd64") == "amd64"
    assert tripod_versions.kernel_flavour("6.1.0-27-cloud-amd64") == "cloud-amd64"
    assert tripod_versions.kernel_flavour("5.15.0-91-generic") == "generic"
    assert tripod_versions.kernel_flavour("6.8.0-1015-aws") == "aws"
    assert tripod_versions.kernel_flavour("5.14.0-427.13.1.el9_4.x86_64") == ".x86_64"
    assert tripod_versions.kernel_flavour("6.18.44-fc-v657") == "fc-v657"


def test_newest_kernel_same_flavour_only():
    installed = ["6.1.0-27-amd64", "6.1.0-28-amd64", "6.1.0-30-cloud-amd64"]
    assert tripod_versions.newest_kernel("6.1.0-27-amd64", installed) == "6.1.0-28-amd64"
    assert tripod_versions.newest_kernel("6.1.0-28-amd64", installed) is None
    assert tripod_versions.newest_kernel("6.1.0-9-amd64", ["6.1.0-10-amd64"]) == "6.1.0-10-amd64"
    rhel = ["5.14.0-427.13.1.el9_4.x86_64", "5.14.0-503.11.1.el9_5.x86_64"]
    assert tripod_versions.newest_kernel("5.14.0-427.13.1.el9_4.x86_64", rhel) == "5.14.0-503.11.1.el9_5.x86_64"
    assert tripod_versions.newest_kernel("6.18.44-fc-v657", []) is None


def test_needrestart_batch_output():
    text = (
        "NEEDRESTART-VER: 3.6\n"
        "NEEDRESTART-KCUR: 6.1.0-27-amd64\n"
        "NEEDRESTART-KEXP: 6.1.0-28-amd64\n"
        "NEEDRESTART-KSTA: 3\n"
        "NEEDRESTART-UCSTA: 2\n"
        "NEEDRESTART-SVC: ssh.service\n"
        "NEEDRESTART-SVC: cron.service\n"
        "NEEDRESTART-SESS: root @ session #3\n"
    )
    assert tripod_package_parsers.parse_needrestart(text) == (3, 2, ["cron.service", "ssh.service"], "6.1.0-28-amd64")


def test_finalize_reboot_merges_needrestart_without_duplicating_the_kernel_reason():
    patches = {"reboot_required": True, "reboot_reasons": ["kernel: running a, newest installed b"],
               "restart_reboot_reasons": ["kernel: needrestart expects b", "microcode: an update is pending"]}
    cf.finalize_reboot(patches)
    assert patches == {"reboot_required": True,
                       "reboot_reasons": ["kernel: running a, newest installed b", "microcode: an update is pending"]}
    patches = {"reboot_required": False, "reboot_reasons": [], "restart_reboot_reasons": ["kernel: needrestart expects b"]}
    cf.finalize_reboot(patches)
    assert patches == {"reboot_required": True, "reboot_reasons": ["kernel: needrestart expects b"]}
    patches = {"reboot_required": None, "reboot_reasons": [], "restart_reboot_reasons": ["kernel: x"]}
    cf.finalize_reboot(patches)
    assert patches["reboot_required"] is None  # the reboot probe failed: stays not assessed


# --------------------------------------------------------------------------- dnf (format of dnf 4)


DNF_CHECK_UPDATE = """
openssl-libs.x86_64                    1:3.0.7-27.el9_4                 baseos
bash.x86_64                            5.1.8-9.el9                      baseos
python3-a-very-long-package-name-that-wraps.noarch
                                       1.2.3-4.el9                      appstream

Obsoleting Packages
grub2-tools.x86_64                     1:2.06-80.el9                    baseos
    grub2-tools.x86_64                 1:2.06-77.el9                    @baseos
"""

DNF_UPDATEINFO = """RHSA-2024:3339 Important/Sec. openssl-libs-1:3.0.7-27.el9_4.x86_64
RLSA-2024:1234 Moderate/Sec.  glibc-2.34-100.el9_4.2.x86_64
"""


def test_dnf_check_update_and_updateinfo():
    rows = tripod_package_parsers.parse_dnf_check_update(DNF_CHECK_UPDATE)
    assert rows == [
        ("openssl-libs.x86_64", "1:3.0.7-27.el9_4", "baseos"),
        ("bash.x86_64", "5.1.8-9.el9", "baseos"),
        ("python3-a-very-long-package-name-that-wraps.noarch", "1.2.3-4.el9", "appstream"),
    ]
    security = tripod_package_parsers.parse_dnf_updateinfo(DNF_UPDATEINFO)
    assert security == {"openssl-libs.x86_64": "Important", "glibc.x86_64": "Moderate"}
