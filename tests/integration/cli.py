"""Run the `tripod` command as a user would, for the integration tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fleet.harness import tool_env

REPO = Path(__file__).resolve().parents[2]


def tripod(*args: str, data_dir: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """`python -m tripod.cli ARGS` with its own data dir, the podman settings, and the repo's ansible.cfg
    found the way a user's run finds it (not through ANSIBLE_CONFIG)."""
    env = tool_env({"TRIPOD_DATA_DIR": str(data_dir)})
    env.pop("ANSIBLE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "tripod.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
