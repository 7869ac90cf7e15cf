# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publish a host's Tripod metrics of this run. Documentation: plugins/modules/metrics.py."""

from __future__ import annotations

from typing import Any

from ansible.plugins.loader import callback_loader
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import ControllerAction

ARGUMENT_SPEC: dict[str, Any] = {
    "directory": {"type": "path", "required": True},
    "name": {"type": "str", "default": "tripod.prom"},
    "mode": {"type": "raw", "default": "0644"},
    "run_id": {"type": "str"},
    "db_path": {"type": "path"},
    "write": {"type": "bool", "default": True},
}
RECORDER = "tripod.maintenance.evidence"


def _recorder_options() -> tuple[str | None, str | None]:
    """The evidence recorder's store and run id, configured as the recorder reads them (env, ini)."""
    recorder = callback_loader.get(RECORDER)
    if recorder is None:
        return None, None
    recorder.set_options()
    return recorder.get_option("db_path") or None, recorder.get_option("run_id") or None


class ActionModule(ControllerAction):
    _requires_connection = True  # the metrics file is written on the host (unless write is false)

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        from tripod.monitoring import host_metrics_text
        from tripod.store import display_location, evidence_location

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        db_path, run_id = _recorder_options()
        # The recorder's file, else the store --store / $TRIPOD_EVIDENCE_URL names (PostgreSQL too).
        db_path = str(evidence_location(args["db_path"] or db_path or None))
        run_id = args["run_id"] or run_id
        host = task_vars.get("inventory_hostname")
        if not run_id:
            result.update(changed=False, written=False,
                          msg="no run id: enable the tripod.maintenance.evidence callback (tripod run does) or set "
                              "TRIPOD_RUN_ID; no metrics written")
            return result
        made = host_metrics_text(db_path, run_id, host, task_vars.get("tripod_client"), task_vars.get("tripod_tier"))
        if made is None:
            result.update(changed=False, written=False,
                          msg=f"the evidence store {display_location(db_path)} has nothing of {host} in run {run_id}; no metrics written")
            return result
        content, summary = made
        if not args["write"]:
            # The caller writes it (Windows hosts: ansible.windows.win_copy into windows_exporter's directory).
            result.update(changed=False, written=False, content=content, metrics=summary)
            return result
        written = self._execute_module(
            module_name="tripod.maintenance.prom_textfile",
            module_args={"directory": args["directory"], "name": args["name"], "content": content,
                         "mode": args["mode"]},
            task_vars=task_vars)
        written["metrics"] = summary
        result.update(written)
        return result
