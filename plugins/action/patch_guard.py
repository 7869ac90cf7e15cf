# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The patch run's window guard, on the controller. Documentation: plugins/modules/patch_guard.py."""

from __future__ import annotations

from typing import Any

from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import (
    NO_POLICY,
    ControllerAction,
)

ARGUMENT_SPEC: dict[str, Any] = {
    "policy": {"type": "dict"},
    "override": {"type": "bool", "default": False},
    "override_reason": {"type": "str", "default": ""},
    # An engineer's visit (tripod visit): the visit is the window, recorded as such.
    "visit": {"type": "bool", "default": False},
}


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.models import format_time, utc_now
        from tripod.patching import outcome
        from tripod.patching.schedule import decide

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        policy = self.host_value(args, task_vars, "policy", "tripod_policy", NO_POLICY)
        decision = decide(policy)
        allowed = decision.allowed
        overridden = visiting = preview = False
        actions: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        enforce = policy["areas"]["patching"]["mode"] == "enforce"
        apply_changes = enforce and not self._play_context.check_mode
        if args["visit"] and decision.reason != "disabled":
            state = "" if allowed else f"; outside the policy's: {decision.detail}"
            allowed = visiting = True
            detail = f"engineer's visit: the visit is the maintenance window{state}"
            actions.append({"area": "patching", "kind": "visit_window", "detail": detail[:500],
                            "changed": apply_changes})
        elif not allowed and args["override"] and decision.reason != "disabled":
            allowed = overridden = True
            reason = args["override_reason"].strip() or "no reason given"
            detail = f"{decision.detail}: patching anyway on an engineer's override (reason: {reason})"
            actions.append({"area": "patching", "kind": "window_override", "detail": detail[:500],
                            "changed": apply_changes})
            result["warnings"] = [f"WINDOW OVERRIDE: {detail}"]
        elif not allowed and self._play_context.check_mode and decision.reason != "disabled":
            # A dry run outside the window plans what the next patch window would install.
            allowed = preview = True
        elif not allowed:
            upcoming = f"; next patch window {format_time(decision.next_window)}" if decision.next_window else ""
            kind = outcome.SKIPPED_DISABLED if decision.reason == "disabled" else outcome.SKIPPED_WINDOW
            findings.append(outcome.finding(kind, f"{decision.detail}{upcoming}; nothing was changed"))
        result.update(
            changed=False,
            allowed=allowed,
            apply=allowed and apply_changes,
            override=overridden,
            visit=visiting,
            preview=preview,
            reason=decision.reason,
            detail=decision.detail,
            next_window=format_time(decision.next_window) if decision.next_window else None,
            started_at=utc_now(),
            tripod_findings=findings,
            tripod_actions=actions,
            msg=f"skipped: {decision.detail}" if not allowed
            else "patching: " + ("changes allowed" if apply_changes else "plan only (check or audit mode)"),
        )
        return result
