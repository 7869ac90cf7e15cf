# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate findings and actions built in YAML and hand them to the evidence recorder.

Documentation: plugins/modules/emit.py.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import ControllerAction

ARGUMENT_SPEC: dict[str, Any] = {
    "findings": {"type": "list", "elements": "dict", "default": []},
    "actions": {"type": "list", "elements": "dict", "default": []},
}


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.models import Action, Finding, ValidationError, utc_now

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        context = {
            "host": task_vars.get("inventory_hostname"),
            "client": task_vars.get("tripod_client"),
            "tier": task_vars.get("tripod_tier"),
            "time": utc_now(),
        }
        context = {key: str(value) for key, value in context.items() if isinstance(value, str) and value}
        problems: list[str] = []
        records: dict[str, list[dict[str, Any]]] = {"findings": [], "actions": []}
        for name, model in (("findings", Finding), ("actions", Action)):
            for index, item in enumerate(args[name]):
                try:
                    record = model.from_dict(item).with_context(**context)
                except ValidationError as exc:
                    problems.append(exc.at(f"{name}[{index}]"))
                    continue
                records[name].append(record.to_dict())
        if problems:
            result.update(failed=True, problems=problems,
                          msg="invalid Tripod evidence, nothing was recorded: " + "; ".join(problems))
            return result
        result.update(changed=False, tripod_findings=records["findings"], tripod_actions=records["actions"])
        return result
