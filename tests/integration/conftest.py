"""Fixtures for tests against real containers (Debian 12/13, systemd as PID 1, SSH on loopback).

- Without root or podman these tests are skipped, with the reason, unless CI is set: in CI a
  missing container runtime is a failure (run scripts/setup-host.sh first).
- The images are built once (and cached across sessions; see tests/fleet/fleet.py).
- `fleet` gives a test its own containers and always removes them afterwards.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `tests.fleet` is imported from the repository root
    sys.path.insert(0, str(REPO_ROOT))

from tests.fleet import fleet as fleet_lib  # noqa: E402
from tests.fleet.harness import Fleet  # noqa: E402
from tests.integration.helpers import in_ci  # noqa: E402


@pytest.fixture(scope="session")
def containers_available() -> None:
    """Skip (or, in CI, fail) when the container fleet cannot run on this machine."""
    reason = fleet_lib.fleet_available()
    if reason is not None:
        if in_ci():
            pytest.fail(f"CI is set, but container tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"container tests skipped: {reason}")
    fleet_lib.export_containers_conf()


@pytest.fixture(scope="session")
def fleet_images(containers_available: None) -> dict[str, str]:
    """Build (or reuse) every fleet image; maps release ("12", "13") to image name."""
    try:
        return {release: fleet_lib.build_image(release) for release in fleet_lib.RELEASES}
    except fleet_lib.FleetError as exc:
        pytest.fail(f"building the fleet images failed: {exc}", pytrace=False)


@pytest.fixture
def fleet(fleet_images: dict[str, str], tmp_path: Path) -> Iterator[Fleet]:
    """This test's containers: `fleet.up("name", release="12")`; all removed afterwards."""
    own = Fleet(tmp_path)
    try:
        yield own
    finally:
        own.down()
