"""What the integration tests share: the `tripod` command run as a user runs it, the CI rule
for missing tools, waiting for a condition, and a checksum of what a run must not change on a host."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import tool_env

REPO = Path(__file__).resolve().parents[2]

CHECKSUM = (
    "find /etc /usr /var/lib/dpkg -xdev -type f -printf '%p %m %U %G\\n' | sort > /tmp/.meta && "
    "find /etc /usr /var/lib/dpkg -xdev -type f -print0 | sort -z | xargs -0 sha256sum | cat /tmp/.meta - | sha256sum"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def need(available: bool, what: str) -> None:
    """Skip without `what`, unless CI is set: then fail (CI installs everything the tests need)."""
    if available:
        return
    if in_ci():
        pytest.fail(f"CI is set, but {what} is missing", pytrace=False)
    pytest.skip(f"{what} is missing")


def tripod(*args: str, data_dir: Path | None = None, env: Mapping[str, str] | None = None, cwd: Path = REPO,
           timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """`python -m tripod.cli ARGS` as a user runs it: with its own data dir, the podman settings, and
    the repo's ansible.cfg found the way a user's run finds it (not through ANSIBLE_CONFIG); or
    with exactly the environment `env` a test built."""
    if env is None:
        if data_dir is None:
            raise TypeError("tripod(): give data_dir or env")
        env = tool_env({"TRIPOD_DATA_DIR": str(data_dir)})
        env.pop("ANSIBLE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "tripod.cli", *args], cwd=cwd, env=dict(env), capture_output=True,
                          text=True, timeout=timeout)


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll `condition` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def checksum(name: str) -> str:
    return fleet_lib.podman("exec", name, "sh", "-c", CHECKSUM).stdout.strip()
