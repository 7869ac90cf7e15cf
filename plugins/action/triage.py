# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Triage the evidence into Service Desk tickets, on the controller. Documentation: plugins/modules/triage.py."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import ControllerAction
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_jobs import (
    display_store,
    existing_store,
    inventory_hosts,
    load_job_secrets,
    open_store,
    resolve_hosts,
    store_clients,
)

ARGUMENT_SPEC: dict[str, Any] = {
    "hosts": {"type": "list", "elements": "str"},
    "store": {"type": "str", "no_log": True},
    "retry_failed": {"type": "bool", "default": False},
    "secrets_file": {"type": "path"},
    "vault_password_file": {"type": "path", "no_log": False},
    "webhook_token": {"type": "str", "no_log": True},
    "smtp_user": {"type": "str"},
    "smtp_password": {"type": "str", "no_log": True},
    "fail_on_undelivered": {"type": "bool", "default": True},
}

#: The ticket fields a result shows (never the sink settings or a secret).
TICKET_FIELDS = ("ticket_id", "client", "host", "check_id", "severity", "priority", "desk_tier", "status", "delivery",
                 "title")
EVENT_FIELDS = ("ticket_id", "event", "client", "host", "check_id", "severity", "priority", "desk_tier", "title")
OUTCOME_KEYS = ("hosts", "findings", "opened", "updated", "seen", "resolved", "held_back", "below_threshold",
                "disabled", "stale", "ok")


class _RolledBack(Exception):
    """Ends a dry run's transaction: everything it wrote is undone."""


class DryRunTickets:
    """The tickets of a store, for a dry run: each transaction runs the real rules, notes the
    events it would queue for the sinks, and is rolled back, cursors included."""

    def __init__(self, tickets: Any) -> None:
        self._tickets = tickets
        self.would_send: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tickets, name)

    @contextmanager
    def transaction(self) -> Iterator[DryRunTickets]:
        noted = len(self.would_send)
        try:
            with self._tickets.transaction():
                yield self
                raise _RolledBack
        except _RolledBack:
            pass
        except BaseException:
            del self.would_send[noted:]
            raise

    def enqueue(self, ticket_id: str, seq: int, event: str, sink: str, target: Mapping[str, Any],
                payload: Mapping[str, Any], created_at: str) -> None:
        self.would_send.append({"sink": sink, **{key: payload.get(key) for key in EVENT_FIELDS}})
        self._tickets.enqueue(ticket_id, seq, event, sink, target, payload, created_at)


def routes_of(resolutions: list[Any], problems: list[str]) -> dict[str, Any]:
    """Each resolved host's route (`tripod.triage.routing.Route`); a policy that cannot route adds a problem."""
    from tripod.triage.routing import RoutingError, route

    routes = {}
    for resolution in resolutions:
        if not resolution.ok:
            continue
        try:
            routes[resolution.host] = route(resolution.host, resolution.client or "", resolution.tier,
                                            resolution.policy)
        except RoutingError as exc:
            problems.append(f"host {resolution.host}: {exc}")
    return routes


def _queued(counts: Mapping[tuple[str, str], int]) -> dict[str, int]:
    """Events still waiting, by state: `pending`/`sending` (a retry will send them) and `failed`."""
    waiting = {"queued": 0, "failed": 0}
    for (_sink, status), number in counts.items():
        if status in ("pending", "sending"):
            waiting["queued"] += number
        elif status == "failed":
            waiting["failed"] += number
    return waiting


def triage(store: Any, routes: Mapping[str, Any], secrets: Any, *, check: bool = False,
           retry_failed: bool = False) -> dict[str, Any]:
    """Triage the routed hosts' new findings, then deliver the events (`tripod triage`'s steps).
    With `check`, the same rules run and everything is rolled back: nothing is written or sent,
    and `would_send` lists the events the sinks would get."""
    from tripod.triage.delivery import deliver, follow_policy
    from tripod.triage.intake import TicketChanges, triage_findings

    clients = {r.client for r in routes.values()} | {""}  # '': alerts for the operator's unassigned sink
    tickets = store.tickets
    if check:
        dry = DryRunTickets(tickets)
        outcomes = triage_findings(dry, routes.values())  # type: ignore[arg-type]
        before = _queued(tickets.event_counts(clients))
        return {"outcomes": {key: outcomes.get(key, 0) for key in OUTCOME_KEYS},
                "would_send": dry.would_send, "sent": {}, "errors": [], "tickets": [],
                "waiting": before, "requeued": 0,
                "changed": bool(dry.would_send or before["queued"] or (retry_failed and before["failed"]))}
    changes = TicketChanges(tickets, routes.values())
    requeued = tickets.retry_failed() if retry_failed else 0
    outcomes = triage_findings(tickets, routes.values())
    follow_policy(tickets, routes)
    delivery = deliver(tickets, secrets, clients=clients)
    touched = changes.since(tickets)
    waiting = _queued(tickets.event_counts(clients))
    return {"outcomes": {key: outcomes.get(key, 0) for key in OUTCOME_KEYS}, "would_send": [],
            "sent": dict(delivery.sent), "errors": list(delivery.errors),
            "tickets": [{key: getattr(t, key) for key in TICKET_FIELDS} for t in touched],
            "waiting": waiting, "requeued": requeued,
            "changed": bool(touched or requeued or sum(delivery.sent.values()))}


def summary(done: Mapping[str, Any], check: bool) -> str:
    outcomes = done["outcomes"]
    words = [f"{key.replace('_', ' ')} {outcomes[key]}" for key in OUTCOME_KEYS[2:] if outcomes.get(key)]
    text = f"{outcomes['hosts']} host(s), {outcomes['findings']} new finding(s): {', '.join(words) or 'nothing new'}"
    if check:
        return f"{text}; would send {len(done['would_send'])} event(s) (dry run: nothing was written or sent)"
    sent = sum(done["sent"].values())
    return f"{text}; sent {sent} event(s), {done['waiting']['queued']} queued, {done['waiting']['failed']} failed"


class ActionModule(ControllerAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        hosts = inventory_hosts(task_vars, args["hosts"])
        if not hosts:
            raise AnsibleActionFail("no hosts to triage: the inventory has none (or hosts is empty)")
        resolutions, problems = resolve_hosts(task_vars, hosts)
        routes = routes_of(resolutions, problems)
        secrets = load_job_secrets(args)
        location = existing_store(args["store"])
        check = bool(self._task.check_mode)
        with open_store(location) as store:
            store_clients(store, sorted({r.client for r in routes.values()}))
            done = triage(store, routes, secrets, check=check, retry_failed=args["retry_failed"])
        result.update(done)
        result.update(store=display_store(location), not_triaged=problems, msg=summary(done, check))
        failures = []
        if problems:
            failures.append(f"{len(problems)} host(s) not triaged, fix the policy first: " + "; ".join(problems))
        if not check and args["fail_on_undelivered"] and (done["waiting"]["queued"] or done["waiting"]["failed"]):
            failures.append("some ticket events were not delivered: " + ("; ".join(done["errors"]) or "see waiting"))
        if failures:
            result.update(failed=True, msg=f"{result['msg']}. " + ". ".join(failures))
        return result
