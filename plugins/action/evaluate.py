# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluate Tripod checks on the controller from gathered facts. Documentation: plugins/modules/evaluate.py."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import (
    NO_FACTS,
    NO_POLICY,
    ControllerAction,
)

ARGUMENT_SPEC = {
    "areas": {"type": "list", "elements": "str", "required": True},
    "facts": {"type": "dict"},
    "policy": {"type": "dict"},
    "overrides": {"type": "dict", "default": {}},
    "overrides_name": {"type": "str", "default": "overrides"},
}


class ActionModule(ControllerAction):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        from tripod.checks import CHECKS, evaluate

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        facts = self.host_value(args, task_vars, "facts", "tripod_compliance", NO_FACTS)
        policy = self.host_value(args, task_vars, "policy", "tripod_policy", NO_POLICY)
        if args["overrides"]:
            from tripod.policy import deep_merge
            from tripod.policy.schema import check

            problems = [f"{args['overrides_name']}: {p.key}: {p.message}" for p in check(args["overrides"])]
            if problems:
                raise AnsibleActionFail("invalid policy overrides, nothing was evaluated: " + "; ".join(problems))
            policy = deep_merge(policy, args["overrides"])
        unknown = [area for area in args["areas"] if area not in CHECKS]
        if unknown:
            raise AnsibleActionFail(f"unknown area(s) {', '.join(unknown)}; known: {', '.join(CHECKS)}")
        if "patching" in args["areas"]:  # how long security updates have waited, from the evidence store
            from tripod.patching.history import with_first_seen

            facts = with_first_seen(facts, task_vars.get("inventory_hostname", ""), task_vars.get("tripod_client"))
        findings = evaluate(facts, policy, args["areas"])
        counts = {}
        for finding in findings:
            counts[finding["status"]] = counts.get(finding["status"], 0) + 1
        result.update(changed=False, tripod_findings=findings, counts=counts)
        failing = [f"{f['check_id']} ({f['severity']}): {f['evidence']}" for f in findings if f["status"] in ("fail", "error")]
        result["msg"] = f"{len(findings)} check(s): " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        if failing:
            result["failing"] = failing
        return result
