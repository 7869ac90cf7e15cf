"""The `report.*` policy keys as the report reads them: per client, from the inventory or the shipped defaults.

The evidence store holds no policy, so `tripod report -i INVENTORY` resolves the client's
hosts (as `tripod validate` does) and reads their `report` keys. Without an inventory the
shipped tier defaults apply. Keys that describe the client (display name, weights,
recipients, formats) must be the same on all its hosts; `monthly` and `engineer_review`
are read per tier: they pick the tiers a monthly report and the engineer review cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from tripod.errors import InputError
from tripod.models import AREAS
from tripod.policy.resolve import TIER_GROUPS, tier_policy

#: Keys that must agree across a client's hosts (they describe the client, not a tier).
CLIENT_KEYS = ("client_name", "weights", "recipients", "formats")


@dataclass(frozen=True)
class ReportSettings:
    """What the report of one client reads from policy."""

    client: str
    display_name: str
    weights: Mapping[str, float]
    recipients: tuple[str, ...] = ()
    formats: tuple[str, ...] = ("html", "pdf", "json", "csv")
    monthly_tiers: frozenset[str] = field(default_factory=frozenset)
    review_tiers: frozenset[str] = field(default_factory=frozenset)
    source: str = "the shipped tier defaults"
    smtp: Mapping[str, Any] | None = None  # the client's alerts.email settings (for --send)
    #: The inventory the settings came from when it has hosts of this client (the lifecycle summary
    #: reads its asset file and lifecycle policy); empty: the summary is not assessed.
    inventory: tuple[str, ...] = ()
    vault_password_file: str | None = None
    #: Each network device's `network.backup_max_age_hours` (from the inventory; else the shipped default).
    backup_max_age_hours: Mapping[str, int] = field(default_factory=dict)


def _weights(report: Mapping[str, Any]) -> dict[str, float]:
    given = report.get("weights") or {}
    return {area: float(given.get(area, 0)) for area in AREAS}


def _settings(client: str, reports: Mapping[str, Mapping[str, Any]], source: str,
              smtp: Mapping[str, Any] | None = None) -> ReportSettings:
    """`reports`: each tier's `report` policy (tier name -> mapping), the client-wide keys equal in all."""
    first = next(iter(reports.values()))
    weights = _weights(first)
    if not any(weights.values()):
        raise InputError(f"{source}: report.weights: every weight is 0; give at least one area a weight")
    return ReportSettings(
        client=client, display_name=str(first.get("client_name") or "").strip() or client, weights=weights,
        recipients=tuple(str(r) for r in first.get("recipients") or ()),
        formats=tuple(str(f) for f in first.get("formats") or ()),
        monthly_tiers=frozenset(t for t, r in reports.items() if r.get("monthly", True)),
        review_tiers=frozenset(t for t, r in reports.items() if r.get("engineer_review", False)),
        source=source, smtp=dict(smtp) if smtp else None)


@lru_cache(maxsize=1)
def _shipped_reports() -> dict[str, Mapping[str, Any]]:
    return {tier: tier_policy(tier)["report"] for tier in TIER_GROUPS}


def default_settings(client: str) -> ReportSettings:
    """The shipped defaults of every tier."""
    return _settings(client, _shipped_reports(), "the shipped tier defaults")


def settings_from_resolutions(client: str, resolutions: Iterable[Any], source: str) -> ReportSettings:
    """The client's settings from resolved hosts (`tripod.policy.resolve.Resolution`); an InputError naming
    the key when two hosts of the client disagree on a client-wide key."""
    reports: dict[str, Mapping[str, Any]] = {}
    first_host: tuple[str, Mapping[str, Any]] | None = None
    smtp: Mapping[str, Any] | None = None
    for resolution in sorted(resolutions, key=lambda r: r.host):
        if resolution.client != client or not resolution.ok or not resolution.tier:
            continue
        report = resolution.policy.get("report") or {}
        if first_host is None:
            first_host = (resolution.host, report)
            smtp = (resolution.policy.get("alerts") or {}).get("email")
        for key in CLIENT_KEYS:
            if report.get(key) != first_host[1].get(key):
                raise InputError(f"{source}: host {resolution.host}: report.{key}: differs from host {first_host[0]} "
                                 f"of the same client {client!r}; set it once for the client (group_vars)")
        reports.setdefault(resolution.tier, report)
    if not reports or first_host is None:
        return default_settings(client)
    for tier in TIER_GROUPS:  # a tier the client has no host in (a host that left it): the client's settings
        reports.setdefault(tier, first_host[1])
    return _settings(client, reports, source, smtp)


def load_settings(inventory: list[str] | None, clients: Iterable[str],
                  vault_password_file: str | None = None) -> dict[str, ReportSettings]:
    """Each client's settings: from `inventory` when given (hosts with policy problems are an error
    naming the file and key), else the shipped defaults."""
    clients = list(clients)
    if not inventory:
        return {client: default_settings(client) for client in clients}
    from tripod.inventory import validate_inventory

    resolutions, problems = validate_inventory(inventory, None, vault_password_file)
    # keys are dotted from the variable that set them: tripod_client_policy.report.weights.patching
    report_problems = [p for p in problems if f".{p.key}.".find(".report.") >= 0]
    if report_problems:
        raise InputError(str(report_problems[0]))
    source = ", ".join(inventory)
    limits = {r.host: int(r.policy["network"]["backup_max_age_hours"]) for r in resolutions
              if r.ok and r.policy and "network" in r.policy}
    mine = {str(r.client) for r in resolutions if r.ok}
    return {client: replace(settings_from_resolutions(client, resolutions, source),
                            inventory=tuple(inventory) if client in mine else (),
                            vault_password_file=vault_password_file, backup_max_age_hours=limits)
            for client in clients}
