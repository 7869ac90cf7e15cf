"""Every host's route, from an inventory resolved offline (as `tripod validate` does)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tripod.inventory import validate_inventory
from tripod.policy.resolve import TIER_GROUPS, tier_policy
from tripod.triage.alertmanager import Alert
from tripod.triage.routing import Route, RoutingError, route

#: The tier whose shipped defaults route an alert for a host outside the inventory that
#: carries no `tier` label: alerts come from monitoring, which is SRP Server's.
FALLBACK_TIER = "tier_srp_server"


@dataclass
class RouteTable:
    routes: dict[str, Route] = field(default_factory=dict)
    #: One line per host that cannot be routed (its findings wait, untouched).
    problems: list[str] = field(default_factory=list)

    @property
    def clients(self) -> set[str]:
        """The inventory's clients, and '' for alerts about hosts of no known client."""
        return {known.client for known in self.routes.values()} | {""}

    def for_alert(self, alert: Alert) -> tuple[str, Route]:
        """The host an alert is about, and its route. A host outside the inventory is routed by
        the shipped defaults of its `tier` label (else SRP Server's), to its `client` label when
        that is one of the inventory's clients (else to the only one, or to no client)."""
        host = alert.host or f"unknown:{alert.name}"
        known = self.routes.get(host)
        if known is not None:
            return host, known
        tier = alert.labels.get("tier")
        tier = tier if tier in TIER_GROUPS else FALLBACK_TIER
        ours = self.clients - {""}
        client = alert.labels.get("client", "")
        if client not in ours:
            client = next(iter(ours)) if len(ours) == 1 else ""
        return host, route(host, client, tier, tier_policy(tier))


def load_routes(inventory: list[str], limit: str | None = None, vault_password_file: str | None = None) -> RouteTable:
    """Resolve every host's policy; hosts with a policy problem are listed, not routed."""
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
    return table
