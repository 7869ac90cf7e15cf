"""What one run may enforce: the controls its tags select, and the mode the policy allows.

Each of the role's remediation tasks carries two tags, the control id and `hardening_<group>`
(`TRP-SSH-001`, `hardening_ssh`). A run limited with `--tags`/`--skip-tags` runs only the tasks
those select, so the plan names only those controls and the evidence records only what ran.

The host's policy (`areas.hardening.mode`) decides the mode. A run may always do less
(`hardening_mode: audit`); doing more than the policy allows takes the explicit override
`tripod_force_mode`, which the role announces and the evidence records as an action.
"""

from __future__ import annotations

from typing import Any, Iterable

from tripod.hardening.catalog import Control

MODES = ("audit", "enforce")
# Tags that select every tagged task (Ansible's special tags).
EVERY_TASK = frozenset(["all", "tagged"])


def control_tags(control: Control) -> frozenset[str]:
    """The tags of the control's remediation task."""
    return frozenset([control.id, f"hardening_{control.group}"])


def selected(control: Control, run_tags: Iterable[str] = ("all",), skip_tags: Iterable[str] = ()) -> bool:
    """True when a run with these --tags/--skip-tags runs the control's remediation task."""
    run, skip, own = set(run_tags or ("all",)), set(skip_tags or ()), control_tags(control)
    if skip & (own | {"tagged"}):
        return False
    return bool(run & (own | EVERY_TASK))


def override_action(policy_mode: str, forced: str, source: str = "tripod_force_mode") -> dict[str, Any] | None:
    """The evidence of a run that went beyond the host's policy, or None when it did not."""
    if not forced or MODES.index(forced) <= MODES.index(policy_mode):
        return None
    return {
        "area": "hardening",
        "kind": "mode_override",
        "detail": f"mode {forced} forced by {source}={forced}; the host's policy says areas.hardening.mode: {policy_mode}",
        "changed": False,
    }
