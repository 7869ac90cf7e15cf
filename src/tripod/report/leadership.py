"""The lifecycle summary of the monthly report and the engineer review (IT Leadership).

It reads the asset register and the roadmap exactly as `tripod report --roadmap` does
(`tripod.lifecycle`): the inventory's hosts of the client, their lifecycle policy, the asset
file and the store's latest facts. Without an inventory it is "not assessed", never zeros.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tripod.lifecycle.register import Asset
from tripod.lifecycle.roadmap import add_years, build_roadmap

#: The summary looks this many quarters ahead (the current quarter first).
QUARTERS_AHEAD = 4
NO_INVENTORY = "not assessed: no inventory given"


def now_counts(assets: list[Asset], policies: dict[str, Any], today: date) -> dict[str, list[str]]:
    """The hosts past their replacement age, out of warranty and at (or past) OS end of life on `today`."""
    past, no_warranty, eol = [], [], []
    for asset in assets:
        base, _which = asset.age_base()
        years = int(policies[asset.host]["lifecycle"]["replace_after_years"])
        if base is not None and add_years(base, years) <= today:
            past.append(asset.host)
        if not asset.virtual and asset.warranty_end is not None and asset.warranty_end < today:
            no_warranty.append(asset.host)
        if asset.os_eol is not None and asset.os_eol <= today:
            eol.append(asset.host)
    return {"past_replacement_age": sorted(past), "out_of_warranty": sorted(no_warranty),
            "os_end_of_life": sorted(eol)}


def lifecycle_summary(inventory: tuple[str, ...], client: str, today: date, store: Any | None,
                      vault_password_file: str | None = None) -> dict[str, Any]:
    if not inventory:
        return {"assessed": False, "note": NO_INVENTORY}
    from tripod.lifecycle.plan import register

    assets, policies = register(list(inventory), client, today, store, vault_password_file)
    assets = [a for a in assets if a.host in policies]
    roadmap = build_roadmap(client, assets, policies, today, QUARTERS_AHEAD // 4)
    hosts = now_counts(assets, policies, today)
    return {
        "assessed": True,
        "as_of": today.isoformat(),
        "assets": len(assets),
        "now": {key: len(value) for key, value in hosts.items()},
        "now_hosts": hosts,
        "quarters": [{"quarter": q, "items": sum(1 for i in roadmap.items if i.quarter == q), "cost": total}
                     for q, total in roadmap.quarter_totals().items()],
        "due_items": len(roadmap.items),
        "due_cost": roadmap.total(),
        "items": [{"quarter": i.quarter, "host": i.host, "action": i.action, "reason": i.reason, "cost": i.cost,
                   "cost_source": i.cost_source} for i in roadmap.items],
        "notes": list(roadmap.notes),
        "rule": f"now: on {today.isoformat()}, replacement age reached (purchase date, else BIOS date, plus the "
                "tier's lifecycle.replace_after_years), warranty_end passed, OS or firmware end of life reached; "
                f"due: the roadmap of the next {QUARTERS_AHEAD} quarters (tripod report --roadmap --years 1), "
                "overdue items in the first quarter",
    }
