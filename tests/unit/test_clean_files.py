"""tripod.maintenance.clean_files on a real directory tree, and the parsers of housekeeping_facts
on recorded command output (Debian 12 fleet container unless a comment says otherwise)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.modules import clean_files as cf  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.modules import housekeeping_facts as hf  # noqa: E402

DAY = 86400
NOW = time.time()


def make(path: Path, size: int = 4096, age_days: float = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(b"x" * size)  # written, so the blocks are allocated
    stamp = NOW - age_days * DAY
    os.utime(path, (stamp, stamp))
    return path


def clean(root: Path, age: int = 10, patterns=None, check_mode: bool = False) -> dict:
    entry = {"path": str(root), "max_age_days": age, "label": "temp"}
    if patterns:
        entry["patterns"] = patterns
    return cf.clean_directory(entry, NOW, check_mode)


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "tmp"
    outside = tmp_path / "outside"
    files = {
        "old": make(root / "old.bin", 64 * 1024, age_days=40),
        "nested_old": make(root / "a" / "b" / "old.log", 8192, age_days=11),
        "new": make(root / "new.bin", 4096, age_days=1),
        "outside_old": make(outside / "old.bin", 8192, age_days=40),
        "outside_nested": make(outside / "sub" / "old.bin", 8192, age_days=40),
    }
    (root / "link-to-file").symlink_to(files["outside_old"])
    (root / "link-to-dir").symlink_to(outside)
    os.utime(root / "link-to-file", (NOW - 40 * DAY,) * 2, follow_symlinks=False)
    files["root"] = root
    files["outside"] = outside
    return files


def test_deletes_old_files_only_and_reports_their_blocks(tree):
    expected = sum(os.lstat(tree[n]).st_blocks * 512 for n in ("old", "nested_old"))
    result = clean(tree["root"])
    assert (result["files"], result["bytes"], result["skipped"], result["error_count"]) == (2, expected, None, 0)
    assert expected >= 64 * 1024 + 8192
    assert not tree["old"].exists() and not tree["nested_old"].exists()
    assert tree["new"].exists()
    assert (tree["root"] / "a" / "b").is_dir(), "directories are kept"
    assert (result["label"], result["max_age_days"]) == ("temp", 10)


def test_never_follows_symlinks_out_of_the_directory(tree):
    clean(tree["root"])
    assert tree["outside_old"].exists() and tree["outside_nested"].exists()
    assert (tree["root"] / "link-to-file").is_symlink(), "the link itself is kept"
    assert (tree["root"] / "link-to-dir").is_symlink()


def test_check_mode_deletes_nothing_and_reports_the_same(tree):
    planned = clean(tree["root"], check_mode=True)
    assert tree["old"].exists() and tree["nested_old"].exists()
    done = clean(tree["root"])
    assert (planned["files"], planned["bytes"]) == (done["files"], done["bytes"]) == (2, done["bytes"])
    again = clean(tree["root"])
    assert (again["files"], again["bytes"]) == (0, 0), "a second run has nothing left"


def test_running_services_private_temp_directories_are_not_entered(tree):
    private = make(tree["root"] / "systemd-private-0123abcd-chronyd.service-Ab12Cd" / "tmp" / "old.sock.lock", age_days=40)
    result = clean(tree["root"])
    assert private.exists()
    assert result["files"] == 2  # the other old files still go


def test_patterns_select_by_name(tree):
    make(tree["root"] / "app.log.1.gz", age_days=40)
    make(tree["root"] / "app.log", age_days=40)
    result = clean(tree["root"], patterns=["*.gz", "*.[0-9]"])
    assert result["files"] == 1
    assert not (tree["root"] / "app.log.1.gz").exists()
    assert (tree["root"] / "app.log").exists() and tree["old"].exists()


def test_a_configured_symlink_or_a_path_under_one_is_skipped(tree, tmp_path):
    link = tmp_path / "link-root"
    link.symlink_to(tree["outside"])
    assert clean(link)["skipped"] == "is a symbolic link or lies under one; not followed"
    assert clean(link / "sub")["skipped"] == "is a symbolic link or lies under one; not followed"
    assert tree["outside_old"].exists() and tree["outside_nested"].exists()


@pytest.mark.parametrize("path, reason", [("/", "the root directory is never cleaned"),
                                          ("//", "the root directory is never cleaned"),
                                          ("relative/dir", "not an absolute path")])
def test_refused_paths(path, reason):
    assert cf.clean_directory({"path": path, "max_age_days": 1}, NOW, check_mode=True)["skipped"] == reason


def test_missing_and_non_directory_paths_are_skipped(tmp_path):
    assert clean(tmp_path / "missing")["skipped"] == "does not exist"
    assert clean(make(tmp_path / "file"))["skipped"] == "is not a directory"


def test_undeletable_files_are_counted_reported_and_kept(tmp_path, monkeypatch):
    root = tmp_path / "tmp"
    locked = make(root / "immutable.bin", age_days=40)
    make(root / "old.bin", age_days=40)
    real_unlink = os.unlink

    def unlink(name, *, dir_fd=None):
        if name == "immutable.bin":  # as `chattr +i` or a read-only mount would answer, even to root
            raise PermissionError(1, "Operation not permitted", name)
        return real_unlink(name, dir_fd=dir_fd)

    monkeypatch.setattr(cf.os, "unlink", unlink)
    result = clean(root)
    assert (result["files"], result["error_count"]) == (1, 1)
    assert result["errors"] == [f"{root}/immutable.bin: Operation not permitted"]
    assert locked.exists()


# -- housekeeping_facts parsers ------------------------------------------------------------

APT_SIMULATION = """\
NOTE: This is only a simulation!
      apt-get needs root privileges for real execution.
Reading package lists...
Building dependency tree...
Reading state information...
The following packages will be REMOVED:
  iproute2 libbpf1:amd64
0 upgraded, 0 newly installed, 2 to remove and 0 not upgraded.
Remv iproute2 [6.1.0-3]
Remv libbpf1:amd64 [1:1.1.0-1]
"""

# dpkg-query -W -f '${Package}\t${Version}\t${db:Status-Abbrev}\t${Installed-Size}\n' 'linux-image-[0-9]*' ...
# (format as dpkg documents it; a Debian 12 VM with three kernels, one removed with its config left)
DPKG_KERNELS = (
    "linux-image-6.1.0-17-amd64\t6.1.69-1\tii \t398452\n"
    "linux-image-6.1.0-18-amd64\t6.1.76-1\tii \t398664\n"
    "linux-image-6.1.0-9-amd64\t6.1.27-1\trc \t397708\n"
    "linux-headers-6.1.0-18-amd64\t6.1.76-1\tii \t7005\n"
)
RPM_KERNELS = (  # rpm -q --qf '%{NAME}\t%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SIZE}\n' kernel kernel-core ...
    "kernel-core\t5.14.0-427.13.1.el9_4\tx86_64\t69841327\n"
    "kernel-core\t5.14.0-503.11.1.el9_5\tx86_64\t70120001\n"
    "package kernel-devel is not installed\n"
)


def test_parse_apt_simulation():
    assert hf.parse_apt_simulation(APT_SIMULATION) == ["iproute2", "libbpf1"]


def test_parse_dpkg_sizes():
    assert hf.parse_dpkg_sizes("iproute2\t3401\nlibbpf1\t\n") == {"iproute2": 3401 * 1024}


def test_parse_dpkg_kernels_skips_removed_packages():
    assert hf.parse_dpkg_kernels(DPKG_KERNELS) == [
        {"name": "linux-image-6.1.0-17-amd64", "version": "6.1.69-1", "bytes": 398452 * 1024},
        {"name": "linux-image-6.1.0-18-amd64", "version": "6.1.76-1", "bytes": 398664 * 1024},
        {"name": "linux-headers-6.1.0-18-amd64", "version": "6.1.76-1", "bytes": 7005 * 1024},
    ]


def test_parse_rpm_kernels_builds_the_uname_release():
    parsed = hf.parse_rpm_kernels(RPM_KERNELS)
    assert [(p["name"], p["release"], p["bytes"]) for p in parsed] == [
        ("kernel-core", "5.14.0-427.13.1.el9_4.x86_64", 69841327),
        ("kernel-core", "5.14.0-503.11.1.el9_5.x86_64", 70120001)]


def test_journal_file_names_carry_the_first_entry_time():
    class Stat:
        st_blocks = 7424
        st_mtime = 1_700_000_000.0

    archived = hf.journal_file("system@b2701ef21c4d47c2920d8a221b398afb-0000000000000001-0006614ac859a861.journal", Stat)
    assert archived == {"name": archived["name"], "bytes": 7424 * 512, "archived": True,
                        "realtime": int("0006614ac859a861", 16) / 1e6}
    dirty = hf.journal_file("system@0006614ac859a861-0123456789abcdef.journal~", Stat)
    assert dirty["archived"] and dirty["realtime"] == int("0006614ac859a861", 16) / 1e6
    active = hf.journal_file("system.journal", Stat)
    assert (active["archived"], active["realtime"]) == (False, Stat.st_mtime)


def test_journal_survey_of_a_real_tree(tmp_path):
    machine = tmp_path / "journal" / "0123456789abcdef0123456789abcdef"
    make(machine / "system.journal", 8192)
    make(machine / "system@00000000000000000000000000000001-0000000000000001-0006614ac859a861.journal", 4096)
    make(machine / "notes.txt", 4096)
    survey = hf.journal_survey([str(tmp_path / "journal"), str(tmp_path / "missing")])
    (directory,) = survey["directories"]
    assert directory["path"] == str(machine)
    assert [f["archived"] for f in directory["files"]] == [False, True]
    assert survey["bytes"] == sum(f["bytes"] for f in directory["files"]) >= 12288
