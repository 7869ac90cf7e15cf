"""`tripod report` and `tripod review sign`: the command-line side of tripod.report."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.markup import escape

from tripod.errors import InputError, io_errors_are_bad_input
from tripod.report.period import half_period, parse_month
from tripod.report.render import FORMATS

DEFAULT_OUT = Path("reports")


def default_jobs() -> int:
    """One report worker per CPU this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def add_parser(commands: Any) -> None:
    """Add `report` and `review` to the `tripod` subcommands."""
    report = commands.add_parser(
        "report", help="write the monthly client reports, or the engineer review",
        description="Write each client's monthly compliance report (HTML, PDF, JSON, CSV) from the evidence "
        "store, or with --review the twice-yearly engineer review of a client's SRP Server hosts.",
    )
    report.add_argument("--client", metavar="NAME", help="the client (default: every client in the store)")
    report.add_argument("--month", metavar="YYYY-MM",
                        help="the month of the monthly report (UTC); `last`: the previous month (for timers)")
    report.add_argument("--review", action="store_true", help="write the engineer review instead (needs --half)")
    report.add_argument("--half", metavar="YYYY-H1|H2", help="the half year of the engineer review")
    report.add_argument("--roadmap", action="store_true",
                        help="write the quarterly technology roadmap and budget of --client from -i INVENTORY (its "
                        "asset file and lifecycle policy) and the store's facts (docs/lifecycle.md)")
    report.add_argument("--years", type=int, default=3, metavar="N", help="years the roadmap covers (default: 3)")
    report.add_argument("--network", action="store_true",
                        help="write the Network section: backup age, drift, failing checks and firmware support of "
                        "each network device (docs/network.md); --month defaults to the current month")
    report.add_argument("--format", default=None, metavar="FORMATS",
                        help=f"comma-separated, any of {', '.join(FORMATS)} (default: the client's report.formats "
                        "policy, all of them unless set)")
    report.add_argument("-i", "--inventory", action="append", metavar="INVENTORY",
                        help="inventory whose policies give the report.* settings (display name, weights, tiers, "
                        "formats, recipients) and, for --send, the alerts.email SMTP settings; repeatable "
                        "(default: the shipped tier defaults)")
    report.add_argument("--vault-password-file", metavar="FILE",
                        help="ansible-vault password for the inventory and the secrets file")
    report.add_argument("--appendix", action="store_true",
                        help="add the per-host appendix (every result that is not a pass) to the HTML and PDF")
    report.add_argument("--recompute", action="store_true",
                        help="a closed month: build it from the evidence store again and replace the figures kept "
                        "when it was first reported (after a fix or a corrected waivers file)")
    report.add_argument("--send", action="store_true",
                        help="mail each client's monthly report to report.recipients (needs -i: the SMTP settings "
                        "are the email sink's, alerts.email)")
    report.add_argument("--secrets", metavar="FILE",
                        help="YAML (ansible-vault encrypted) with smtp_user, smtp_password for --send; default: "
                        "TRIPOD_SMTP_USER and TRIPOD_SMTP_PASSWORD")
    report.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"where to write the files (default: ./{DEFAULT_OUT})")
    report.add_argument("--store", metavar="URL",
                        help="the evidence store: sqlite:///PATH, a file PATH or postgresql://USER@HOST/DB "
                        "(default: $TRIPOD_EVIDENCE_URL, else $TRIPOD_DATA_DIR/evidence.sqlite)")
    report.add_argument("--waivers", type=Path, metavar="FILE",
                        help="the client's waivers file: owner, ticket, justification and expiry of each waiver")
    report.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                        help="write the clients' monthly reports in N worker processes (default: one per CPU, "
                        f"here {default_jobs()}; 1: in this process)")
    report.set_defaults(handler=cmd_report)

    review = commands.add_parser("review", help="the engineer review: sign it off",
                                 description="Engineer review actions.")
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    sign = actions.add_parser(
        "sign", help="store an engineer's sign-off of a client's half-year review",
        description="Store the engineer's sign-off, with the notes and a digest of the review's figures, in the "
        "evidence store. The next `tripod report --review` shows it.",
    )
    sign.add_argument("--client", required=True, metavar="NAME")
    sign.add_argument("--half", required=True, metavar="YYYY-H1|H2")
    sign.add_argument("--engineer", required=True, metavar="NAME")
    sign.add_argument("--notes", required=True, type=Path, metavar="FILE", help="a UTF-8 text file with the notes")
    sign.add_argument("--store", metavar="URL",
                      help="the evidence store: sqlite:///PATH, a file PATH or postgresql://USER@HOST/DB "
                      "(default: $TRIPOD_EVIDENCE_URL, else $TRIPOD_DATA_DIR/evidence.sqlite)")
    sign.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                      help=f"where the review files are: those there are rewritten as signed (default: ./{DEFAULT_OUT})")
    sign.add_argument("-i", "--inventory", action="append", metavar="INVENTORY",
                      help="inventory whose policies say which tiers are reviewed (report.engineer_review)")
    sign.add_argument("--vault-password-file", metavar="FILE", help="ansible-vault password for the inventory")
    sign.set_defaults(handler=cmd_review_sign)


def _formats(text: str | None) -> list[str] | None:
    if text is None:
        return None
    formats = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        named = ", ".join(unknown) if unknown else repr(text)
        raise InputError(f"--format: {named} is not one of {', '.join(FORMATS)}")
    return list(dict.fromkeys(formats))


def _open_store(location: str | Path | None) -> Any:
    """The store a report reads (--store, else $TRIPOD_EVIDENCE_URL, else the SQLite file), which
    must hold evidence already; else one InputError naming it (a URL's password masked)."""
    from tripod.errors import store_error
    from tripod.store import STORE_ERRORS, evidence_location, is_postgres, open_existing

    try:
        return open_existing(location)
    except FileNotFoundError as exc:
        raise store_error(location, exc) from None
    except STORE_ERRORS as exc:
        error = store_error(location, exc)
        where = evidence_location(location)
        if not is_postgres(where) and not os.access(Path(where).parent, os.W_OK):
            error = InputError(f"{error}; its directory is read-only, and SQLite writes its journal beside the store")
        raise error from None


def _in_range(period: str, option: str) -> str:
    """A month or half year whose year a report can cover (the store's times are years 1970 to 9998)."""
    year = period[:4]
    if year.isdigit() and not 1970 <= int(year) <= 9998:
        raise InputError(f"{option}: {period!r} is out of range (years 1970 to 9998)")
    return period


def _out_dir(out: Path) -> Path:
    """--out: a directory, or one that can be made in a writable directory; else an InputError.
    Nothing is created here: the first report written creates it."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} exists and is not a directory")
    existing = next((p for p in (out, *out.absolute().parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"--out: cannot write in {existing or out}" + (f" (to create {out})" if existing != out else ""))
    return out


def _clients(store: Any, wanted: str | None) -> list[str]:
    known = store.clients()
    if wanted is None:
        if not known:
            raise InputError(f"{store.display}: the evidence store has no client yet; run an audit first")
        return list(known)
    if wanted not in known:
        listed = ", ".join(known) or "none"
        raise InputError(f"--client {wanted!r}: not in the evidence store (clients: {listed})")
    return [wanted]


@io_errors_are_bad_input
def cmd_report(args: argparse.Namespace) -> int:
    from tripod.cli.output import EXIT_OK, console
    from tripod.report.batch import write_monthly_reports
    from tripod.report.render import write_report
    from tripod.report.review import build_review
    from tripod.report.delivery import check_can_send
    from tripod.report.settings import load_settings
    from tripod.report.waivers import from_waivers_file

    if args.roadmap:
        return _roadmap(args)
    if args.network:
        return _network(args)
    formats = _formats(args.format)
    if args.review:
        if not args.half or not args.client:
            raise InputError("--review: needs --client NAME and --half YYYY-H1|H2")
        if args.month:
            raise InputError("--month: not used with --review (the review covers a half year: --half)")
        half_period(_in_range(args.half, "--half"))
    else:
        if not args.month:
            raise InputError("--month: required (YYYY-MM), e.g. --month 2026-11; or --review --half YYYY-H1|H2")
        if args.half:
            raise InputError("--half: only with --review")
        args.month = _in_range(parse_month(args.month), "--month")
    if args.jobs < 1:
        raise InputError(f"--jobs: {args.jobs} must be at least 1")
    _out_dir(args.out)
    if args.send and (args.review or not args.inventory):
        raise InputError("--send: mails the monthly report only, and needs -i INVENTORY (recipients and SMTP "
                         "settings come from its policy)")
    waivers = from_waivers_file(args.waivers) if args.waivers else {}
    with _open_store(args.store) as store:
        clients = _clients(store, args.client)
        settings = load_settings(args.inventory, clients, args.vault_password_file)
        store_path = store.url  # each worker process opens its own connection to the same store
        if args.review:
            for client in clients:
                data = build_review(store, client, args.half, waivers=waivers,
                                    tiers=review_tiers(settings[client]), settings=settings[client])
                _print_written(console, client, data["signoff_state"],
                               write_report(data, args.out, formats or list(settings[client].formats)))
            return EXIT_OK
    skipped = [c for c in clients if not settings[c].monthly_tiers]
    for client in skipped:
        console.print(f"[bold]{escape(client)}[/]: skipped, report.monthly is false for every tier", highlight=False)
    clients = [c for c in clients if c not in skipped]
    if args.send:
        for client in clients:
            check_can_send(settings[client])
    secrets = _smtp_secrets(args) if args.send else None
    unsent = 0
    for written in write_monthly_reports(store_path, clients, args.month, args.out, formats, jobs=args.jobs,
                                         waivers=waivers, appendix=args.appendix, settings=settings,
                                         recompute=args.recompute):
        score = "no score" if written.score is None else f"{written.score:.1f}% {written.band}"
        _print_written(console, written.client, f"{score}, {written.reporting} of {written.expected} hosts reporting",
                       written.files)
        if args.send:
            unsent += not _send(console, settings[written.client], secrets, args.month, written)
    return EXIT_OK if not unsent else EXIT_NOT_SENT


#: Exit code when a report was written but could not be mailed.
EXIT_NOT_SENT = 1


def _smtp_secrets(args: argparse.Namespace) -> Any:
    from tripod.triage.secrets import load_secrets

    return load_secrets(args.secrets, args.vault_password_file)


def _send(console: Any, settings: Any, secrets: Any, month: str, written: Any) -> bool:
    from tripod.cli.output import errors
    from tripod.report.delivery import send_report
    from tripod.triage.sinks import Rejected, RetryLater

    try:
        send_report(settings, secrets, month, written.summary, written.files)
    except (Rejected, RetryLater) as exc:
        errors.print(f"[red]{escape(written.client)}: not sent:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return False
    console.print(f"  sent to {', '.join(settings.recipients)}", markup=False, soft_wrap=True)
    return True


def review_tiers(settings: Any) -> tuple[str, ...]:
    """The tiers policy marks for the engineer review (report.engineer_review), or an InputError."""
    if not settings.review_tiers:
        raise InputError(f"{settings.source}: report.engineer_review: no tier of client {settings.client!r} has "
                         "it set to true; there is nothing to review")
    return tuple(sorted(settings.review_tiers))


def _print_written(console: Any, client: str, summary: str, files: Iterable[Path]) -> None:
    console.print(f"[bold]{escape(client)}[/]: {escape(summary)}", highlight=False)
    for path in files:
        console.print(f"  {path}", markup=False, soft_wrap=True)


@io_errors_are_bad_input
def cmd_review_sign(args: argparse.Namespace) -> int:
    from tripod.cli.output import EXIT_OK, console
    from tripod.report.review import build_review
    from tripod.report.settings import load_settings
    from tripod.report.signoff import read_notes, rewrite_review_files, sign_review

    half_period(args.half)
    notes = read_notes(args.notes)
    with _open_store(args.store) as store:
        _clients(store, args.client)
        settings = load_settings(args.inventory, [args.client], args.vault_password_file)[args.client]
        tiers = review_tiers(settings)
        signoff = sign_review(store, args.client, args.half, args.engineer, notes, tiers=tiers)
        review = build_review(store, args.client, args.half, tiers=tiers)
    console.print(f"signed: {signoff.client} {signoff.half} by {signoff.engineer} at {signoff.signed_at} "
                  f"(figures {signoff.review_digest[:16] if signoff.review_digest else '-'})", markup=False)
    rewritten = rewrite_review_files(review, args.out)
    for path in rewritten:
        console.print(f"  {path}", markup=False, soft_wrap=True)
    if not rewritten:
        console.print(f"  no review file in {args.out} to mark as signed; `tripod report --review` writes it signed",
                      markup=False, soft_wrap=True)
    return EXIT_OK


def _roadmap(args: argparse.Namespace) -> int:
    """`tripod report --roadmap --client C -i INVENTORY [--years 3]`: docs/lifecycle.md."""
    from datetime import date

    from tripod.cli.output import EXIT_OK, console
    from tripod.lifecycle.plan import plan
    from tripod.lifecycle.render import write_roadmap
    from tripod.store import evidence_location, store_exists

    if not args.inventory or not args.client:
        raise InputError("--roadmap: needs --client NAME and -i INVENTORY (its asset file and lifecycle policy)")
    if not 1 <= args.years <= 10:
        raise InputError(f"--years: {args.years} must be between 1 and 10")
    today = date.today()
    store = _open_store(args.store) if store_exists(evidence_location(args.store)) else None
    try:
        roadmap, assets = plan(args.inventory, args.client, args.years, today, store, args.vault_password_file)
    finally:
        if store is not None:
            store.close()
    written = write_roadmap(roadmap, assets, today, _out_dir(args.out), _formats(args.format))
    console.print(f"[bold]{escape(args.client)}[/]: roadmap {roadmap.quarters[0]}..{roadmap.quarters[-1]}, total "
                  f"{roadmap.total():.2f}: " + ", ".join(str(p) for p in written), highlight=False)
    return EXIT_OK


def _network(args: argparse.Namespace) -> int:
    """`tripod report --network --client C [--month YYYY-MM] [-i INVENTORY]`: docs/network.md."""
    from datetime import datetime, timezone

    from tripod.cli.output import EXIT_OK, console
    from tripod.network.report import write_network_report
    from tripod.policy.resolve import tier_policy

    month = parse_month(args.month) if args.month else datetime.now(timezone.utc).strftime("%Y-%m")
    limits: dict[str, int] | int = int(tier_policy("tier_network")["network"]["backup_max_age_hours"])
    if args.inventory:
        from tripod.inventory import validate_inventory

        resolutions, problems = validate_inventory(args.inventory, None, args.vault_password_file)
        if problems:
            raise InputError(str(problems[0]))
        limits = {r.host: int(r.policy["network"]["backup_max_age_hours"]) for r in resolutions if r.policy}
    _out_dir(args.out).mkdir(parents=True, exist_ok=True)
    with _open_store(args.store) as store:
        for client in _clients(store, args.client):
            written = write_network_report(store, client, month, args.out, limits)
            console.print(f"[bold]{escape(client)}[/]: network devices, {month}: "
                          + ", ".join(str(p) for p in written), highlight=False)
    return EXIT_OK
