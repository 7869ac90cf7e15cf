# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve the host's effective tier policy on the controller, without a round trip.

Documentation: plugins/modules/resolve_policy.py.
"""

from __future__ import annotations

from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import ControllerAction


class ActionModule(ControllerAction):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        from tripod.policy import in_window, resolve_host
        from tripod.policy.origin import ansible_origin
        from tripod.policy.resolve import LAYERS

        task_vars = task_vars or {}
        host = task_vars.get("inventory_hostname", "?")
        cached = [name for name in ("tripod_client", "tripod_policy") if name in (task_vars.get("ansible_facts") or {})]
        if cached:
            # A fact cache written by an older Tripod (or by hand), keyed by host name alone: its
            # facts beat the inventory, and may be another client's host of the same name.
            result.update(failed=True, msg=f"{host}: {', '.join(cached)} found in Ansible's fact cache, where they "
                          "would override the inventory (the cache is keyed by host name alone); clear the fact "
                          "cache (fact_caching_connection), nothing was changed")
            return result
        host_vars = {name: task_vars[name] for name in (*LAYERS, "tripod_client") if name in task_vars}
        resolution = resolve_host(host, list(task_vars.get("group_names", [])), host_vars, ansible_origin)
        if not resolution.ok:
            lines = [str(p) for p in resolution.problems]
            result.update(failed=True, problems=lines, msg=f"invalid Tripod policy ({len(lines)} problem(s)), nothing was changed:\n" + "\n".join(lines))
            return result
        result["changed"] = False
        if resolution.warnings:
            result["warnings"] = list(resolution.warnings)
        # Plain result keys, never ansible_facts: Ansible writes a module's facts to the fact
        # cache under the host's name alone, and cached facts beat the inventory's group_vars,
        # so another client's host of the same name would inherit this client and policy.
        # The preflight role turns these into (non-cacheable) host variables with set_fact.
        result.update(
            tripod_tier=resolution.tier,
            tripod_client=resolution.client,
            tripod_policy=resolution.policy,
            tripod_in_maintenance_window=in_window(resolution.policy["maintenance_window"]),
        )
        return result
