# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publish a host's Tripod metrics of this run. Documentation: plugins/modules/metrics.py."""

from __future__ import annotations

import re
import shlex
from typing import Any

from ansible.errors import AnsibleActionFail
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
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.prom$")  # as tripod.maintenance.prom_textfile
NO_DIRECTORY = "TRIPOD_NO_TEXTFILE_DIRECTORY"
WRITTEN = "TRIPOD_TEXTFILE_WRITTEN"


def write_command(directory: str, name: str, mode: int) -> str:
    """A POSIX shell command that writes its standard input to directory/name atomically.

    The same steps as tripod.maintenance.prom_textfile (a hidden temporary file in the directory,
    its mode, a rename over the old file; nothing written when the directory does not exist), in one
    plain command: no module round trip (no Python started on the host, no AnsiballZ payload).
    """
    target = shlex.quote(f"{directory.rstrip('/') or '/'}/{name}")
    temporary = shlex.quote(f"{directory.rstrip('/')}/.{name}.") + '"$$"' + ".tmp"
    return (f"if [ ! -d {shlex.quote(directory)} ]; then echo {NO_DIRECTORY}; exit 0; fi; umask 077; "
            f"if cat > {temporary} && chmod {mode:04o} {temporary} && {{ sync {temporary} 2>/dev/null || :; }} "
            f"&& mv -f {temporary} {target}; then echo {WRITTEN} $(wc -c < {target}); "
            f"else rm -f {temporary}; exit 1; fi")


def file_mode(value: Any) -> int:
    """The file mode from an octal string ('0644') or a number; AnsibleActionFail otherwise."""
    try:
        mode = int(str(value), 8) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        mode = -1
    if mode < 0 or mode & ~0o7777:
        raise AnsibleActionFail(f"mode: {value!r} is not an octal file mode such as '0644'")
    return mode


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
        # The plain command needs the connection to pass standard input (what pipelining needs too):
        # ssh and local do; others (podman exec without -i, for one) would silently write nothing.
        if self._task.diff or not getattr(self._connection, "has_pipelining", False):
            # The module reads the old file for the diff, and needs no standard input.
            written = self._execute_module(
                module_name="tripod.maintenance.prom_textfile",
                module_args={"directory": args["directory"], "name": args["name"], "content": content,
                             "mode": args["mode"]},
                task_vars=task_vars)
        else:
            written = self._write(args["directory"], args["name"], file_mode(args["mode"]), content)
        written["metrics"] = summary
        result.update(written)
        return result

    def _write(self, directory: str, name: str, mode: int, content: str) -> dict[str, Any]:
        """Write the file with one plain command (no module); in check mode, contact nothing."""
        if not NAME.match(name):
            raise AnsibleActionFail(f"name: {name!r} must be a file name ending in .prom")
        path = f"{directory.rstrip('/')}/{name}"
        if self._task.check_mode:
            # A run's metrics always differ from the last run's (its time and id): that would be the change.
            return {"changed": True, "written": False, "path": path, "msg": "check mode: nothing written"}
        done = self._low_level_execute_command(write_command(directory, name, mode), sudoable=True,
                                               in_data=content.encode("utf-8"))
        out = done.get("stdout", "")
        if done.get("rc") != 0 or (NO_DIRECTORY not in out and WRITTEN not in out):
            return {"failed": True, "written": False, "path": path,
                    "msg": f"cannot write {path}: {(done.get('stderr') or out).strip()[-500:]}"}
        if NO_DIRECTORY in out:
            return {"changed": False, "written": False, "path": path,
                    "msg": f"{directory} does not exist: no node exporter textfile collector here, nothing written"}
        size = len(content.encode("utf-8"))
        reported = out.split(WRITTEN, 1)[1].split()
        if reported[:1] != [str(size)]:
            return {"failed": True, "written": False, "path": path,
                    "msg": f"{path} has {' '.join(reported[:1]) or 'an unknown number of'} bytes after the write, "
                           f"not the metrics' {size}: the connection did not pass them on standard input"}
        return {"changed": True, "written": True, "path": path}
