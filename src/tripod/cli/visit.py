"""`tripod visit -i INVENTORY --limit HOST [--check]`: an engineer's visit as one command.

Runs the tier cycle's `on_visit` areas on the hosts now (playbooks/cycle.yml with
tripod_cycle=on_visit and tripod_visit=true): the visit is the maintenance window, and the
patching guard records it as such (an action `visit_window`, never a window override).
Patching still follows the host's policy: its mode (audit or enforce) and its approval rules.
At the end it prints the visit report (found, done, still needs the client) and stores it as
HTML, PDF (with WeasyPrint) and JSON in $TRIPOD_DATA_DIR/visits/<client>/.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from tripod.cli.output import EXIT_HOSTS_FAILED, EXIT_OK, console
from tripod.errors import InputError

VISIT_VARS = ("tripod_cycle=on_visit", "tripod_visit=true")


def add_parser(commands: Any, add_run_options: Callable[[argparse.ArgumentParser], None],
               execute: Callable[..., Any]) -> None:
    """Add `visit` to the `tripod` subcommands; `execute` is the CLI's run (validate, record, progress)."""
    visit = commands.add_parser(
        "visit", help="an engineer's visit: run the host's on_visit areas now and write the visit report",
        description="Run every area whose cadence is on_visit on the given hosts now: the visit is their "
        "maintenance window (recorded as a visit, not as an override); patching follows the host's policy and "
        "approval rules. Then print the visit report (what was found, what was done, what still needs the "
        "client) and store it as HTML, PDF and JSON in $TRIPOD_DATA_DIR/visits/.",
    )
    add_run_options(visit)
    visit.set_defaults(handler=lambda args: cmd_visit(args, execute))


def cmd_visit(args: argparse.Namespace, execute: Callable[..., Any]) -> int:
    if not args.limit:
        raise InputError("--limit: a visit is to the hosts the engineer is at; give --limit HOST")
    if args.no_evidence:
        raise InputError("--no-evidence: the visit report is built from the evidence; a visit is always recorded")
    args.extra_vars = [*args.extra_vars, *VISIT_VARS]
    result = execute(args, "cycle", args.check)
    show(result.run_id, args.limit)
    return EXIT_OK if result.all_ok else EXIT_HOSTS_FAILED


def show(run_id: str, hosts_label: str) -> None:
    """Print the visit's report and store it."""
    from tripod.paths import data_dir
    from tripod.store import EvidenceStore
    from tripod.visit.report import from_store, save

    with EvidenceStore() as store:
        report = from_store(store, run_id)
    written = save(report, data_dir() / "visits", hosts_label)
    verb = "would do" if report.check_mode else "done"
    console.print(f"[bold]Visit report[/] {report.client}: {len(report.found)} problem(s) found, "
                  f"{len(report.done)} change(s) {verb}, {len(report.needs_client)} item(s) still need the client, "
                  f"{len(report.not_assessed)} not assessed", soft_wrap=True)
    for title, items in (("Found", report.found), (verb.capitalize(), report.done),
                         ("Still needs the client", report.needs_client)):
        for item in items:
            console.print(f"  {title}: {item.host} {item.area}: {item.text}"
                          + (f" — {item.detail}" if item.detail else ""), soft_wrap=True, markup=False)
    for kind in ("html", "pdf"):
        if kind in written:
            console.print(f"Visit report ({kind.upper()}): {written[kind]}", soft_wrap=True, markup=False)
