"""From a host's effective policy (`alerts` and `maintenance_window`) to where its tickets go.

Routing is data, as tiers are: the Service Desk tier, the priority of each severity, the
lowest severity that opens a ticket, the sinks and their settings all come from the policy
(docs/policy.md, `alerts.*`). Secrets never do: see `tripod.triage.secrets`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from tripod.models import SEVERITIES, normalize_time
from tripod.paths import data_dir
from tripod.policy.window import in_window

JSONL_FILE = "tickets.jsonl"


class RoutingError(ValueError):
    """A policy that cannot route a ticket; the message names the key."""


@dataclass(frozen=True)
class SinkTarget:
    """One sink and its settings (never a secret): stored with each event in the outbox."""

    sink: str
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class Route:
    """Where one host's problems go, and when they are held back."""

    host: str
    client: str
    tier: str | None
    enabled: bool
    min_severity: str
    desk_tier: int
    priorities: Mapping[str, str]
    sinks: tuple[SinkTarget, ...]
    window: Mapping[str, Any] | None = field(default=None)  # None: never held back

    def priority(self, severity: str) -> str:
        return str(self.priorities[severity])

    def opens_ticket(self, severity: str) -> bool:
        return self.enabled and SEVERITIES.index(severity) >= SEVERITIES.index(self.min_severity)

    def held_back(self, at: str) -> bool:
        """True when an alert observed at `at` falls in the host's maintenance window."""
        if self.window is None:
            return False
        moment = datetime.fromisoformat(normalize_time(at).replace("Z", "+00:00"))
        return in_window(self.window, moment)


def _sink_target(name: str, alerts: Mapping[str, Any]) -> SinkTarget:
    if name == "jsonl":
        path = alerts["jsonl"]["path"] or str(data_dir() / JSONL_FILE)
        return SinkTarget("jsonl", {"path": path})
    if name == "webhook":
        webhook = alerts["webhook"]
        if not webhook["url"]:
            raise RoutingError("alerts.webhook.url: must be set when alerts.sinks lists webhook")
        return SinkTarget("webhook", {key: webhook[key] for key in ("url", "timeout_seconds", "retries",
                                                                    "backoff_seconds")})
    if name == "email":
        email = alerts["email"]
        for key in ("to", "smtp_host"):
            if not email[key]:
                raise RoutingError(f"alerts.email.{key}: must be set when alerts.sinks lists email")
        return SinkTarget("email", {key: email[key] for key in ("to", "sender", "smtp_host", "smtp_port",
                                                                "ca_file", "timeout_seconds")})
    raise RoutingError(f"alerts.sinks: unknown sink '{name}'")


def route(host: str, client: str, tier: str | None, policy: Mapping[str, Any]) -> Route:
    """The route of one host from its effective policy; RoutingError names a missing setting."""
    alerts = policy["alerts"]
    sinks = tuple(_sink_target(name, alerts) for name in dict.fromkeys(alerts["sinks"]))
    return Route(
        host=host,
        client=client,
        tier=tier,
        enabled=bool(alerts["enabled"]),
        min_severity=alerts["min_severity"],
        desk_tier=int(alerts["service_desk_tier"]),
        priorities=dict(alerts["priorities"]),
        sinks=sinks,
        window=dict(policy["maintenance_window"]) if alerts["suppress_in_maintenance_window"] else None,
    )
