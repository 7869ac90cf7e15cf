# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan a host's housekeeping on the controller. Documentation: plugins/modules/housekeeping_plan.py."""

from __future__ import annotations

import time
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_kernels import select_kernels
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import ControllerAction

ARGUMENT_SPEC: dict[str, Any] = {
    "survey": {"type": "dict", "default": {}},
    "policy": {"type": "dict"},
    "core_dump_paths": {"type": "list", "elements": "path", "default": ["/var/lib/systemd/coredump", "/var/crash"]},
    "report_only": {"type": "bool", "default": False},
    "platform": {"type": "str", "default": "linux", "choices": ["linux", "windows"]},
}


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.housekeeping.plan import build_plan

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        policy = args["policy"]
        if policy is None:
            policy = ((task_vars or {}).get("tripod_policy") or {}).get("housekeeping")
        if policy is None:
            raise AnsibleActionFail("no housekeeping policy: run the tripod.maintenance.preflight role first or pass policy")
        # The task's effective check mode: the command line's --check, or a check_mode keyword on
        # the play, block or include (which ansible_check_mode does not reflect).
        dry_run = bool(self._play_context.check_mode or args["report_only"])
        result["report_only"] = args["report_only"]
        if args["platform"] == "windows":
            result.update(changed=False, dry_run=dry_run, warnings=[],
                          msg="dry run: nothing will be changed" if dry_run else "Windows housekeeping by the policy")
            return result
        survey = args["survey"]
        if not survey:
            raise AnsibleActionFail("survey: the registered result of tripod.maintenance.housekeeping_facts is required")
        kernels = None
        if policy["remove_old_kernels"]:
            found = survey.get("kernels") or {}
            kernels = select_kernels(found.get("installed") or [], found.get("running") or "", policy["kernels_keep"])
        plan = build_plan(survey, policy, kernels, args["core_dump_paths"], time.time())
        summary = ("dry run, nothing will be changed: " if dry_run else "") + plan["summary"]
        result.update(changed=False, msg=summary, dry_run=dry_run, **plan)
        if plan["warnings"]:
            result["warnings"] = plan["warnings"]
        return result
