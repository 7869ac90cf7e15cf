# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Terminal plugin for FRRouting's vtysh, reached over SSH by ansible.netcommon.network_cli.

The device's login shell is /usr/bin/vtysh: its prompts are `host#`, `host(config)#` and
`host(config-if)#`; paging is switched off when the shell opens.
"""

from __future__ import annotations

DOCUMENTATION = """
author: Tripod maintainers (@tripod-msp)
name: frr
short_description: Terminal plugin for FRRouting vtysh
description:
  - Prompts, errors and terminal settings of FRRouting's vtysh for ansible.netcommon.network_cli.
version_added: 1.0.0
"""

import re

from ansible.errors import AnsibleConnectionFailure
from ansible_collections.ansible.netcommon.plugins.plugin_utils.terminal_base import TerminalBase


class TerminalModule(TerminalBase):
    terminal_stdout_re = [
        re.compile(rb"[\r\n]?[\w+\-.:/\[\]]+(?:\([^)]+\)){0,3}[>#] ?$"),
    ]

    terminal_stderr_re = [
        re.compile(rb"% Unknown command", re.IGNORECASE),
        re.compile(rb"% Command incomplete", re.IGNORECASE),
        re.compile(rb"% Ambiguous command", re.IGNORECASE),
        re.compile(rb"% Invalid input", re.IGNORECASE),
        re.compile(rb"% There is no matched command", re.IGNORECASE),
        re.compile(rb"% Configuration failed", re.IGNORECASE),
    ]

    terminal_config_prompt = re.compile(r"^.+\(config(-[^)]+)?\)#$")

    def on_open_shell(self) -> None:
        try:
            self._exec_cli_command(b"terminal length 0")
        except AnsibleConnectionFailure as exc:
            raise AnsibleConnectionFailure("unable to set terminal parameters") from exc
