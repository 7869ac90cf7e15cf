"""Unit tests of tripod.maintenance.compliance_facts: its parsers on recorded output, and its plumbing.

The command outputs below were recorded on Debian 12 (a podman container of the test fleet and
a Debian 12 VM) unless a comment says otherwise; the dnf samples follow dnf 4's documented
output format (no RHEL-family host can run here).
"""

from __future__ import annotations

import calendar
import datetime
import gzip
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
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_package_parsers  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_patch_probes  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_system_parsers  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_versions  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_x509  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.modules import compliance_facts as cf  # noqa: E402

from tests.certificates import make_certificate  # noqa: E402


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
