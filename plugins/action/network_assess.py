# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Back up a network device's running configuration and turn it into Tripod findings.

Documentation: plugins/modules/network_assess.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import NO_POLICY, ControllerAction

ARGUMENT_SPEC: dict[str, Any] = {
    "running_config": {"type": "str", "required": True, "no_log": False},
    "version": {"type": "str", "default": ""},
    "network_os": {"type": "str"},
    "policy": {"type": "dict"},
}


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.models import Action, Finding, ValidationError, utc_now
        from tripod.network.assess import assess
        from tripod.paths import data_dir

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        policy = self.host_value(args, task_vars, "policy", "tripod_policy", NO_POLICY)
        network_os = self.host_value(args, task_vars, "network_os", "ansible_network_os",
                                     "no network OS: set ansible_network_os for the device")
        client = task_vars.get("tripod_client")
        if not client:
            raise AnsibleActionFail("no client: run the tripod.maintenance.preflight resolve tasks first")
        context = {"host": str(task_vars.get("inventory_hostname")), "client": str(client),
                   "tier": str(task_vars.get("tripod_tier") or ""), "time": utc_now()}
        context = {key: value for key, value in context.items() if value}
        try:
            assessed = assess(host=context["host"], client=context["client"], network_os=str(network_os),
                              running=args["running_config"], version=args["version"], policy=policy["network"],
                              base=data_dir(), now=datetime.now(timezone.utc), check_mode=bool(self._task.check_mode))
        except (ValueError, OSError) as exc:
            raise AnsibleActionFail(str(exc)) from None
        try:
            findings = [Finding.from_dict(f).with_context(**context).to_dict() for f in assessed["findings"]]
            actions = [Action.from_dict(a).with_context(**context).to_dict() for a in assessed["actions"]]
        except ValidationError as exc:
            raise AnsibleActionFail(f"invalid network evidence: {exc}") from None
        # A new configuration version is the change (in check mode: the change that would be made).
        written = bool(assessed["backup"] and assessed["backup"]["changes"])
        result.update(changed=written, tripod_findings=findings, tripod_actions=actions, backup=assessed["backup"],
                      failing=[f["check_id"] for f in findings if f["status"] in ("fail", "error")])
        return result
