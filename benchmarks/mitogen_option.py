"""Mitogen for the benchmarks that compare a run with and without it (`--mitogen`).

Mitogen is an option, not a dependency (docs/scale.md): `pip install mitogen` adds its
`mitogen_linear` strategy, which these variables select for one run.
"""

from __future__ import annotations

from pathlib import Path


def mitogen_env() -> dict[str, str]:
    """The environment that runs a playbook under Mitogen's mitogen_linear strategy.

    Host keys are not checked: the fleet containers get new ones each start, and Mitogen puts its
    own StrictHostKeyChecking before the inventory's ansible_ssh_common_args (which turn it off for
    the plain runs). SystemExit when the mitogen package is not installed.
    """
    try:
        import ansible_mitogen
    except ImportError as exc:
        raise SystemExit(f"--mitogen: the mitogen package is not installed ({exc}); pip install mitogen") from exc
    return {"ANSIBLE_STRATEGY_PLUGINS": str(Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"),
            "ANSIBLE_STRATEGY": "mitogen_linear", "ANSIBLE_HOST_KEY_CHECKING": "False"}
