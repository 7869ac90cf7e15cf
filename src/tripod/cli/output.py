"""What the CLI prints through, and how it ends: the consoles and the exit codes.

Only `tripod.cli` prints; the domain packages return data (and raise `tripod.errors.InputError`
for bad input).
"""

from __future__ import annotations

import sys

from rich.console import Console

EXIT_OK, EXIT_HOSTS_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

# Logs of scheduled runs (systemd, AWX, CI) are not terminals: give them room for whole lines.
_LOG_WIDTH = None if sys.stdout.isatty() else 160
console = Console(highlight=False, width=_LOG_WIDTH)
errors = Console(stderr=True, highlight=False, width=_LOG_WIDTH)


class RunStopped(Exception):
    """The run could not go on (Ansible failed, evidence could not be recorded): the message is
    printed as it is, and the command exits with `code`."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code
