"""`tripod run`, `tripod audit`, `tripod validate` and `tripod prune`: their options, and running a
playbook with live progress, evidence opened first, and the per-host table and area summaries."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

import yaml
from rich.markup import escape

from tripod.cli.output import (
    EXIT_BAD_INPUT,
    EXIT_HOSTS_FAILED,
    EXIT_INTERNAL,
    EXIT_OK,
    RunStopped,
    console,
    errors,
)
from tripod.cli.options import add_inventory_options
from tripod.errors import InputError, io_errors_are_bad_input, store_reason


def _vars_file(value: str, vault_password_file: str | None) -> Path:
    """-e @file: checked here (readable, a mapping), then given to ansible-playbook as a file, so
    that vault-encrypted files and inline `!vault` values work as they do with ansible-playbook."""
    from tripod.vaulted import is_vault_file, load_yaml_with_vault_tags

    path = Path(value[1:]).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read extra vars file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: extra vars file is not UTF-8 text") from None
    if is_vault_file(text):
        if not vault_password_file:
            raise InputError(f"{path}: extra vars file is vault-encrypted: give --vault-password-file")
        return path.resolve()
    try:
        loaded = load_yaml_with_vault_tags(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(loaded, dict):
        raise InputError(f"{path}: extra vars file must hold a mapping")
    return path.resolve()


def _parse_extra_vars(values: list[str], vault_password_file: str | None = None) -> list[dict[str, Any] | Path]:
    """-e key=value, -e '{"json": true}' or -e @file.yml, like ansible-playbook, in order.

    Inline values come back as mappings (the runner passes them through a 0600 file, never on
    the command line), files as paths (given to ansible-playbook as they are)."""
    parsed: list[dict[str, Any] | Path] = []
    for value in values:
        if value.startswith("@"):
            parsed.append(_vars_file(value, vault_password_file))
        elif value.lstrip().startswith("{"):
            try:
                loaded = yaml.safe_load(value)
            except yaml.YAMLError:
                raise InputError("--extra-vars: not valid JSON or YAML (value not shown: it may hold a secret)") from None
            if not isinstance(loaded, dict):
                raise InputError("--extra-vars: a JSON/YAML value must be a mapping")
            parsed.append(loaded)
        else:
            try:
                pairs = shlex.split(value)
            except ValueError as exc:
                raise InputError(f"--extra-vars: cannot split key=value pairs ({exc})") from None
            inline: dict[str, Any] = {}
            for pair in pairs:
                key, sep, item = pair.partition("=")
                if not sep or not key:
                    raise InputError(f"--extra-vars: '{key if sep else pair[:40]}' is not key=value")
                inline[key] = item
            parsed.append(inline)
    return parsed


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    add_inventory_options(parser)
    parser.add_argument("-C", "--check", action="store_true", help="dry run: report what would change, change nothing")
    parser.add_argument("-D", "--diff", action="store_true", help="show the differences in changed files")
    parser.add_argument("-t", "--tags", help="only run tasks with these tags (comma-separated)")
    parser.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS",
                        help="key=value, JSON/YAML, or @file (repeatable)")
    parser.add_argument("--no-evidence", action="store_true",
                        help="run without recording evidence (otherwise a store that cannot be written stops the run "
                        "before any host is contacted)")


def add_parsers(commands: Any) -> None:
    """`run`, `audit`, `prune` and `validate`."""
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
        "every problem at once, one line each, naming the file, the host and the key. Exit 0 when clean, 2 (bad "
        "input) otherwise. Warnings (an expired waiver, a waiver for no host) do not change the exit code.",
    )
    add_inventory_options(validate)
    validate.add_argument("--show", metavar="HOST", help="also print this host's tier and effective policy as YAML")
    validate.set_defaults(handler=cmd_validate)


def _validation(args: argparse.Namespace, warnings: list[str] | None = None):
    from tripod.inventory import validate_inventory

    return validate_inventory(args.inventory, args.limit, args.vault_password_file, warnings)


def cmd_validate(args: argparse.Namespace) -> int:
    warnings: list[str] = []
    resolutions, problems = _validation(args, warnings)
    for warning in warnings:
        errors.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    for problem in problems:
        console.print(str(problem), markup=False, soft_wrap=True)
    if problems:
        bad = len({p.host for p in problems})
        errors.print(f"[red]{len(problems)} problem(s) on {bad} of {len(resolutions)} host(s)[/]")
        return EXIT_BAD_INPUT
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


def _open_evidence(run_id: str, request: Any) -> Path:
    """Before any host is contacted: open and migrate the store, close the runs whose process is
    gone, note this process and write the run row. Any failure stops the run (exit 2)."""
    from tripod.runner import make_run_directory
    from tripod.store import EvidenceStore, display_location, evidence_location
    from tripod.store.dialect import ERRORS

    path = evidence_location()  # $TRIPOD_EVIDENCE_URL, else the SQLite file: where the callback writes
    make_run_directory(run_id)
    try:
        with EvidenceStore(path) as store:
            stale = store.abort_stale_runs()
            controller = store.register_controller(run_id)
            store.start_run(run_id, playbook=request.playbook, inventory=request.inventories, check_mode=request.check)
    except (*ERRORS, OSError, RuntimeError) as exc:
        reason = store_reason(exc)  # one line, whichever backend
        if isinstance(exc, OSError) and exc.strerror:
            reason = exc.strerror
        if "not a database" in reason:
            reason = "not an SQLite database (corrupt or another file)"
        raise InputError(f"{display_location(path)}: cannot record evidence ({reason}); nothing was run. "
                         "Fix or move the store, or pass --no-evidence") from None
    if stale:
        errors.print(f"[yellow]closed {len(stale)} run(s) left running by a process that is gone, as aborted:[/] "
                     f"{', '.join(stale)}", soft_wrap=True)
    return controller


def _close_evidence(run_id: str, status: str) -> None:
    """Close a run that did not close itself (`aborted` or `failed`); never raises."""
    from tripod.store import EvidenceStore
    from tripod.store.dialect import ERRORS

    try:
        with EvidenceStore() as store:
            run = store.get_run(run_id)
            if run is not None and run.status == "running":
                if status == "aborted":
                    store.abort_run(run_id)
                else:
                    store.end_run(run_id, status=status)
    except (*ERRORS, OSError, RuntimeError) as exc:
        errors.print(f"[red]cannot close run {run_id} in the evidence store:[/] {escape(str(exc))}", soft_wrap=True)


def _run_left_open(run_id: str) -> bool:
    from tripod.store import EvidenceStore

    with EvidenceStore() as store:
        run = store.get_run(run_id)
    return run is None or run.status == "running"


def _execute(args: argparse.Namespace, playbook_name: str, check: bool, run_table: bool = True):
    """Validate, open the evidence store, run with live progress, print the per-host table;
    return the RunResult. Raises RunStopped when Ansible fails or evidence cannot be recorded."""
    from tripod.cli.display import RunDisplay, summary_table
    from tripod.runner import RunRequest, new_run_id, resolve_playbook, run_playbook

    request = RunRequest(
        playbook=playbook_name,
        inventories=args.inventory,
        limit=args.limit,
        check=check,
        diff=args.diff,
        tags=args.tags,
        extra_vars=_parse_extra_vars(args.extra_vars, args.vault_password_file),
        vault_password_file=args.vault_password_file,
        record_evidence=not args.no_evidence,
    )
    playbook = resolve_playbook(request.playbook)
    request.playbook = str(playbook)
    resolutions, problems = _validation(args)
    for problem in problems:
        errors.print(f"[yellow]policy problem, preflight will stop this host:[/] {escape(str(problem))}", soft_wrap=True)
    hosts = [r.host for r in resolutions]
    run_id = new_run_id()
    controller = None
    if request.record_evidence:
        controller = _open_evidence(run_id, request)
    else:
        errors.print("[yellow]--no-evidence: this run is not recorded in the evidence store[/]")
    mode = "dry run (check mode)" if request.check else "live run"
    console.print(f"[bold]{playbook.name}[/] on {len(hosts)} host(s), {mode}")
    try:
        with RunDisplay(console, hosts) as display:
            result = run_playbook(request, hosts, display, run_id=run_id)
    finally:
        if controller is not None:
            controller.unlink(missing_ok=True)
    if result.ansible_failed:
        if request.record_evidence:
            _close_evidence(run_id, "failed")
        kind = "refused its input" if result.ansible_input_error else "failed"
        raise RunStopped(f"ansible-playbook {kind} (exit {result.rc}); no host result is reported:\n"
                         f"{result.ansible_error}\nArtifacts: {result.artifacts}",
                         EXIT_BAD_INPUT if result.ansible_input_error else EXIT_INTERNAL)
    display.print_outcome()
    if run_table or not result.all_ok or result.interrupted:
        console.print(summary_table(result))
    console.print(f"Artifacts: {result.artifacts}", soft_wrap=True)
    if result.interrupted:
        if request.record_evidence:
            _close_evidence(run_id, "aborted")
        raise RunStopped(f"interrupted: run {run_id} was stopped and closed as aborted; hosts already "
                         "finished are recorded; rerun to continue", EXIT_HOSTS_FAILED)
    if result.evidence_stopped:
        _close_evidence(run_id, "aborted")
        raise RunStopped(f"evidence could not be recorded, so the run was stopped (run {run_id}, aborted): "
                         f"{result.evidence_stopped}", EXIT_INTERNAL)
    if request.record_evidence and _run_left_open(run_id):
        _close_evidence(run_id, "failed")
        raise RunStopped(f"the evidence recorder did not close run {run_id} (see the warnings in "
                         f"{result.artifacts / 'stdout'}); its evidence may be incomplete", EXIT_INTERNAL)
    return result


def cmd_run(args: argparse.Namespace) -> int:
    result = _execute(args, args.playbook, args.check)
    if not args.no_evidence:
        from tripod.cli.display import show_hardening, show_health_and_housekeeping, show_patching

        # Each prints only when the run recorded evidence of its area.
        show_health_and_housekeeping(console, result.run_id)  # failing health checks, space reclaimed
        show_patching(console, result)  # patched / nothing to do / skipped / failed / not started
        show_hardening(console, result.run_id)  # controls per host, failing and waived ones, changes
    return EXIT_OK if result.all_ok else EXIT_HOSTS_FAILED


def cmd_audit(args: argparse.Namespace) -> int:
    from tripod.cli.display import audit_table
    from tripod.store import EvidenceStore

    result = _execute(args, "audit", check=True, run_table=args.no_evidence)
    if not args.no_evidence:
        with EvidenceStore() as store:
            from tripod.audit import summarize_run

            summaries = summarize_run(store, result.run_id)
            where = store.display
        console.print(audit_table(summaries))
        console.print(f"Evidence: {where} (run {result.run_id})", soft_wrap=True)
    return EXIT_OK if result.all_ok else EXIT_HOSTS_FAILED


@io_errors_are_bad_input
def cmd_prune(args: argparse.Namespace) -> int:
    import os

    from tripod.store import EvidenceStore, display_location, evidence_location, store_exists

    months = args.keep_months
    if months is None:
        configured = os.environ.get("TRIPOD_RETENTION_MONTHS", "13")
        if not configured.isdigit():
            raise InputError(f"TRIPOD_RETENTION_MONTHS: '{configured}' is not a whole number of months")
        months = int(configured)
    if months < 1:
        raise InputError(f"--keep-months: {months} must be at least 1")
    location = evidence_location()  # --store, else $TRIPOD_EVIDENCE_URL, else the SQLite file
    if not store_exists(location):
        console.print(f"nothing to prune: {display_location(location)} does not exist", soft_wrap=True)
        return EXIT_OK
    with EvidenceStore(location) as store:
        result = store.prune(months)
    rolled = ", ".join(result.months) or "none"
    console.print(f"kept {months} month(s) of detail (before {result.cutoff} rolled up: {rolled}); removed "
                  f"{result.fact_snapshots} fact snapshot(s), {result.findings} finding(s), {result.actions} action(s)",
                  soft_wrap=True)
    return EXIT_OK
