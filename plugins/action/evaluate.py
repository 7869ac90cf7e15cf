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
    "hardening": {"type": "dict", "options": {
        "level": {"type": "str", "choices": ["server", "workstation"]},
        "disabled": {"type": "list", "elements": "str", "default": []},
        "waivers_file": {"type": "str"},
        "enforce_expired_waivers": {"type": "bool", "default": True},
    }},
}


def _audits_hardening(facts: dict, policy: dict) -> bool:
    """The hardening catalog is audited here for a Linux host whose policy enables it (Windows needs
    the hardening role's extra read)."""
    enabled = ((policy.get("areas") or {}).get("hardening") or {}).get("enabled")
    return bool(enabled) and (facts.get("os_family") or "linux") == "linux"


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
        if args["hardening"] is not None and _audits_hardening(facts, policy):
            from tripod.errors import InputError

            try:
                audit = self.audit_hardening(task_vars, facts, policy, "audit", **args["hardening"])
            except InputError as exc:
                result.update(failed=True, tripod_findings=findings,
                              msg=f"invalid hardening input, the catalog was not evaluated: {exc}")
                return result
            findings = findings + audit.assessment.findings()
        counts = {}
        for finding in findings:
            counts[finding["status"]] = counts.get(finding["status"], 0) + 1
        result.update(changed=False, tripod_findings=findings, counts=counts)
        failing = [f"{f['check_id']} ({f['severity']}): {f['evidence']}" for f in findings if f["status"] in ("fail", "error")]
        result["msg"] = f"{len(findings)} check(s): " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        if failing:
            result["failing"] = failing
        return result
