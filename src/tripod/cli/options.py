"""Options that several `tripod` commands share, defined once so they read the same everywhere."""

from __future__ import annotations

import argparse

INVENTORY_HELP = "inventory file or directory (repeatable)"


def add_inventory_options(parser: argparse.ArgumentParser, required: bool = True, inventory_help: str = INVENTORY_HELP,
                          vault_help: str = "file holding the ansible-vault password") -> None:
    """`-i/--inventory` (repeatable), `-l/--limit` and `--vault-password-file`."""
    parser.add_argument("-i", "--inventory", action="append", required=required, metavar="INVENTORY",
                        help=inventory_help)
    parser.add_argument("-l", "--limit", help="further limit the hosts with an Ansible pattern")
    parser.add_argument("--vault-password-file", metavar="FILE", help=vault_help)
