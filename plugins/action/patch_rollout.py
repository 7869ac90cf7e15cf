# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serial batch size and failure limit from the hosts' policies. Documentation: plugins/modules/patch_rollout.py."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import ControllerAction

ARGUMENT_SPEC: dict[str, Any] = {
    "hosts": {"type": "list", "elements": "str"},
}


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.patching.rollout import rollout

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        hosts = self.host_value(args, task_vars, "hosts", "ansible_play_hosts", "no hosts in the play")
        hostvars = (task_vars or {}).get("hostvars") or {}
        policies = {}
        for host in hosts:
            policy = hostvars[host].get("tripod_policy") if host in hostvars else None
            if isinstance(policy, dict):
                policies[host] = policy
        if not policies:
            raise AnsibleActionFail("no host has a resolved policy: run tripod.maintenance.resolve_policy first")
        plan = rollout(policies)
        result.update(changed=False, ansible_facts={"tripod_patch_rollout": plan.to_dict()}, msg=plan.describe())
        return result
