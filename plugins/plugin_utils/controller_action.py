# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of Tripod's action plugins: they run on the controller only and use the tripod package."""

from __future__ import annotations

import importlib.util
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

MISSING_TRIPOD = "the tripod Python package is not installed on the controller (pip install tripod)"


class ControllerAction(ActionBase):
    """An action that never contacts the host and works the same in check mode."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        if importlib.util.find_spec("tripod") is None:
            raise AnsibleActionFail(MISSING_TRIPOD)
        return super().run(tmp, task_vars)

    @staticmethod
    def host_value(args: dict[str, Any], task_vars: dict[str, Any] | None, name: str, variable: str,
                   missing: str) -> Any:
        """The argument `name`, else the host's variable `variable`; AnsibleActionFail(missing) without either."""
        value = args.get(name)
        if value is None:
            value = (task_vars or {}).get(variable)
        if value is None:
            raise AnsibleActionFail(missing)
        return value

    @staticmethod
    def audit_hardening(task_vars: dict[str, Any], facts: Any, policy: Any, mode: str, **options: Any) -> Any:
        """`tripod.hardening.host.audit_host` for this host: its name, groups, inventory and the run's tags
        from `task_vars`, the role's options (level, disabled, waivers_file, ...) as given."""
        from tripod.hardening.host import audit_host

        return audit_host(
            host=str(task_vars.get("inventory_hostname", "?")),
            groups=list(task_vars.get("group_names", [])),
            facts=facts,
            policy=policy,
            mode=mode,
            inventory_dir=task_vars.get("inventory_dir"),
            run_tags=list(task_vars.get("ansible_run_tags") or ["all"]),
            skip_tags=list(task_vars.get("ansible_skip_tags") or []),
            **options,
        )


NO_POLICY = "no effective policy: run the tripod.maintenance.preflight role first or pass policy"
NO_FACTS = "no compliance facts: run the tripod.maintenance.facts role first or pass facts"
