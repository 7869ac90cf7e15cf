# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cliconf plugin for FRRouting's vtysh (ansible_network_os: tripod.maintenance.frr).

Enough for ansible.netcommon.cli_command, cli_config and the device facts: the running
configuration, the version, and configuration changes through `configure terminal`.
"""

from __future__ import annotations

DOCUMENTATION = """
author: Tripod maintainers (@tripod-msp)
name: frr
short_description: Cliconf plugin for FRRouting vtysh
description:
  - Runs commands and reads or changes the configuration of an FRRouting router through vtysh.
version_added: 1.0.0
"""

import json
import re
from typing import Any

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.ansible.netcommon.plugins.plugin_utils.cliconf_base import CliconfBase

_VERSION = re.compile(r"^FRRouting (\S+) \((\S+)\)", re.MULTILINE)


class Cliconf(CliconfBase):
    def get_device_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"network_os": "frr"}
        reply = to_text(self.get("show version"), errors="surrogate_or_strict")
        match = _VERSION.search(reply)
        if match:
            info["network_os_version"] = match.group(1)
            info["network_os_hostname"] = match.group(2)
        return info

    def get_config(self, source: str = "running", flags: Any = None, format: Any = None) -> Any:  # noqa: A002
        if source not in ("running", "startup"):
            raise ValueError(f"fetching configuration from {source} is not supported")
        if format not in (None, "text"):
            raise ValueError(f"'format' value {format} is not supported for get_config")
        command = "show running-config" if source == "running" else "show startup-config"
        return self.send_command(" ".join([command, *(flags or [])]))

    def edit_config(self, candidate: Any = None, commit: bool = True, replace: Any = None,
                    comment: Any = None) -> dict[str, Any]:
        if not commit:
            raise ValueError("FRRouting applies changes at once: check mode is not supported by edit_config")
        if replace:
            raise ValueError("replacing the whole configuration is not supported")
        requests: list[Any] = []
        responses: list[Any] = []
        self.send_command("configure terminal")
        for line in candidate or []:
            command = line if isinstance(line, dict) else {"command": line}
            if command["command"] == "end":
                continue
            responses.append(self.send_command(**command))
            requests.append(command["command"])
        self.send_command("end")
        return {"request": requests, "response": responses}

    def get(self, command: Any = None, prompt: Any = None, answer: Any = None, sendonly: bool = False,
            newline: bool = True, output: Any = None, check_all: bool = False) -> Any:
        if output:
            raise ValueError(f"'output' value {output} is not supported for get")
        return self.send_command(command=command, prompt=prompt, answer=answer, sendonly=sendonly,
                                 newline=newline, check_all=check_all)

    def get_device_operations(self) -> dict[str, Any]:
        return {
            "supports_diff_replace": False,
            "supports_commit": False,
            "supports_rollback": False,
            "supports_defaults": False,
            "supports_onbox_diff": False,
            "supports_commit_comment": False,
            "supports_multiline_delimiter": False,
            "supports_diff_match": True,
            "supports_diff_ignore_lines": True,
            "supports_generate_diff": True,
            "supports_replace": False,
        }

    def get_option_values(self) -> dict[str, Any]:
        return {"format": ["text"], "diff_match": ["line", "strict", "exact", "none"],
                "diff_replace": ["line", "block"], "output": []}

    def get_capabilities(self) -> str:
        result = super().get_capabilities()
        result["rpc"] += ["get_diff", "run_commands"]
        result["device_operations"] = self.get_device_operations()
        result.update(self.get_option_values())
        return json.dumps(result)

    def run_commands(self, commands: Any = None, check_rc: bool = True) -> list[Any]:
        if commands is None:
            raise ValueError("'commands' value is required")
        responses = []
        for cmd in commands:
            command = cmd if isinstance(cmd, dict) else {"command": cmd}
            responses.append(self.send_command(**command))
        return responses
