"""A client's asset register and roadmap, from its inventory and the store's latest facts
(`tripod report --roadmap`, and the monthly report's lifecycle summary)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tripod.errors import InputError
from tripod.lifecycle.assets import find_asset_file, load_assets
from tripod.lifecycle.register import Asset, asset_of
from tripod.lifecycle.roadmap import Roadmap, build_roadmap


def plan(inventory: list[str], client: str, years: int, today: date, store: Any | None,
         vault_password_file: str | None = None) -> tuple[Roadmap, list[Asset]]:
    """The client's asset register and roadmap from the inventory (hosts, tiers, policies, asset
    file) and, when a store is given, each host's latest facts."""
    assets, policies = register(inventory, client, today, store, vault_password_file)
    return build_roadmap(client, assets, policies, today, years), assets


def register(inventory: list[str], client: str, today: date, store: Any | None,
             vault_password_file: str | None = None) -> tuple[list[Asset], dict[str, Any]]:
    """The client's asset register and each host's effective policy (its `lifecycle` section
    drives the roadmap); the monthly report's lifecycle summary reads the same."""
    from tripod.hardening.host import inventory_directory
    from tripod.inventory import validate_inventory
    from tripod.network.inventory import GROUP

    resolutions, problems = validate_inventory(inventory, None, vault_password_file)
    if problems:
        raise InputError(str(problems[0]))
    mine = [r for r in resolutions if r.client == client]
    if not mine:
        clients = sorted({str(r.client) for r in resolutions})
        raise InputError(f"--client '{client}': no host of the inventory has it (clients: {', '.join(clients)})")
    base = Path(inventory_directory(inventory[0]))
    asset_file = find_asset_file(base)
    records = load_assets(asset_file, [r.host for r in resolutions]) if asset_file else {}
    facts: dict[str, tuple[dict[str, Any], str]] = {}
    firmware: dict[str, dict[str, str | None]] = {}
    if store is not None:
        facts = {snap.host: (snap.facts, snap.collected_at) for snap in store.latest_facts(client)}
        firmware = network_firmware(store, client, today)
    from tripod.inventory import load_hosts

    groups = {host.name: host.groups for host in load_hosts(inventory, None, vault_password_file)}
    assets = []
    for resolution in mine:
        known, at = facts.get(resolution.host, (None, None))
        assets.append(asset_of(resolution.host, str(resolution.tier), known, records.get(resolution.host), at,
                               network=GROUP in groups.get(resolution.host, []),
                               firmware=firmware.get(resolution.host)))
    return assets, {r.host: r.policy for r in mine if r.policy}


def network_firmware(store: Any, client: str, today: date) -> dict[str, dict[str, str | None]]:
    """Each network device's firmware from its latest TRP-NET-020 result of this or last month."""
    from tripod.network.checks import FIRMWARE, firmware_of

    last = date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)
    found: dict[str, dict[str, str | None]] = {}
    for month in (last.strftime("%Y-%m"), today.strftime("%Y-%m")):  # the newer month wins
        for finding in store.findings(client, month, latest_only=True):
            parsed = firmware_of(finding.evidence) if finding.check_id == FIRMWARE.check_id else None
            if parsed:
                found[str(finding.host)] = parsed
    return found
