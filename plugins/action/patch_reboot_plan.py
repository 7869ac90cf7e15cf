# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reboot decisions and slots for a batch, on the controller. Documentation: plugins/modules/patch_reboot_plan.py."""

from __future__ import annotations

from typing import Any

from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import ControllerAction

ARGUMENT_SPEC: dict[str, Any] = {
    "hosts": {"type": "list", "elements": "str"},
}


def _get(variables: Any, name: str) -> Any:
    try:
        return variables.get(name)
    except Exception:  # noqa: BLE001 - an undefined or broken variable means "not there"
        return None


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.patching.reboot import RebootInput, plan_reboots

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        hosts = self.host_value(args, task_vars, "hosts", "ansible_play_batch", "no hosts in the batch")
        hostvars = (task_vars or {}).get("hostvars") or {}
        batch = []
        for host in hosts:
            variables = hostvars.get(host, {})
            guard = _get(variables, "patching_guard") or {}
            policy = _get(variables, "tripod_policy")
            if not isinstance(guard, dict) or not isinstance(policy, dict):
                continue
            install = _get(variables, "patching_install") or {}
            recorded = _get(variables, "patching_result") or {}
            batch.append(RebootInput(
                host=host,
                policy=policy,
                facts=_get(variables, "tripod_compliance") or {},
                active=bool(guard.get("allowed")) and not (isinstance(recorded, dict) and recorded.get("host_failed")),
                apply=bool(guard.get("apply")),
                updated=isinstance(install, dict) and bool(install.get("changed")),
                override=bool(guard.get("override")),
            ))
        plan = plan_reboots(batch)
        rebooting = [f"{h} (slot {d.slot})" for h, d in plan.decisions.items() if d.reboot]
        result.update(changed=False, **plan.to_dict(),
                      msg=f"reboots: {', '.join(rebooting)}" if rebooting else "no host of this batch reboots now")
        return result
