"""Every host's route, from an inventory resolved offline (as `tripod validate` does)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from tripod.errors import InputError
from tripod.inventory import validate_inventory
from tripod.policy.resolve import TIER_GROUPS, tier_policy
from tripod.triage.alertmanager import Alert
from tripod.triage.routing import Route, RoutingError, SinkTarget, route

#: The tier whose shipped defaults set the priorities of an alert sent to the unassigned sink when
#: it carries no `tier` label: alerts come from monitoring, which is SRP Server's.
FALLBACK_TIER = "tier_srp_server"


class Unroutable(ValueError):
    """An alert that belongs to no client of the inventory (and no unassigned sink is configured)."""


@dataclass
class RouteTable:
    routes: dict[str, Route] = field(default_factory=dict)
    #: One line per host that cannot be routed (its findings wait, untouched).
    problems: list[str] = field(default_factory=list)
    #: The operator's sink for alerts of no client of the inventory; None: they are rejected.
    unassigned: SinkTarget | None = None

    @property
    def clients(self) -> set[str]:
        """The inventory's clients, and '' for the alerts sent to the unassigned sink."""
        return {known.client for known in self.routes.values()} | {""}

    def for_alert(self, alert: Alert) -> tuple[str, Route]:
        """The host an alert is about, and its route: the inventory host's own, when the alert names
        no other client. An alert for a host of no client of the inventory, or whose `client` label is
        not its host's client, goes to the unassigned sink when one is configured (as client ''), and
        is never routed to a client's sink; without one, Unroutable says why."""
        host = alert.host
        claimed = alert.labels.get("client", "")
        known = self.routes.get(host) if host else None
        if known is not None and claimed in ("", known.client):
            return host, desk_tier_of(alert, known)  # type: ignore[return-value]
        if host is None:
            reason = "the alert has no host or instance label"
        elif known is not None:
            reason = f"client label '{claimed}' is not the client of host {host} in this inventory"
        else:
            reason = f"host {host} belongs to no client of this inventory"
        if self.unassigned is None:
            raise Unroutable(f"{reason}; rejected (configure an unassigned sink to keep such alerts)")
        tier = alert.labels.get("tier")
        tier = tier if tier in TIER_GROUPS else FALLBACK_TIER
        name = host or f"unknown:{alert.name}"
        routed = route(name, "", tier, tier_policy(tier))
        return name, desk_tier_of(alert, replace(routed, sinks=(self.unassigned,), window=None))


def desk_tier_of(alert: Alert, routed: Route) -> Route:
    """The route with the Service Desk tier the alert asks for (label `desk_tier`: 1, 2 or 3; a
    network alert raised by a server's monitoring carries 3); without one, the host's policy decides."""
    asked = alert.labels.get("desk_tier", "").strip()
    return replace(routed, desk_tier=int(asked)) if asked in ("1", "2", "3") else routed


def load_routes(inventory: list[str], limit: str | None = None, vault_password_file: str | None = None,
                unassigned_jsonl: str | None = None) -> RouteTable:
    """Resolve every host's policy; hosts with a policy problem are listed, not routed. With
    `unassigned_jsonl`, alerts of no client of the inventory go to that JSON-lines file, which must
    not be a file any client's tickets go to."""
    resolutions, problems = validate_inventory(inventory, limit, vault_password_file)
    table = RouteTable(problems=[str(problem) for problem in problems])
    for resolution in resolutions:
        if not resolution.ok:
            continue
        try:
            table.routes[resolution.host] = route(resolution.host, resolution.client or "", resolution.tier,
                                                  resolution.policy)
        except RoutingError as exc:
            table.problems.append(f"{', '.join(inventory)}: host {resolution.host}: {exc}")
    if unassigned_jsonl:
        path = Path(unassigned_jsonl).expanduser().resolve()
        for known in table.routes.values():
            for target in known.sinks:
                if target.sink == "jsonl" and Path(str(target.settings["path"])).expanduser().resolve() == path:
                    raise InputError(f"--unassigned-jsonl: {unassigned_jsonl} is the JSON-lines sink of client "
                                     f"{known.client} (host {known.host}); unassigned alerts need a file of their own")
        table.unassigned = SinkTarget("jsonl", {"path": str(path)})
    return table
