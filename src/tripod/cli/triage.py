"""`tripod triage`, `tripod triage serve` and `tripod triage list`."""

from __future__ import annotations

import argparse
import signal
import threading
from collections import Counter
from typing import Any

from rich.markup import escape
from rich.table import Table

from tripod.cli.options import add_inventory_options
from tripod.errors import InputError, io_errors_are_bad_input

DEFAULT_LISTEN = "127.0.0.1:9095"

_OUTCOME_WORDS = (("opened", "opened"), ("updated", "updated"), ("resolved", "resolved"),
                  ("held_back", "held back (maintenance window)"), ("seen", "still open"),
                  ("below_threshold", "below alerts.min_severity"), ("disabled", "alerts disabled"))


def _common_options(parser: argparse.ArgumentParser, required: bool) -> None:
    add_inventory_options(parser, required, "inventory whose hosts' policies route the tickets (repeatable)",
                          "ansible-vault password for the inventory and the secrets file")
    parser.add_argument("--secrets", metavar="FILE",
                        help="YAML (ansible-vault encrypted) with webhook_token, smtp_user, smtp_password, serve_token; "
                        "default: the TRIPOD_* environment variables")


def add_parser(commands: Any) -> None:
    """Add `triage` (with `serve` and `list`) to the `tripod` subcommands."""
    triage = commands.add_parser(
        "triage", help="turn new findings and alerts into Service Desk tickets",
        description="Triage the findings recorded since the last triage for the inventory's hosts: one ticket per "
        "open problem (host and check), updated while it lasts, resolved when the check passes again, held back in "
        "the host's maintenance window, with the priority and Service Desk tier its policy gives. Then deliver the "
        "ticket events to the sinks (JSON lines, webhook, email). Exit 0 when everything was delivered, 1 when "
        "some events wait for a retry, 2 when hosts were skipped because their policy is invalid (bad input; the "
        "other hosts are triaged).",
        epilog="`tripod triage serve` receives Alertmanager's webhooks; `tripod triage list` shows the tickets. "
        "docs/triage.md explains the rules and the sinks.",
    )
    _common_options(triage, required=False)
    triage.add_argument("--retry-failed", action="store_true",
                        help="queue again the events a sink rejected (after fixing the sink)")
    triage.set_defaults(handler=cmd_triage)
    actions = triage.add_subparsers(dest="triage_command", metavar="ACTION")

    serve = actions.add_parser(
        "serve", help="receive Alertmanager webhooks and deliver tickets continuously",
        description="Listen for Alertmanager webhooks (POST http://HOST:PORT/alertmanager, "
        "payload version 4), triage each alert like a finding, and deliver the ticket events as they come. Stops "
        "cleanly on SIGTERM or Ctrl-C; anything queued is sent by the next start.",
    )
    _common_options(serve, required=True)
    serve.add_argument("--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT",
                       help=f"address to listen on (default {DEFAULT_LISTEN}; port 0 picks a free one)")
    serve.add_argument("--retry-interval", type=float, default=60.0, metavar="SECONDS",
                       help="how often queued events are retried (default 60)")
    serve.add_argument("--unassigned-jsonl", metavar="FILE",
                       help="JSON-lines file for alerts that belong to no client of the inventory (an unknown host, "
                       "or a client label that is not the host's); without it they are rejected with HTTP 422. "
                       "Never a client's own sink file")
    serve.set_defaults(handler=cmd_serve)

    listing = actions.add_parser("list", help="show tickets from the evidence store",
                                 description="Show tickets, newest first, with their delivery state.")
    listing.add_argument("--status", choices=("open", "resolved", "all"), default="open")
    listing.add_argument("--client", help="only this client's tickets")
    listing.add_argument("--host", help="only this host's tickets")
    listing.set_defaults(handler=cmd_list)


def _routes(args: argparse.Namespace):
    from tripod.cli.output import errors
    from tripod.triage.routes import load_routes

    if not args.inventory:
        raise InputError("-i/--inventory: required (the hosts' policies route the tickets)")
    table = load_routes(args.inventory, args.limit, args.vault_password_file, getattr(args, "unassigned_jsonl", None))
    for problem in table.problems:
        errors.print(f"[yellow]not triaged, fix the policy first:[/] {escape(problem)}", soft_wrap=True)
    return table


def _secrets(args: argparse.Namespace):
    from tripod.triage.secrets import load_secrets

    return load_secrets(args.secrets, args.vault_password_file)


def _outcome_line(outcomes: Counter[str]) -> str:
    parts = [f"{words} {outcomes[key]}" for key, words in _OUTCOME_WORDS if outcomes.get(key)]
    return ", ".join(parts) or "nothing new"


def _delivery_line(report: Any, counts: dict[tuple[str, str], int]) -> str:
    sinks = sorted({sink for sink, _status in counts} | set(report.sent))
    parts = []
    for sink in sinks:
        bits = [f"{report.sent[sink]} sent"]
        queued = sum(n for (name, status), n in counts.items() if name == sink and status in ("pending", "sending"))
        failed = counts.get((sink, "failed"), 0)
        if queued:
            bits.append(f"{queued} queued")
        if failed:
            bits.append(f"{failed} failed")
        parts.append(f"{sink} " + ", ".join(bits))
    return "; ".join(parts) or "nothing to send"


def ticket_table(tickets: list[Any], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("ticket", "host", "check", "severity", "priority", "desk", "status", "delivery", "title"):
        table.add_column(column, no_wrap=column != "title", overflow="ellipsis")
    for ticket in tickets:
        delivery = ticket.delivery if ticket.delivery == "delivered" else f"[yellow]{ticket.delivery}[/]"
        table.add_row(ticket.ticket_id, escape(ticket.host), escape(ticket.check_id), ticket.severity,
                      ticket.priority, f"Tier {ticket.desk_tier}", ticket.status, delivery, escape(ticket.title))
    return table


@io_errors_are_bad_input
def cmd_triage(args: argparse.Namespace) -> int:
    from tripod.cli.output import EXIT_BAD_INPUT, EXIT_HOSTS_FAILED, EXIT_OK, console, errors
    from tripod.store import EvidenceStore
    from tripod.triage.delivery import deliver, follow_policy
    from tripod.triage.intake import TicketChanges, triage_findings

    table = _routes(args)
    secrets = _secrets(args)
    with EvidenceStore() as store:
        where = store.display
        tickets = store.tickets
        changes = TicketChanges(tickets, table.routes.values())
        if args.retry_failed:
            console.print(f"queued again: {tickets.retry_failed()} rejected event(s)")
        outcomes = triage_findings(tickets, table.routes.values())
        follow_policy(tickets, table.routes)
        console.print(f"triage: {outcomes['hosts']} host(s), {outcomes['findings']} new finding(s): "
                      f"{_outcome_line(outcomes)}", soft_wrap=True)
        report = deliver(tickets, secrets, clients=table.clients)
        for error in report.errors:
            errors.print(f"[yellow]delivery:[/] {escape(error)}", soft_wrap=True)
        counts = tickets.event_counts(table.clients)
        console.print(f"delivery: {_delivery_line(report, counts)}", soft_wrap=True)
        touched = changes.since(tickets)
        if touched:
            console.print(ticket_table(touched, "Tickets changed by this triage"))
        queued = any(status in ("pending", "sending", "failed") and n for (_sink, status), n in counts.items())
    console.print(f"Evidence: {where}", soft_wrap=True)
    if table.problems:
        return EXIT_BAD_INPUT  # as `tripod validate`: a policy problem is bad input
    return EXIT_HOSTS_FAILED if queued else EXIT_OK


def _listen_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise InputError(f"--listen: '{value}' is not HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


@io_errors_are_bad_input
def cmd_serve(args: argparse.Namespace) -> int:
    from tripod.cli.output import EXIT_OK, console
    from tripod.store import EvidenceStore, evidence_location
    from tripod.triage.delivery import follow_policy
    from tripod.triage.server import ALERTMANAGER_PATH, TriageServer

    address = _listen_address(args.listen)
    if args.retry_interval <= 0:
        raise InputError(f"--retry-interval: {args.retry_interval} must be more than 0 seconds")
    table = _routes(args)
    secrets = _secrets(args)
    location = evidence_location()  # --store, else $TRIPOD_EVIDENCE_URL, else the SQLite file
    with EvidenceStore(location) as store:  # create and migrate the store before the first request
        follow_policy(store.tickets, table.routes)
        where = store.display
    try:
        server = TriageServer(address, table, secrets, location, args.retry_interval,
                              log=lambda line: console.print(escape(line), soft_wrap=True))
    except OSError as exc:
        raise InputError(f"--listen: cannot listen on {args.listen}: {exc.strerror or exc}") from None

    def _stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    console.print(f"listening on {server.address}: POST Alertmanager webhooks to http://{server.address}"
                  f"{ALERTMANAGER_PATH}; {len(table.routes)} host(s) routed; alerts of no client of the inventory: "
                  f"{table.unassigned.settings['path'] if table.unassigned else 'rejected (422)'}; "
                  f"evidence {where}",
                  soft_wrap=True)
    server.start_delivery()
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
    console.print("stopped; queued events are sent by the next start")
    return EXIT_OK


@io_errors_are_bad_input
def cmd_list(args: argparse.Namespace) -> int:
    from tripod.cli.output import EXIT_OK, console
    from tripod.store import EvidenceStore, display_location, evidence_location, store_exists

    location = evidence_location()
    if not store_exists(location):
        console.print(f"no tickets: {display_location(location)} does not exist", soft_wrap=True)
        return EXIT_OK
    status = None if args.status == "all" else args.status
    with EvidenceStore(location) as store:
        tickets = store.tickets.find(client=args.client, status=status, host=args.host)
    tickets.reverse()
    console.print(ticket_table(tickets, f"{len(tickets)} ticket(s), {args.status}"))
    return EXIT_OK
