# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit a host against Tripod's hardening catalog on the controller. Documentation: plugins/modules/hardening_audit.py."""

from __future__ import annotations

from typing import Any

from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import (
    NO_FACTS,
    NO_POLICY,
    ControllerAction,
)

ARGUMENT_SPEC: dict[str, Any] = {
    "mode": {"type": "str", "required": True, "choices": ["audit", "enforce"]},
    "facts": {"type": "dict"},
    "policy": {"type": "dict"},
    "level": {"type": "str", "choices": ["server", "workstation"]},
    "disabled": {"type": "list", "elements": "str", "default": []},
    "management": {"type": "dict", "default": {}},
    "waivers_file": {"type": "str"},
    "windows_facts": {"type": "dict"},
    "before": {"type": "dict"},
    "emit": {"type": "bool", "default": True},
    "enforce_expired_waivers": {"type": "bool", "default": True},
    "reads_only": {"type": "bool", "default": False},
    "policy_mode": {"type": "str", "choices": ["audit", "enforce"]},
    "forced_by": {"type": "str", "default": "tripod_force_mode"},
}


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.errors import InputError
        from tripod.hardening import actions, load_catalog
        from tripod.hardening.scope import override_action

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        if args["reads_only"]:
            result.update(changed=False, ansible_facts={"hardening_windows_reads": load_catalog().windows_reads()})
            return result
        facts = self.host_value(args, task_vars, "facts", "tripod_compliance", NO_FACTS)
        policy = self.host_value(args, task_vars, "policy", "tripod_policy", NO_POLICY)
        windows = args["windows_facts"] if args["windows_facts"] is not None else task_vars.get("tripod_hardening_windows")
        try:
            audit = self.audit_hardening(
                task_vars, facts, policy, args["mode"],
                management=args["management"],
                level=args["level"],
                disabled=args["disabled"],
                waivers_file=args["waivers_file"],
                windows_facts=windows,
                enforce_expired_waivers=args["enforce_expired_waivers"],
            )
        except InputError as exc:
            result.update(failed=True, msg=f"invalid hardening input, nothing was changed: {exc}")
            return result
        plan = audit.plan
        plan["waivers_file"] = audit.waivers_file
        counts = plan["counts"]
        result.update(
            changed=False,
            hardening_plan=plan,  # a result, not a fact: it stays out of the fact cache
            counts=counts,
            failing=plan["failing"],
            msg=f"{sum(counts.values())} finding(s): " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
        )
        if args["emit"]:
            result["tripod_findings"] = audit.assessment.findings()
            override = override_action(args["policy_mode"] or args["mode"], args["mode"], args["forced_by"])
            if override is not None:
                result["tripod_actions"] = [override]
            if args["before"] is not None:
                done = list(args["before"].get("enforce") or [])
                result["tripod_actions"] = result.get("tripod_actions", []) + actions(
                    done, audit.assessment, load_catalog(), bool(self._task.check_mode), args["before"].get("status"))
        return result
