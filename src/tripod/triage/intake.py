"""Triage's two inputs: new findings in the evidence store, and Alertmanager's alerts.

Findings are triaged host by host. Each host is one transaction: its tickets, the events queued for the sinks and its cursor
(the last finding row triaged) are committed together. A triage killed half-way has
either done a host completely or not at all, and the next one goes on from there; a
finding is never triaged twice. One Alertmanager request is one transaction too, committed
before the request is answered: an alert that was acknowledged is never lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tripod.models import utc_now
from tripod.store.tickets import Ticket, TicketStore
from tripod.triage.alertmanager import Alert, observation
from tripod.triage.engine import apply
from tripod.triage.model import from_finding
from tripod.triage.routes import RouteTable, Unroutable
from tripod.triage.routing import Route


class TicketChanges:
    """The tickets of the routed hosts as they are now, to tell afterwards which ones a triage opened or
    changed. A host is its client and name (two clients may both have a `dc01`), and only the routed
    clients' tickets are read. Records are compared whole: timestamps are to the second, and two
    triages can run within one."""

    def __init__(self, tickets: TicketStore, routes: Iterable[Route]) -> None:
        self._hosts = {(route.client, route.host) for route in routes}
        self._before = {t.ticket_id: t for t in self._current(tickets)}

    def _current(self, tickets: TicketStore) -> list[Ticket]:
        return [t for client in sorted({client for client, _host in self._hosts})
                for t in tickets.find(client=client) if (t.client, t.host) in self._hosts]

    def since(self, tickets: TicketStore) -> list[Ticket]:
        """The tickets of the hosts that are new or differ from what they were."""
        return [t for t in self._current(tickets) if self._before.get(t.ticket_id) != t]


def triage_host(tickets: TicketStore, route: Route) -> Counter[str]:
    """Apply the host's new findings (the latest result of each check) in one transaction."""
    outcomes: Counter[str] = Counter()
    with tickets.transaction():
        after = tickets.cursor(route.client, route.host)
        news = tickets.new_findings(route.client, route.host, after)
        if not news:
            return outcomes
        now = utc_now()
        for item in news:
            observation = from_finding(item.id, item.finding, route.client)
            if observation is not None:
                outcomes[apply(tickets, observation, route, now)] += 1
        outcomes["findings"] += len(news)
        # The newest row of the host is the latest of its check, so it is among `news`.
        tickets.set_cursor(route.client, route.host, max(item.id for item in news), now)
    return outcomes


def triage_findings(tickets: TicketStore, routes: Iterable[Route]) -> Counter[str]:
    """Triage every host of `routes`; returns the outcomes counted (see engine.OUTCOMES)."""
    total: Counter[str] = Counter()
    for route in routes:
        total.update(triage_host(tickets, route))
        total["hosts"] += 1
    return total


def triage_alerts(tickets: TicketStore, table: RouteTable, alerts: Iterable[Alert],
                  rejected: list[str] | None = None) -> Counter[str]:
    """Apply one Alertmanager request's alerts in one transaction. An alert that belongs to no
    client of the inventory is left out and its reason added to `rejected` (`alerts[i]: why`);
    without that list, it raises Unroutable."""
    outcomes: Counter[str] = Counter()
    with tickets.transaction():
        now = utc_now()
        for index, alert in enumerate(alerts):
            try:
                host, route = table.for_alert(alert)
            except Unroutable as exc:
                if rejected is None:
                    raise
                rejected.append(f"alerts[{index}]: {exc}")
                continue
            outcomes[apply(tickets, observation(alert, host, route.client, route.tier, now), route, now)] += 1
    return outcomes
