"""Every molecule scenario of every role passes `molecule test` (check, converge, idempotence, verify).

One test per roles/*/molecule/*/molecule.yml, run in the role's directory with the running
interpreter's bin dir first in PATH and CONTAINERS_CONF set. Select them with `-m molecule`.

The selected scenarios run two at a time (TRIPOD_MOLECULE_WORKERS, default 2), the longest first,
from the first of these tests on: most of a scenario's time is waiting on its containers (apt,
systemd, a round trip per task), and each scenario has its own containers (tripod-ROLE-debianN),
so two overlap well on two cores. Each test reports its own scenario's result.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fleet.harness import executable, tool_env

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(REPO_ROOT.glob("roles/*/molecule/*/molecule.yml"))
TIMEOUT = 1800
TAIL_LINES = 120
# The slowest scenarios start first, so that the others fill the second worker beside them.
LONGEST_FIRST = ("hardening", "patching", "monitoring")


def _scenario_id(molecule_yml: Path) -> str:
    return f"{molecule_yml.parents[2].name}-{molecule_yml.parent.name}"


def _run_scenario(molecule_yml: Path) -> tuple[int, str]:
    """`molecule test` of one scenario: its exit code and output (or a timeout message)."""
    role_dir = molecule_yml.parents[2]
    env = tool_env({"PY_COLORS": "0", "NO_COLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
    # molecule writes its own ansible.cfg; the repo's must not leak in through ANSIBLE_CONFIG
    env.pop("ANSIBLE_CONFIG", None)
    try:
        result = subprocess.run(
            [executable("molecule"), "test", "--scenario-name", molecule_yml.parent.name],
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
        return -1, f"timed out after {TIMEOUT} s\n{output}"
    return result.returncode, result.stdout


@pytest.fixture(scope="module")
def scenario_runs(request: pytest.FixtureRequest, fleet_images: dict[str, str]):
    """The selected scenarios, started together on a pool of TRIPOD_MOLECULE_WORKERS threads."""
    selected = [item.callspec.params["molecule_yml"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_molecule_scenario"]
    selected.sort(key=lambda path: (LONGEST_FIRST.index(path.parents[2].name)
                                    if path.parents[2].name in LONGEST_FIRST else len(LONGEST_FIRST)))
    workers = max(1, int(os.environ.get("TRIPOD_MOLECULE_WORKERS", "2")))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="molecule")
    futures: dict[Path, Future[tuple[int, str]]] = {path: pool.submit(_run_scenario, path) for path in selected}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.containers
@pytest.mark.molecule
@pytest.mark.parametrize("molecule_yml", SCENARIOS, ids=[_scenario_id(s) for s in SCENARIOS])
def test_molecule_scenario(molecule_yml: Path, scenario_runs: dict[Path, Future[tuple[int, str]]]) -> None:
    returncode, output = scenario_runs[molecule_yml].result()
    if returncode != 0:
        tail = "\n".join(output.splitlines()[-TAIL_LINES:])
        role_dir = molecule_yml.parents[2]
        pytest.fail(
            f"molecule test -s {molecule_yml.parent.name} in {role_dir.relative_to(REPO_ROOT)} "
            f"{'timed out' if returncode == -1 else f'exited {returncode}'}; last {TAIL_LINES} lines:\n{tail}",
            pytrace=False,
        )
