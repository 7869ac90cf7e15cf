"""The collection tarball builds, installs, and its roles and plugins run by FQCN from the install."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def outside_env(**extra: str) -> dict[str, str]:
    """As a user outside the checkout: no ANSIBLE_CONFIG pointing back at the repository."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(PATH=f"{BIN}:{os.environ['PATH']}", ANSIBLE_NOCOLOR="1", **extra)
    return env


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env or outside_env(), capture_output=True, text=True, timeout=300)


def test_tarball_builds_installs_and_runs_by_fqcn(tmp_path):
    dist = tmp_path / "dist"
    built = run(str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist), str(REPO), cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = dist.glob("tripod-maintenance-*.tar.gz")
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    assert {"MANIFEST.json", "meta/runtime.yml", "roles/preflight/meta/argument_specs.yml",
            "plugins/action/resolve_policy.py", "plugins/modules/compliance_facts.py", "playbooks/audit.yml"} <= names
    assert not [n for n in names if n.startswith(("collections/", ".venv/", ".cache/", ".git/", ".mypy_cache/"))
                or n.startswith("tests/") and not n.startswith("tests/sanity")], \
        "build_ignore keeps development files out (of tests/, only ansible-test's tests/sanity ships)"
    assert "roles/preflight/tasks/main.yml" in names

    installed = tmp_path / "installed"
    install = run(str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "--force", "-p", str(installed),
                  str(tarball), cwd=tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    assert (installed / "ansible_collections" / "tripod" / "maintenance" / "MANIFEST.json").is_file()

    # A playbook outside the checkout, with only the installed collection on the path.
    (tmp_path / "inventory.yml").write_text(
        "all:\n  vars:\n    tripod_client: installed-test\n  children:\n    tier_srp_workstation:\n      hosts:\n"
        "        localhost:\n          ansible_connection: local\n"
        "          ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
    )
    (tmp_path / "site.yml").write_text(
        "- name: Use the installed collection\n  hosts: all\n  gather_facts: false\n  check_mode: true\n"
        "  roles:\n    - role: tripod.maintenance.preflight\n    - role: tripod.maintenance.facts\n"
        "  tasks:\n    - name: Evaluate\n      tripod.maintenance.evaluate:\n        areas: [health]\n"
        "    - name: Show the tier\n      ansible.builtin.debug:\n        msg: 'tier={{ tripod_tier }} client={{ tripod_client }}'\n"
    )
    env = outside_env(ANSIBLE_COLLECTIONS_PATH=str(installed), TRIPOD_DATA_DIR=str(tmp_path / "data"))
    played = run(str(BIN / "ansible-playbook"), "-i", "inventory.yml", "site.yml", cwd=tmp_path, env=env)
    assert played.returncode == 0, played.stdout + played.stderr
    assert "tier=tier_srp_workstation client=installed-test" in played.stdout
    assert str(installed) in run(str(BIN / "ansible-galaxy"), "collection", "list", "tripod.maintenance", cwd=tmp_path,
                                 env=env).stdout
