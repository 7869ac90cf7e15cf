"""The Windows molecule scenario (molecule/windows: delegated driver, WinRM).

`molecule syntax` runs everywhere (no host needed). `molecule test` runs only against a Windows
host an MSP configures with TRIPOD_WINDOWS_HOST (and _USER, _PASSWORD, _CA); without it the test
is skipped: no Windows host runs in this project's CI.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.fleet.harness import executable, tool_env

REPO = Path(__file__).resolve().parents[2]
PLACEHOLDERS = {"TRIPOD_WINDOWS_HOST": "windows.invalid", "TRIPOD_WINDOWS_USER": "user",
                "TRIPOD_WINDOWS_PASSWORD": "unused", "TRIPOD_WINDOWS_CA": "/dev/null"}


def molecule(action: str, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = tool_env({"PY_COLORS": "0", "NO_COLOR": "1", **extra})
    env.pop("ANSIBLE_CONFIG", None)
    return subprocess.run([executable("molecule"), action, "--scenario-name", "windows"], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800, check=False)


def test_the_windows_scenario_parses_without_a_host():
    result = molecule("syntax", {k: os.environ.get(k, v) for k, v in PLACEHOLDERS.items()})
    assert result.returncode == 0, result.stdout[-3000:]
    assert "windows" in result.stdout and "syntax" in result.stdout


@pytest.mark.molecule
@pytest.mark.skipif(not os.environ.get("TRIPOD_WINDOWS_HOST"), reason="no Windows host: set TRIPOD_WINDOWS_HOST "
                    "(and TRIPOD_WINDOWS_USER, TRIPOD_WINDOWS_PASSWORD, TRIPOD_WINDOWS_CA) to run it")
def test_the_windows_scenario_against_the_configured_host():
    result = molecule("test", {})
    assert result.returncode == 0, result.stdout[-5000:]
