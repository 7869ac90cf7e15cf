"""The `tripod` command: one module per group of commands, and the only package that prints.

- `tripod.cli.output`: the consoles and the exit codes;
- `tripod.cli.run`: run, audit, validate, prune;
- `tripod.cli.options`: the options several commands share (-i, --limit, --vault-password-file);
- `tripod.cli.report`: report, review sign, the roadmap and the network report;
- `tripod.cli.triage`: triage, triage serve, triage list;
- `tripod.cli.visit`: the engineer's visit;
- `tripod.cli.display`: the live run display and the tables printed after a run.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from rich.markup import escape

from tripod import __version__
from tripod.cli.output import EXIT_BAD_INPUT, EXIT_HOSTS_FAILED, EXIT_INTERNAL, RunStopped, errors
from tripod.errors import InputError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tripod",
        description="Proactive IT maintenance for managed service providers: run tier policies on client "
        "inventories, record the evidence, and report on it.",
        epilog="Exit codes: 0 all hosts ok; 1 a host failed or was unreachable; 2 bad input; 3 internal error. "
        "State lives in $TRIPOD_DATA_DIR (default ~/.local/share/tripod).",
    )
    parser.add_argument("--version", action="version", version=f"tripod {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from tripod.cli import report, run, store, triage, visit

    run.add_parsers(commands)
    report.add_parser(commands)
    triage.add_parser(commands)
    store.add_parser(commands)
    visit.add_parser(commands, run._add_run_options, run._execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except InputError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_BAD_INPUT
    except RunStopped as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return exc.code
    except KeyboardInterrupt:
        errors.print("[red]interrupted[/]: hosts already finished are recorded; rerun to continue")
        return EXIT_HOSTS_FAILED
    except Exception as exc:  # noqa: BLE001 - the user sees one line, never a traceback
        errors.print(f"[red]internal error:[/] {type(exc).__name__}: {exc}")
        errors.print("Please report this with the command you ran. Set TRIPOD_DEBUG=1 for the traceback.")
        if os.environ.get("TRIPOD_DEBUG"):
            raise
        return EXIT_INTERNAL
