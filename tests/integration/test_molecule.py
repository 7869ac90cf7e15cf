"""Every molecule scenario of every role passes `molecule test` (check, converge, idempotence, verify).

One test per roles/*/molecule/*/molecule.yml, run in the role's directory with the running
interpreter's bin dir first in PATH and CONTAINERS_CONF set. Select them with `-m molecule`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fleet.harness import executable, tool_env

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(REPO_ROOT.glob("roles/*/molecule/*/molecule.yml"))
TIMEOUT = 1800
TAIL_LINES = 120


def _scenario_id(molecule_yml: Path) -> str:
    return f"{molecule_yml.parents[2].name}-{molecule_yml.parent.name}"


@pytest.mark.containers
@pytest.mark.molecule
@pytest.mark.parametrize("molecule_yml", SCENARIOS, ids=[_scenario_id(s) for s in SCENARIOS])
def test_molecule_scenario(molecule_yml: Path, fleet_images: dict[str, str]) -> None:
    role_dir = molecule_yml.parents[2]
    scenario = molecule_yml.parent.name
    env = tool_env({"PY_COLORS": "0", "NO_COLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
    # molecule writes its own ansible.cfg; the repo's must not leak in through ANSIBLE_CONFIG
    env.pop("ANSIBLE_CONFIG", None)
    try:
        result = subprocess.run(
            [executable("molecule"), "test", "--scenario-name", scenario],
            cwd=role_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        tail = "\n".join(output.splitlines()[-TAIL_LINES:])
        pytest.fail(f"molecule test -s {scenario} in {role_dir} timed out after {TIMEOUT} s:\n{tail}", pytrace=False)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-TAIL_LINES:])
        pytest.fail(
            f"molecule test -s {scenario} in {role_dir.relative_to(REPO_ROOT)} exited {result.returncode}; "
            f"last {TAIL_LINES} lines:\n{tail}",
            pytrace=False,
        )
