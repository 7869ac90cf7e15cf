"""Ticket sinks: where the events of tickets go. Each sink sends one event at a time.

A sink raises `RetryLater` when the event may succeed later (no answer, a busy server)
and `Rejected` when it never will as configured (a wrong URL, a refused login); any
other return means the event was delivered. Error messages never contain a secret.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from tripod.store.tickets import TicketEvent
from tripod.triage.secrets import Secrets


class DeliveryError(Exception):
    """A delivery that did not happen; the message is safe to store and show."""


class RetryLater(DeliveryError):
    """Transient: the event stays queued and is tried again."""


class Rejected(DeliveryError):
    """Permanent: the event is marked failed until `tripod triage --retry-failed`."""


class Sink(Protocol):
    def send(self, event: TicketEvent) -> None: ...


def make_sink(name: str, settings: Mapping[str, Any], secrets: Secrets) -> Sink:
    """The sink for an event's stored settings."""
    if name == "jsonl":
        from tripod.triage.sinks.jsonl import JsonlSink

        return JsonlSink(settings)
    if name == "webhook":
        from tripod.triage.sinks.webhook import WebhookSink

        return WebhookSink(settings, secrets)
    if name == "email":
        from tripod.triage.sinks.email import EmailSink

        return EmailSink(settings, secrets)
    raise Rejected(f"unknown sink '{name}'")
