"""`tripod store copy`: move an evidence store to another database (SQLite to PostgreSQL)."""

from __future__ import annotations

import argparse
from typing import Any

from tripod.cli.output import EXIT_OK, console
from tripod.errors import InputError


def add_parser(commands: Any) -> None:
    store = commands.add_parser("store", help="manage the evidence store",
                                description="Manage the evidence store.")
    actions = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy", help="copy every run, finding, action, ticket and sign-off into an empty store",
        description="Copy a whole evidence store into an empty one (migrated on open), in one transaction: "
        "e.g. --from sqlite:///var/lib/tripod/evidence.sqlite --to postgresql://tripod@db/tripod.")
    copy.add_argument("--from", dest="source", required=True, metavar="URL",
                      help="the store to read: sqlite:///path, a file path, or postgresql://user@host/db")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="the empty store to fill")
    copy.set_defaults(handler=cmd_copy)


def cmd_copy(args: argparse.Namespace) -> int:
    from tripod.store import EvidenceStore, evidence_location
    from tripod.store.copy import TargetNotEmpty, copy_store, display
    from tripod.store.dialect import ERRORS

    source_location, target_location = evidence_location(args.source), evidence_location(args.target)
    if not isinstance(source_location, str) and not source_location.is_file():
        raise InputError(f"--from {display(args.source)}: no such evidence store")
    if str(source_location) == str(target_location):
        raise InputError(f"--to {display(args.target)}: the same store as --from")
    which = "--from"
    try:
        with EvidenceStore(source_location) as source:
            which = "--to"
            with EvidenceStore(target_location) as target:
                result = copy_store(source._conn, target._conn)
    except TargetNotEmpty as exc:
        raise InputError(f"--to {display(args.target)}: {exc}") from None
    except (*ERRORS, RuntimeError) as exc:
        location = args.source if which == "--from" else args.target
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{which} {display(location)}: cannot use the evidence store ({reason}); "
                         "nothing was copied") from None
    total = sum(result.rows.values())
    detail = ", ".join(f"{count} {table}" for table, count in result.rows.items() if count)
    console.print(f"copied {total} row(s) from {display(args.source)} to {display(args.target)}"
                  f"{f' ({detail})' if detail else ''}", markup=False, soft_wrap=True)
    return EXIT_OK
