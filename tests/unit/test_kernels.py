"""Which old kernels housekeeping removes: never the running one, never a newer one, always one
previous, only the running kernel's flavour, nothing when the running kernel is not a package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_kernels import (  # noqa: E402
    package_release,
    select_kernels,
)

MIB = 1024 * 1024


def deb(*releases: str, size: int = 400 * MIB, extras: tuple[str, ...] = ()) -> list[dict]:
    """dpkg entries as housekeeping_facts reports them: an image (and `extras`) per release."""
    packages = []
    for release in releases:
        packages.append({"name": f"linux-image-{release}", "version": "x", "bytes": size})
        packages += [{"name": f"linux-{extra}-{release}", "version": "x", "bytes": MIB} for extra in extras]
    return packages


def test_debian_keeps_the_running_kernel_and_one_previous():
    installed = deb("6.1.0-9-amd64", "6.1.0-10-amd64", "6.1.0-17-amd64", "6.1.0-18-amd64")
    installed.append({"name": "linux-image-amd64", "version": "6.1.76-1", "bytes": 10})  # metapackage
    plan = select_kernels(installed, "6.1.0-18-amd64")
    assert plan["remove_releases"] == ["6.1.0-9-amd64", "6.1.0-10-amd64"]  # numeric order: 9 < 10
    assert plan["remove"] == ["linux-image-6.1.0-10-amd64", "linux-image-6.1.0-9-amd64"]
    assert plan["keep_releases"] == ["6.1.0-17-amd64", "6.1.0-18-amd64"]
    assert plan["bytes"] == 2 * 400 * MIB
    assert plan["reason"] == "keeping 6.1.0-17-amd64, 6.1.0-18-amd64 (running 6.1.0-18-amd64)"


def test_kernels_newer_than_the_running_one_are_never_removed():
    # Patching installed 6.1.0-20 and 6.1.0-21; the host still runs 6.1.0-17.
    installed = deb("6.1.0-15-amd64", "6.1.0-16-amd64", "6.1.0-17-amd64", "6.1.0-20-amd64", "6.1.0-21-amd64")
    plan = select_kernels(installed, "6.1.0-17-amd64")
    assert plan["remove_releases"] == ["6.1.0-15-amd64"]
    assert plan["keep_releases"] == ["6.1.0-16-amd64", "6.1.0-17-amd64", "6.1.0-20-amd64", "6.1.0-21-amd64"]


def test_running_the_oldest_kernel_removes_nothing():
    plan = select_kernels(deb("6.1.0-9-amd64", "6.1.0-10-amd64", "6.1.0-11-amd64"), "6.1.0-9-amd64")
    assert plan["remove"] == []
    assert plan["reason"] == "3 kernel(s) installed; keeping the running one and up to 1 previous"


@pytest.mark.parametrize("keep", [0, 1, 2])
def test_keep_is_never_below_the_running_kernel_plus_one_previous(keep):
    plan = select_kernels(deb("6.1.0-1-amd64", "6.1.0-2-amd64", "6.1.0-3-amd64"), "6.1.0-3-amd64", keep=keep)
    assert plan["remove_releases"] == ["6.1.0-1-amd64"]
    assert "6.1.0-2-amd64" in plan["keep_releases"] and "6.1.0-3-amd64" in plan["keep_releases"]


def test_keep_three():
    plan = select_kernels(deb("6.1.0-1-amd64", "6.1.0-2-amd64", "6.1.0-3-amd64", "6.1.0-4-amd64"),
                          "6.1.0-4-amd64", keep=3)
    assert plan["remove_releases"] == ["6.1.0-1-amd64"]


def test_a_container_has_no_kernel_packages():
    # The fleet's containers: no linux-image package; uname -r is the host's kernel.
    plan = select_kernels([], "6.18.44-fc-v657")
    assert plan["remove"] == [] and plan["bytes"] == 0
    assert plan["reason"] == "no kernel packages are installed (a container runs its host's kernel)"


def test_nothing_is_removed_when_the_running_kernel_is_not_a_package():
    # Kernel packages installed in a container, or a hand-built kernel: which one boots is unknown.
    plan = select_kernels(deb("6.1.0-9-amd64", "6.1.0-10-amd64", "6.1.0-11-amd64"), "6.18.44-fc-v657")
    assert plan["remove"] == []
    assert plan["reason"] == "the running kernel 6.18.44-fc-v657 is not an installed package; nothing is removed"


def test_other_flavours_are_left_alone():
    installed = deb("6.1.0-9-amd64", "6.1.0-10-amd64", "6.1.0-11-amd64", "6.1.0-5-cloud-amd64", "6.1.0-6-cloud-amd64")
    plan = select_kernels(installed, "6.1.0-11-amd64")
    assert plan["remove_releases"] == ["6.1.0-9-amd64"]
    assert "6.1.0-5-cloud-amd64" in plan["keep_releases"]


def test_a_release_goes_with_its_modules_and_headers_but_shared_packages_stay():
    # Ubuntu: image (signed or unsigned), modules, modules-extra and headers per release; the
    # flavourless headers package is shared and left to autoremove.
    installed = deb("6.8.0-40-generic", "6.8.0-45-generic", "6.8.0-47-generic",
                    extras=("modules", "modules-extra", "headers"), size=15 * MIB)
    installed += [{"name": "linux-headers-6.8.0-40", "version": "6.8.0-40.40", "bytes": 80 * MIB},
                  {"name": "linux-image-unsigned-6.8.0-40-generic", "version": "6.8.0-40.40", "bytes": 15 * MIB},
                  {"name": "linux-headers-generic", "version": "6.8.0-47.47", "bytes": 1}]
    plan = select_kernels(installed, "6.8.0-47-generic")
    assert plan["remove"] == ["linux-headers-6.8.0-40-generic", "linux-image-6.8.0-40-generic",
                              "linux-image-unsigned-6.8.0-40-generic", "linux-modules-6.8.0-40-generic",
                              "linux-modules-extra-6.8.0-40-generic"]
    assert plan["bytes"] == 15 * MIB + 3 * MIB + 15 * MIB


def test_rpm_kernels_carry_their_release():
    def rpm(name: str, release: str) -> dict:
        return {"name": name, "version": release.rsplit(".", 1)[0], "release": release, "bytes": 50 * MIB}

    releases = ["5.14.0-362.8.1.el9_3.x86_64", "5.14.0-427.13.1.el9_4.x86_64", "5.14.0-503.11.1.el9_5.x86_64"]
    installed = [rpm(name, release) for release in releases for name in ("kernel", "kernel-core", "kernel-modules")]
    plan = select_kernels(installed, releases[2])
    assert plan["remove_releases"] == [releases[0]]
    # Qualified: `dnf remove kernel-core` alone would remove every installed kernel.
    assert plan["remove"] == [f"{name}-{releases[0]}" for name in ("kernel", "kernel-core", "kernel-modules")]
    assert plan["bytes"] == 150 * MIB


@pytest.mark.parametrize("name, expected", [
    ("linux-image-6.1.0-18-amd64", ("6.1.0-18-amd64", True)),
    ("linux-image-6.1.0-18-amd64-unsigned", ("6.1.0-18-amd64", True)),
    ("linux-image-6.1.0-18-amd64-dbg", ("6.1.0-18-amd64", True)),
    ("linux-image-unsigned-6.8.0-45-generic", ("6.8.0-45-generic", True)),
    ("linux-modules-extra-6.8.0-45-generic", ("6.8.0-45-generic", False)),
    ("linux-headers-6.1.0-18-common", ("6.1.0-18-common", False)),
    ("linux-image-amd64", (None, False)),
    ("linux-image-cloud-amd64", (None, False)),
    ("linux-firmware", (None, False)),
])
def test_package_release(name, expected):
    assert package_release({"name": name}) == expected


def test_never_the_running_kernel_and_always_one_previous_over_every_combination():
    # Every non-empty subset of 6 releases, each one running in turn, keep 2 to 4.
    releases = [f"6.1.0-{n}-amd64" for n in (3, 9, 10, 17, 18, 25)]
    for mask in range(1, 2 ** len(releases)):
        installed = [r for bit, r in enumerate(releases) if mask >> bit & 1]
        for running in installed:
            for keep in (2, 3, 4):
                plan = select_kernels(deb(*installed), running, keep=keep)
                older = [r for r in installed if releases.index(r) < releases.index(running)]
                removed = plan["remove_releases"]
                assert running not in removed
                assert all(releases.index(r) < releases.index(running) for r in removed), "only older ones"
                assert len(older) - len(removed) == min(len(older), keep - 1), (installed, running, keep, removed)
                if older:
                    assert older[-1] not in removed, "the previous kernel stays"
