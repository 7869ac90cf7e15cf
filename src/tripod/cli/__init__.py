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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

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
        "State lives in $TRIPOD_DATA_DIR (default ~/.local/share/tripod); the evidence store is --store, else "
        "$TRIPOD_EVIDENCE_URL, else $TRIPOD_DATA_DIR/evidence.sqlite (docs/scale.md).",
    )
    parser.add_argument("--version", action="version", version=f"tripod {__version__}")
    parser.add_argument("--store", metavar="URL", default=None, help=STORE_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from tripod.cli import report, run, store, triage, visit

    run.add_parsers(commands)
    report.add_parser(commands)
    triage.add_parser(commands)
    store.add_parser(commands)
    visit.add_parser(commands, run._add_run_options, run._execute)
    _add_store_options(commands)
    return parser


STORE_HELP = ("the evidence store: sqlite:///PATH, a file PATH or postgresql://USER@HOST/DB (overrides "
              "$TRIPOD_EVIDENCE_URL; default $TRIPOD_DATA_DIR/evidence.sqlite). Given before the command it "
              "applies to every command; the commands that use the store also take it after their name")

#: The commands (and actions) that open the evidence store: each takes --store too.
STORE_COMMANDS = ("run", "audit", "prune", "report", "review sign", "triage", "triage serve", "triage list", "visit")


def _add_store_options(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`--store URL` after the command's name as well: the same option, for every command that
    uses the store (a command that defines its own keeps it; SUPPRESS keeps `tripod --store`)."""
    for name in STORE_COMMANDS:
        parser = commands.choices[name.split()[0]]
        for action_name in name.split()[1:]:
            nested = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            parser = nested.choices[action_name]
        known = next((a for a in parser._actions if "--store" in a.option_strings), None)
        if known is None:
            parser.add_argument("--store", metavar="URL", default=argparse.SUPPRESS, help=STORE_HELP)
        else:
            known.default = argparse.SUPPRESS


@contextmanager
def _store_override(value: str | None) -> Iterator[None]:
    """`--store URL`: $TRIPOD_EVIDENCE_URL for this command and the Ansible run it starts (the
    evidence recorder reads it), as an absolute path or a URL; restored afterwards."""
    if not value:
        yield
        return
    from tripod.store import absolute
    from tripod.store.location import URL_VARIABLE

    try:
        location = absolute(value)
    except ValueError as exc:
        raise InputError(f"--store: {exc}") from None
    before = os.environ.get(URL_VARIABLE)
    os.environ[URL_VARIABLE] = location
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(URL_VARIABLE, None)
        else:
            os.environ[URL_VARIABLE] = before


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        with _store_override(getattr(args, "store", None)):
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
