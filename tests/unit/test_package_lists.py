"""How old the package lists are, per configured source (plugins/module_utils/tripod_package_lists.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_package_lists as pl  # noqa: E402

NOW = 1_800_000_000.0


def test_sources_one_line_and_deb822():
    one_line = ("# comment\ndeb http://deb.example/debian bookworm main\n"
                "deb-src http://deb.example/debian bookworm main\n"
                "deb [arch=amd64 signed-by=/k.gpg] https://u:p@mirror.example/debian-security bookworm-security main\n"
                "deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD]/ bookworm contrib main\n")
    assert pl.parse_one_line_sources(one_line) == [
        ("http://deb.example/debian", "bookworm"), ("https://u:p@mirror.example/debian-security", "bookworm-security")]
    deb822 = ("Types: deb deb-src\nURIs: http://deb.example/debian\nSuites: bookworm bookworm-updates\n"
              "Components: main\n\nTypes: deb\nURIs: http://off.example/x\nSuites: y\nEnabled: no\n")
    assert pl.parse_deb822_sources(deb822) == [("http://deb.example/debian", "bookworm"),
                                               ("http://deb.example/debian", "bookworm-updates")]


def test_apt_file_names_follow_apts_uri_to_file_name():
    assert pl.apt_release_files("http://deb.debian.org/debian-security/", "bookworm-security", "/l") == [
        "/l/deb.debian.org_debian-security_dists_bookworm-security_InRelease",
        "/l/deb.debian.org_debian-security_dists_bookworm-security_Release"]
    assert pl.apt_release_files("https://u:p@m.example:8080/a_b~c", "x", "/l")[0] == (
        "/l/m.example:8080_a%5fb%7ec_dists_x_InRelease")


def _touch(path: Path, hours_ago: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    os.utime(path, (NOW - hours_ago * 3600, NOW - hours_ago * 3600))


def test_apt_lists_ages_per_suite(tmp_path):
    etc, lists = tmp_path / "etc", tmp_path / "lists"
    (etc / "sources.list.d").mkdir(parents=True)
    (etc / "sources.list").write_text("")
    (etc / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://deb.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n"
        "Types: deb\nURIs: http://deb.example/debian-security\nSuites: bookworm-security\nComponents: main\n")
    (etc / "sources.list.d" / "old.list.disabled").write_text("deb http://gone.example/x y main\n")
    _touch(lists / "deb.example_debian_dists_bookworm_InRelease", 3000)  # unchanged since a point release
    _touch(lists / "deb.example_debian_dists_bookworm-updates_Release", 30)
    _touch(lists / "partial" / ".keep", 0)
    os.utime(lists / "partial", (NOW - 5 * 3600, NOW - 5 * 3600))  # apt-get update ran 5 h ago
    found = {e["suite"]: e for e in pl.apt_lists(str(etc), str(lists), now=NOW)}
    assert list(found) == ["bookworm", "bookworm-updates", "bookworm-security"]
    assert found["bookworm"]["age_hours"] == 5.0, "checked by the last apt-get update, though unchanged"
    assert found["bookworm-updates"]["path"].endswith("_bookworm-updates_Release")
    assert found["bookworm-security"] == {"name": "bookworm-security", "uri": "http://deb.example/debian-security",
                                          "suite": "bookworm-security", "path": None, "updated": None,
                                          "age_hours": None}


def test_dnf_lists_ages_per_enabled_repository(tmp_path):
    repos, cache = tmp_path / "yum.repos.d", tmp_path / "cache"
    repos.mkdir()
    (repos / "rocky.repo").write_text("[baseos]\nname=BaseOS\n\n[appstream]\nenabled=1\n\n[crb]\nenabled=0\n")
    _touch(cache / "baseos-0123abcd" / "repodata" / "repomd.xml", 12)
    found = pl.dnf_lists(str(repos), (str(cache),), now=NOW)
    assert [(e["name"], e["age_hours"]) for e in found] == [("baseos", 12.0), ("appstream", None)]
