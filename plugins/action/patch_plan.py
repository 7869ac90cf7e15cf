# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan a host's patch run on the controller. Documentation: plugins/modules/patch_plan.py."""

from __future__ import annotations

from typing import Any

from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import (
    NO_FACTS,
    NO_POLICY,
    ControllerAction,
)

ARGUMENT_SPEC: dict[str, Any] = {
    "facts": {"type": "dict"},
    "policy": {"type": "dict"},
}


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.patching.plan import plan_updates

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        facts = self.host_value(args, task_vars, "facts", "tripod_compliance", NO_FACTS)
        policy = self.host_value(args, task_vars, "policy", "tripod_policy", NO_POLICY)
        errors = [e for e in facts.get("errors") or [] if str(e.get("probe", "")).startswith("patches")]
        if errors or (facts.get("patches") or {}).get("manager") is None:
            detail = "; ".join(f"{e.get('probe')}: {e.get('message')}" for e in errors) or "no package manager found"
            result.update(failed=True, msg=f"cannot plan the patch run: the pending updates are unknown ({detail})")
            return result
        plan = plan_updates(facts, policy)
        reboot_pending = bool((facts.get("patches") or {}).get("reboot_required")) and policy["patch"]["reboot"] != "never"
        result.update(changed=False, plan=plan.to_dict(), work=bool(plan.install) or reboot_pending,
                      msg=plan.summary() + ("; a reboot is pending" if reboot_pending else ""))
        return result
