"""The `tripod` command line."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml
from rich.console import Console
from rich.markup import escape

from tripod import __version__
from tripod.errors import InputError

EXIT_OK, EXIT_HOSTS_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

# Logs of scheduled runs (systemd, AWX, CI) are not terminals: give them room for whole lines.
_LOG_WIDTH = None if sys.stdout.isatty() else 160
console = Console(highlight=False, width=_LOG_WIDTH)
errors = Console(stderr=True, highlight=False, width=_LOG_WIDTH)


def _parse_extra_vars(values: list[str]) -> dict[str, Any]:
    """-e key=value, -e '{"json": true}' or -e @file.yml, like ansible-playbook."""
    merged: dict[str, Any] = {}
    for value in values:
        if value.startswith("@"):
            path = Path(value[1:]).expanduser()
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
            except OSError as exc:
                raise InputError(f"{path}: cannot read extra vars file ({exc.strerror})") from None
            except yaml.YAMLError as exc:
                raise InputError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
            if not isinstance(loaded, dict):
                raise InputError(f"{path}: extra vars file must hold a mapping")
            merged.update(loaded)
        elif value.lstrip().startswith("{"):
            try:
                loaded = yaml.safe_load(value)
            except yaml.YAMLError:
                raise InputError(f"--extra-vars: not valid JSON or YAML: {value}") from None
            merged.update(loaded)
        else:
            for pair in shlex.split(value):
                key, sep, item = pair.partition("=")
                if not sep or not key:
                    raise InputError(f"--extra-vars: '{pair}' is not key=value")
                merged[key] = item
    return merged


def _add_inventory_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-i", "--inventory", action="append", required=True, metavar="INVENTORY",
                        help="inventory file or directory (repeatable)")
    parser.add_argument("-l", "--limit", help="further limit the hosts with an Ansible pattern")
    parser.add_argument("--vault-password-file", metavar="FILE", help="file holding the ansible-vault password")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    _add_inventory_options(parser)
    parser.add_argument("-C", "--check", action="store_true", help="dry run: report what would change, change nothing")
    parser.add_argument("-D", "--diff", action="store_true", help="show the differences in changed files")
    parser.add_argument("-t", "--tags", help="only run tasks with these tags (comma-separated)")
    parser.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS",
                        help="key=value, JSON/YAML, or @file (repeatable)")
    parser.add_argument("--no-evidence", action="store_true", help="do not record this run in the evidence store")


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

    run = commands.add_parser(
        "run", help="run a playbook on an inventory",
        description="Run a Tripod playbook (a shipped one by name, e.g. preflight or audit, or a path) "
        "on an inventory, showing progress, then a summary per host.",
    )
    run.add_argument("playbook", metavar="PLAYBOOK", help="shipped playbook name (preflight, audit, ...) or a path")
    _add_run_options(run)
    run.set_defaults(handler=cmd_run)

    audit = commands.add_parser(
        "audit", help="gather facts and evaluate every check; changes nothing",
        description="Run the audit playbook (always in check mode: nothing on the hosts changes), record the "
        "facts and findings in the evidence store, and print a summary per host.",
    )
    _add_run_options(audit)
    audit.set_defaults(handler=cmd_audit)

    prune = commands.add_parser(
        "prune", help="apply the evidence retention policy",
        description="Roll findings and actions older than the retention period up into monthly summaries (the "
        "monthly reports keep their numbers), then delete them and the fact snapshots of those months.",
    )
    prune.add_argument("--keep-months", type=int, default=None, metavar="N",
                       help="months of detail to keep (default: $TRIPOD_RETENTION_MONTHS or 13)")
    prune.set_defaults(handler=cmd_prune)

    validate = commands.add_parser(
        "validate", help="check an inventory's tiers and policies offline",
        description="Resolve every host's tier and effective policy without contacting any host, and list "
        "every problem at once, one line each, naming the file, the host and the key. Exit 0 when clean, 1 otherwise.",
    )
    _add_inventory_options(validate)
    validate.add_argument("--show", metavar="HOST", help="also print this host's tier and effective policy as YAML")
    validate.set_defaults(handler=cmd_validate)

    from tripod.report.cli import add_parser as add_report_parser

    add_report_parser(commands)

    from tripod.triage.cli import add_parser as add_triage_parser

    add_triage_parser(commands)
    return parser


def _validation(args: argparse.Namespace):
    from tripod.inventory import validate_inventory

    return validate_inventory(args.inventory, args.limit, args.vault_password_file)


def cmd_validate(args: argparse.Namespace) -> int:
    resolutions, problems = _validation(args)
    for problem in problems:
        console.print(str(problem), markup=False, soft_wrap=True)
    if problems:
        bad = len({p.host for p in problems})
        errors.print(f"[red]{len(problems)} problem(s) on {bad} of {len(resolutions)} host(s)[/]")
        return EXIT_HOSTS_FAILED
    if args.show:
        shown = next((r for r in resolutions if r.host == args.show), None)
        if shown is None:
            raise InputError(f"--show {args.show}: no such host in the inventory")
        console.print(f"# {shown.host}: client {shown.client}, {shown.tier}", markup=False)
        console.print(yaml.safe_dump({"tripod_policy": shown.policy}, sort_keys=False), markup=False, soft_wrap=True)
    tiers: dict[str, int] = {}
    for resolution in resolutions:
        tiers[resolution.tier or "?"] = tiers.get(resolution.tier or "?", 0) + 1
    detail = ", ".join(f"{count} in {tier}" for tier, count in sorted(tiers.items()))
    console.print(f"[green]ok[/]: {len(resolutions)} host(s) valid ({detail})")
    return EXIT_OK


def _execute(args: argparse.Namespace, playbook_name: str, check: bool, run_table: bool = True):
    """Validate, run with live progress, print the per-host table; return the RunResult."""
    from tripod.console import RunDisplay, summary_table
    from tripod.runner import RunRequest, resolve_playbook, run_playbook

    request = RunRequest(
        playbook=playbook_name,
        inventories=args.inventory,
        limit=args.limit,
        check=check,
        diff=args.diff,
        tags=args.tags,
        extra_vars=_parse_extra_vars(args.extra_vars),
        vault_password_file=args.vault_password_file,
        record_evidence=not args.no_evidence,
    )
    playbook = resolve_playbook(request.playbook)
    resolutions, problems = _validation(args)
    for problem in problems:
        errors.print(f"[yellow]policy problem, preflight will stop this host:[/] {escape(str(problem))}", soft_wrap=True)
    hosts = [r.host for r in resolutions]
    mode = "dry run (check mode)" if request.check else "live run"
    console.print(f"[bold]{playbook.name}[/] on {len(hosts)} host(s), {mode}")
    with RunDisplay(console, hosts) as display:
        result = run_playbook(request, hosts, display)
    if run_table or not result.all_ok:
        console.print(summary_table(result))
    console.print(f"Artifacts: {result.artifacts}", soft_wrap=True)
    return result


def cmd_run(args: argparse.Namespace) -> int:
    result = _execute(args, args.playbook, args.check)
    if not args.no_evidence:
        from tripod.hardening.summary import show_after_run as show_hardening
        from tripod.patching.summary import show_after_run as show_patching
        from tripod.run_summary import show_after_run as show_health_and_housekeeping

        # Each prints only when the run recorded evidence of its area.
        show_health_and_housekeeping(console, result.run_id)  # failing health checks, space reclaimed
        show_patching(console, result)  # patched / nothing to do / skipped / failed / not started
        show_hardening(console, result.run_id)  # controls per host, failing and waived ones, changes
    return EXIT_OK if result.all_ok else EXIT_HOSTS_FAILED


def cmd_audit(args: argparse.Namespace) -> int:
    from tripod.console import audit_table
    from tripod.store import EvidenceStore, default_path

    result = _execute(args, "audit", check=True, run_table=args.no_evidence)
    if not args.no_evidence:
        with EvidenceStore() as store:
            from tripod.audit import summarize_run

            summaries = summarize_run(store, result.run_id)
        console.print(audit_table(summaries))
        console.print(f"Evidence: {default_path()} (run {result.run_id})", soft_wrap=True)
    return EXIT_OK if result.all_ok else EXIT_HOSTS_FAILED


def cmd_prune(args: argparse.Namespace) -> int:
    import os

    from tripod.store import EvidenceStore, default_path

    months = args.keep_months
    if months is None:
        configured = os.environ.get("TRIPOD_RETENTION_MONTHS", "13")
        if not configured.isdigit():
            raise InputError(f"TRIPOD_RETENTION_MONTHS: '{configured}' is not a whole number of months")
        months = int(configured)
    if months < 1:
        raise InputError(f"--keep-months: {months} must be at least 1")
    if not default_path().exists():
        console.print(f"nothing to prune: {default_path()} does not exist", soft_wrap=True)
        return EXIT_OK
    with EvidenceStore() as store:
        result = store.prune(months)
    rolled = ", ".join(result.months) or "none"
    console.print(f"kept {months} month(s) of detail (before {result.cutoff} rolled up: {rolled}); removed "
                  f"{result.fact_snapshots} fact snapshot(s), {result.findings} finding(s), {result.actions} action(s)",
                  soft_wrap=True)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except InputError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        errors.print("[red]interrupted[/]: hosts already finished are recorded; rerun to continue")
        return EXIT_HOSTS_FAILED
    except Exception as exc:  # noqa: BLE001 - the user sees one line, never a traceback
        errors.print(f"[red]internal error:[/] {type(exc).__name__}: {exc}")
        errors.print("Please report this with the command you ran. Set TRIPOD_DEBUG=1 for the traceback.")
        if __import__("os").environ.get("TRIPOD_DEBUG"):
            raise
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
