# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record a host's patch run as findings and actions. Documentation: plugins/modules/patch_result.py."""

from __future__ import annotations

from typing import Any

from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import (
    NO_POLICY,
    ControllerAction,
)

ARGUMENT_SPEC: dict[str, Any] = {
    "guard": {"type": "dict", "required": True},
    "plan": {"type": "dict", "default": {}},
    "policy": {"type": "dict"},
    "facts": {"type": "dict"},
    "install": {"type": "dict", "default": {}},
    "versions_before": {"type": "str", "default": ""},
    "versions_after": {"type": "str", "default": ""},
    "reboot": {"type": "dict", "default": {}},
    "failure": {"type": "dict"},
}


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.patching.result import HostRun, build

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        policy = self.host_value(args, task_vars, "policy", "tripod_policy", NO_POLICY)
        facts = args["facts"] if args["facts"] is not None else (task_vars or {}).get("tripod_compliance") or {}
        built = build(HostRun(
            policy=policy, guard=args["guard"], plan=args["plan"], facts=facts, install=args["install"],
            versions_before=args["versions_before"], versions_after=args["versions_after"],
            reboot=args["reboot"], failure=args["failure"],
        ))
        # The role fails the host in its last task, once every host of the batch has recorded its
        # outcome: a failure counted earlier would cut the batch's other hosts off mid-run.
        result.update(changed=False, outcome=built.outcome, host_failed=built.failed, msg=built.message,
                      tripod_findings=built.findings, tripod_actions=built.actions,
                      updated=built.updated, held=built.held, excluded=built.excluded, kept_back=built.kept_back)
        return result
