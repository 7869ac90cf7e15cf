"""Deliver the queued ticket events to their sinks, at least once and in order.

An event is claimed (marked `sending` by this process, in its own transaction) before it
is sent and marked `sent` after. If the process dies in between, the event stays
`sending`; the next delivery pass on this machine sees that its claimer is gone and sends
it again, with the same idempotency key (the JSON-lines sink then finds its line already
written and does not write it twice). A claim older than LEASE_SECONDS is taken over from
any machine. The events of one ticket reach each sink in order: an event waits until the
ticket's earlier events to that sink are sent. Events keep the sink settings they were
queued with (never a secret), unless `follow_policy` moves them to the host's current ones.
"""

from __future__ import annotations

import os
import socket
import threading
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tripod.models import format_time, utc_now
from tripod.store.tickets import TicketStore, target_key
from tripod.triage.routing import Route
from tripod.triage.secrets import Secrets
from tripod.triage.sinks import Rejected, RetryLater, make_sink

LEASE_SECONDS = 600


def claimer_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(claimer: str) -> bool:
    """True when `claimer` (host:pid) is a process of this machine that no longer runs, or is this one."""
    host, _sep, pid = claimer.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True  # this process sends one event at a time: a `sending` row of ours is an old pid's
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class DeliveryReport:
    sent: Counter[str] = field(default_factory=Counter)
    retrying: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def follow_policy(tickets: TicketStore, routes: Mapping[str, Route]) -> int:
    """Point queued events at their host's current sink settings (a fixed webhook URL, a new
    recipient), so that a correction applies to what is still waiting. Returns the events moved."""
    moved = 0
    for client, host, sink, target in tickets.queued_targets():
        route = routes.get(host)
        if route is None or route.client != client:
            continue
        current = next((t.settings for t in route.sinks if t.sink == sink), None)
        if current is not None and dict(current) != target:
            moved += tickets.retarget(client, host, sink, current)
    return moved


def deliver(tickets: TicketStore, secrets: Secrets, stop: threading.Event | None = None,
            clients: Collection[str] | None = None) -> DeliveryReport:
    """Send every deliverable event of the tickets of `clients` (None: all) once; a destination that
    fails is skipped for the rest of the pass. The scope keeps one client's credentials (`secrets`)
    away from another client's sinks when each client's triage runs with its own."""
    report = DeliveryReport()
    me = claimer_id()
    skip: set[str] = set()
    while stop is None or not stop.is_set():
        now = datetime.now(timezone.utc)
        reclaimable = [claimer for claimer in tickets.sending_claimers() if _gone(claimer)]
        event = tickets.claim_next(me, format_time(now), reclaimable,
                                   format_time(now - timedelta(seconds=LEASE_SECONDS)), skip, clients)
        if event is None:
            break
        where = f"{event.sink} {event.ticket_id} ({event.event})"
        try:
            make_sink(event.sink, event.target, secrets).send(event)
        except RetryLater as exc:
            tickets.finish(event.id, "pending", str(exc), utc_now())
            skip.add(target_key(event.sink, event.target))
            report.retrying[event.sink] += 1
            report.errors.append(f"{where}: will retry: {exc}")
        except Rejected as exc:
            tickets.finish(event.id, "failed", str(exc), utc_now())
            report.failed[event.sink] += 1
            report.errors.append(f"{where}: failed: {exc}")
        else:
            tickets.finish(event.id, "sent", None, utc_now())
            report.sent[event.sink] += 1
    return report
