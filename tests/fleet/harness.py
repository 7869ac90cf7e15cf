"""A test's own fleet: start containers, write inventories, run Ansible, always tear down.

Used by the `fleet` fixture in tests/integration/conftest.py:

    def test_something(fleet: Fleet) -> None:
        fleet.up("srv1", "srv2", release="12")
        fleet.up("srv3", release="13")
        inventory = fleet.inventory(groups={"srv1": ["tier_srp_server"]},
                                    group_vars={"all": {"tripod_client": "fleet-test"}})
        result = fleet.ansible("fleet", "-m", "ansible.builtin.ping", inventory=inventory)
        assert result.returncode == 0, result.stdout
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.fleet import fleet as lib

ANSIBLE_CFG = lib.REPO_ROOT / "ansible.cfg"


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for ansible, molecule and pytest subprocesses.

    CONTAINERS_CONF points at tests/fleet/containers.conf, the running interpreter's bin dir
    comes first in PATH (so its ansible-playbook, molecule, pytest are used), and the repo's
    ansible.cfg is used (it resolves tripod.maintenance from this checkout).
    """
    env = lib.podman_env()
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env.setdefault("ANSIBLE_CONFIG", str(ANSIBLE_CFG))
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_NOCOLOR"] = "1"
    env["PY_COLORS"] = "0"
    if extra:
        env.update(extra)
    return env


def executable(name: str) -> str:
    """A tool from the running interpreter's bin dir, else from PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


class Fleet:
    """The containers one test started; down() removes every one of them."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.nodes: list[lib.Node] = []
        self._started_names: list[str] = []

    def up(self, *names: str, release: str = "12", podman_args: Sequence[str] = ()) -> list[lib.Node]:
        """Start containers (systemd PID 1, SSH on 127.0.0.1) and wait until SSH works.

        podman_args: extra `podman run` options, e.g. ("--tmpfs", "/mnt/full:rw,size=10m").
        """
        # Record the names first: a failed start must still be torn down.
        self._started_names.extend(n for n in names if n not in self._started_names)
        nodes = lib.up(names, release, podman_args)
        self.nodes.extend(nodes)
        return nodes

    def node(self, name: str) -> lib.Node:
        for candidate in self.nodes:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def inventory(
        self,
        groups: Mapping[str, Sequence[str]] | None = None,
        group_vars: Mapping[str, Mapping[str, Any]] | None = None,
        connection: lib.Connection = "ssh",
        path: Path | None = None,
    ) -> Path:
        """Write an inventory of every started node (group `fleet` + the given groups)."""
        path = path or self.workdir / f"inventory-{connection}.yml"
        return lib.write_inventory(path, self.nodes, groups, group_vars, connection)

    def ansible(
        self, pattern: str, *args: str, inventory: Path, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run an ad-hoc `ansible PATTERN ARGS...` command; stdout and stderr are merged."""
        return self._run([executable("ansible"), pattern, "-i", str(inventory), *args], timeout)

    def playbook(
        self, playbook: Path, *args: str, inventory: Path, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        """Run `ansible-playbook -i INVENTORY PLAYBOOK ARGS...`; stdout and stderr are merged."""
        return self._run([executable("ansible-playbook"), "-i", str(inventory), str(playbook), *args], timeout)

    def runner(self, playbook: Path, *, inventory: Path, extravars: Mapping[str, Any] | None = None) -> Any:
        """Run a playbook through ansible-runner (as `tripod run` does); returns the Runner.

        Its events are in `.events`; `.rc` and `.status` tell the outcome.
        """
        import ansible_runner

        private = self.workdir / "runner"
        private.mkdir(parents=True, exist_ok=True)
        return ansible_runner.run(
            private_data_dir=str(private),
            playbook=str(playbook),
            inventory=str(inventory),
            envvars=tool_env(),
            extravars=dict(extravars or {}),
            project_dir=str(lib.REPO_ROOT),
            quiet=True,
        )

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            cwd=lib.REPO_ROOT,
            env=tool_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )

    def down(self) -> None:
        lib.down(self._started_names)
        self.nodes.clear()
        self._started_names.clear()
