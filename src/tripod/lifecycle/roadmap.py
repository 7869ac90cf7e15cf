"""The quarterly technology roadmap and budget: what reaches end of life or warranty when, what
to replace or upgrade in each quarter, at what estimated cost, with totals per quarter and year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from tripod.lifecycle.register import VIRTUAL_MACHINE, Asset


@dataclass(frozen=True)
class Item:
    quarter: str
    host: str
    action: str
    reason: str
    cost: float
    cost_source: str


@dataclass
class Roadmap:
    client: str
    start: str
    quarters: list[str]
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be planned, and why

    def quarter_totals(self) -> dict[str, float]:
        totals = {quarter: 0.0 for quarter in self.quarters}
        for item in self.items:
            totals[item.quarter] += item.cost
        return totals

    def year_totals(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for quarter, total in self.quarter_totals().items():
            totals[quarter[:4]] = totals.get(quarter[:4], 0.0) + total
        return totals

    def total(self) -> float:
        return sum(item.cost for item in self.items)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_from(today: date, years: int) -> list[str]:
    year, q = today.year, (today.month - 1) // 3 + 1
    result = []
    for _quarter in range(years * 4):
        result.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return result


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def build_roadmap(client: str, assets: list[Asset], policies: Mapping[str, Mapping[str, Any]], today: date,
                  years: int) -> Roadmap:
    """`policies`: each host's effective policy (its `lifecycle` section)."""
    quarters = quarters_from(today, years)
    roadmap = Roadmap(client=client, start=quarters[0], quarters=quarters)
    horizon_end = quarters[-1]

    def plan(host: str, day: date, action: str, reason: str, cost: float, source: str) -> None:
        quarter = quarter_of(day)
        if quarter > horizon_end:
            return
        if quarter < quarters[0]:
            reason, quarter = f"{reason} (overdue since {day.isoformat()})", quarters[0]
        roadmap.items.append(Item(quarter, host, action, reason, float(cost), source))

    for asset in sorted(assets, key=lambda a: a.host):
        lifecycle = policies[asset.host]["lifecycle"]
        base, source = asset.age_base()
        replace_due = None
        if base is not None:
            replace_due = add_years(base, int(lifecycle["replace_after_years"]))
            cost, cost_source = ((asset.cost, "asset file") if asset.cost is not None
                                 else (lifecycle["replacement_cost"], "policy price"))
            plan(asset.host, replace_due, f"replace {asset.kind}",
                 f"{lifecycle['replace_after_years']} years after its {source} {base.isoformat()}", cost, cost_source)
        elif source != VIRTUAL_MACHINE:
            roadmap.notes.append(f"{asset.host}: hardware replacement not planned: age {source}")
        if lifecycle["warranty_required"] and not asset.virtual:
            if asset.warranty_end is None:
                roadmap.notes.append(f"{asset.host}: warranty required ({asset.tier}) but no warranty_end in the "
                                     "asset file")
            elif replace_due is None or asset.warranty_end < replace_due:
                plan(asset.host, asset.warranty_end, "renew warranty or replace",
                     f"warranty ends {asset.warranty_end.isoformat()} (required for {asset.tier})", 0, "-")
        if asset.os_eol is not None:
            plan(asset.host, asset.os_eol, "upgrade firmware" if asset.kind == "network device" else
                 "upgrade operating system",
                 f"{asset.os or 'the OS'} reaches end of life {asset.os_eol.isoformat()}",
                 lifecycle["os_upgrade_cost"], "policy price")
    roadmap.items.sort(key=lambda item: (item.quarter, item.host, item.action))
    return roadmap
