"""The ticket rules: one open ticket per problem, updated, held back in a window, resolved.

`apply()` takes one observation and the host's route, changes the tickets table and
queues the events for the sinks, inside the caller's transaction. It is idempotent: the
same observation applied twice changes nothing the second time.

- A problem with no open ticket opens one, unless its severity is below
  `alerts.min_severity`, alerts are disabled for the host, or the host was in its
  maintenance window when it was observed and the problem is one the maintenance can cause,
  for at most two hours (`maintenance.py`; then it is recorded as held back).
- A problem with an open ticket updates it: last seen, occurrences, evidence. Only a
  change of severity, priority or Service Desk tier is sent to the sinks (`updated`).
- A check that passes again (or is waived, or no longer applies), or an alert that
  Alertmanager resolves, resolves the open ticket (`resolved`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from tripod.store.tickets import Ticket, TicketStore, new_ticket_id
from tripod.triage.maintenance import maintenance_explains
from tripod.triage.model import Observation, event_payload
from tripod.triage.routing import Route

#: What `apply` did, as counted in `Counter`s.
OUTCOMES: tuple[str, ...] = ("opened", "updated", "seen", "resolved", "held_back", "below_threshold", "disabled",
                             "stale", "ok")


def _queue(tickets: TicketStore, ticket: Ticket, event: str, route: Route, now: str) -> None:
    seq = tickets.next_seq(ticket.ticket_id)
    payload = event_payload(ticket, event, seq)
    for target in route.sinks:
        tickets.enqueue(ticket.ticket_id, seq, event, target.sink, target.settings, payload, now)


def _open(tickets: TicketStore, obs: Observation, route: Route, now: str) -> str:
    ticket = Ticket(
        ticket_id=new_ticket_id(), client=obs.client, host=obs.host, tier=obs.tier or route.tier,
        check_id=obs.check_id, source=obs.source, title=obs.title, severity=obs.severity,
        priority=route.priority(obs.severity), desk_tier=route.desk_tier, status="open", evidence=obs.evidence,
        remediation=obs.remediation, occurrences=1, opened_at=obs.observed_at, updated_at=now,
        last_seen_at=obs.observed_at, resolved_at=None, resolution=None, source_ref=obs.source_ref,
        delivery="pending" if route.sinks else "delivered",
    )
    if not tickets.insert(ticket):
        # Another writer opened the problem's ticket since `apply` looked: it is updated instead.
        current = tickets.open_ticket(obs.client, obs.host, obs.check_id)
        assert current is not None, "the unique key refused the ticket, so an open one exists"
        return "seen" if current.source_ref == obs.source_ref else _update(tickets, current, obs, route, now)
    _queue(tickets, ticket, "opened", route, now)
    return "opened"


def _update(tickets: TicketStore, ticket: Ticket, obs: Observation, route: Route, now: str) -> str:
    changed = replace(
        ticket, severity=obs.severity, priority=route.priority(obs.severity), desk_tier=route.desk_tier,
        title=obs.title, evidence=obs.evidence, remediation=obs.remediation or ticket.remediation,
        occurrences=ticket.occurrences + 1, last_seen_at=max(ticket.last_seen_at, obs.observed_at),
        source_ref=obs.source_ref, updated_at=now,
    )
    material = (changed.severity, changed.priority, changed.desk_tier) != (ticket.severity, ticket.priority,
                                                                           ticket.desk_tier)
    if material and route.sinks:
        changed = replace(changed, delivery="pending")
    tickets.update(changed)
    if material:
        _queue(tickets, changed, "updated", route, now)
        return "updated"
    return "seen"


def _resolve(tickets: TicketStore, ticket: Ticket, obs: Observation, route: Route, now: str) -> None:
    resolved = replace(ticket, status="resolved", resolved_at=max(obs.observed_at, ticket.opened_at),
                       resolution=obs.resolution or "resolved", updated_at=now, source_ref=obs.source_ref,
                       delivery="pending" if route.sinks else ticket.delivery)
    tickets.update(resolved)
    _queue(tickets, resolved, "resolved", route, now)


def apply(tickets: TicketStore, obs: Observation, route: Route, now: str) -> str:
    """Apply one observation; returns one of OUTCOMES."""
    ticket = tickets.open_ticket(obs.client, obs.host, obs.check_id)
    if ticket is not None and obs.problem and ticket.source_ref == obs.source_ref:
        return "seen"  # the same observation again (a retried webhook, a re-read finding)
    if not obs.problem:
        if ticket is None:
            return "ok"
        _resolve(tickets, ticket, obs, route, now)
        return "resolved"
    if ticket is not None:
        return _update(tickets, ticket, obs, route, now)
    if not route.enabled:
        return "disabled"
    if not route.opens_ticket(obs.severity):
        return "below_threshold"
    last = tickets.last_ticket(obs.client, obs.host, obs.check_id)
    if last is not None and last.source_ref == obs.source_ref:
        return "stale"  # a late copy of the observation that the resolved ticket already saw
    # Only what the maintenance itself can cause is held back; never a whole client (maintenance.py).
    if route.held_back(obs.observed_at) and maintenance_explains(tickets, obs):
        tickets.suppress(obs.client, obs.host, obs.check_id, obs.severity, obs.source, obs.source_ref,
                         obs.observed_at, "in the host's maintenance window")
        return "held_back"
    return _open(tickets, obs, route, now)


def tally(outcomes: list[str]) -> Counter[str]:
    return Counter(outcomes)
