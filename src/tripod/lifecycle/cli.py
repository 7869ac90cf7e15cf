"""`tripod report --roadmap --client C -i INVENTORY [--years 3]`."""

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


def cmd_roadmap(args: Any) -> int:
    from tripod.cli.output import EXIT_OK, console
    from tripod.lifecycle.render import write_roadmap
    from tripod.cli.report import _open_store, _out_dir
    from tripod.store import default_path

    if not args.inventory or not args.client:
        raise InputError("--roadmap: needs --client NAME and -i INVENTORY (its asset file and lifecycle policy)")
    if not 1 <= args.years <= 10:
        raise InputError(f"--years: {args.years} must be between 1 and 10")
    today = date.today()
    store_path = args.store or default_path()
    store = _open_store(store_path) if Path(store_path).is_file() else None
    try:
        roadmap, assets = plan(args.inventory, args.client, args.years, today, store, args.vault_password_file)
    finally:
        if store is not None:
            store.close()
    from tripod.cli.report import _formats

    written = write_roadmap(roadmap, assets, today, _out_dir(args.out), _formats(args.format))
    console.print(f"[bold]{args.client}[/]: roadmap {roadmap.quarters[0]}..{roadmap.quarters[-1]}, total "
                  f"{roadmap.total():.2f}: " + ", ".join(str(p) for p in written), highlight=False)
    return EXIT_OK
