"""The monthly client report as data: every figure the HTML, PDF, JSON and CSV show.

`build_monthly()` streams the client's hosts out of the store one at a time (see
`tripod.report.gather`) and returns a plain, JSON-ready dictionary. The renderers only
format it; they compute nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from tripod.models import AREAS, format_time
from tripod.report import scoring
from tripod.report.alerts import alerts_section
from tripod.report.gather import EXPECTED_LOOKBACK_MONTHS, host_months
from tripod.report.hosts import PASSED_COLUMNS, host_report, tier_label
from tripod.report.period import month_period, parse_time
from tripod.report.sections import PATCH_OUTCOME_CHECK, Hardening, Health, Housekeeping, Lifecycle, Patching
from tripod.report.waivers import Waiver, WaiverBook
from tripod.store import EvidenceStore
from tripod.store.records import add_months, month_bounds

REPORT_SCHEMA = "tripod.report.monthly/1"


class Section(Protocol):
    def add(self, host: dict[str, Any]) -> None: ...

    def result(self) -> dict[str, Any]: ...


class _Scores:
    """Counts by status per area and per tier, for the scorecard."""

    def __init__(self) -> None:
        self.overall = scoring.empty_counts()
        self.areas: dict[str, dict[str, int]] = {}
        self.tiers: dict[str, dict[str, int]] = {}

    def _totals(self, area: str, tier: str | None) -> tuple[dict[str, int], dict[str, int]]:
        area_total = self.areas.get(area)
        if area_total is None:
            area_total = self.areas[area] = scoring.empty_counts()
        tier_total = self.tiers.get(tier or "unknown")
        if tier_total is None:
            tier_total = self.tiers[tier or "unknown"] = scoring.empty_counts()
        return area_total, tier_total

    def add(self, area: str, tier: str | None, counts: dict[str, int]) -> None:
        area_total, tier_total = self._totals(area, tier)
        for status, count in counts.items():
            if count:
                self.overall[status] += count
                area_total[status] += count
                tier_total[status] += count

    def add_one(self, area: str, tier: str | None, status: str, count: int) -> None:
        area_total, tier_total = self._totals(area, tier)
        self.overall[status] += count
        area_total[status] += count
        tier_total[status] += count


def previous_scores(store: EvidenceStore, client: str, month: str, tiers: dict[str, str | None],
                    book: WaiverBook) -> _Scores | None:
    """The previous month's counts by the same rule (latest result per check, waivers expired by
    that month's end count as fails); None when the store has nothing for that month."""
    as_of = parse_time(month_bounds(month)[1]).date()
    scores, seen = _Scores(), False
    for host, area, status, waiver, count in store.month_status_counts(client, month):
        if host not in tiers:
            continue  # not in this report (another tier)
        seen = True
        if status == "waived" and waiver and book.lookup(waiver).state(as_of) == "expired":
            status = "fail"
        scores.add_one(area, tiers[host], status, count)
    if not seen:  # raw rows pruned: the rolled-up monthly summaries keep the counts
        for summary in store.monthly_summaries(client, month):
            if summary.host not in tiers:
                continue
            seen = True
            scores.add(summary.area, tiers.get(summary.host), summary.counts)
    return scores if seen else None


def _tier_at(sightings: Iterable[Any], before: str) -> str | None:
    tier = None
    for sighting in sightings:
        if sighting.finished_at < before and sighting.tier:
            tier = sighting.tier
    return tier


def scorecard(current: _Scores, previous: _Scores | None) -> dict[str, Any]:
    def prior(table: str, key: str) -> dict[str, int] | None:
        if previous is None:
            return None
        return getattr(previous, table).get(key, None) if table != "overall" else previous.overall

    return {
        "overall": scoring.score_block(current.overall, prior("overall", "")),
        "areas": {area: scoring.score_block(current.areas[area], prior("areas", area))
                  for area in AREAS if area in current.areas},
        "tiers": {tier: {**scoring.score_block(counts, prior("tiers", tier)), "label": tier_label(tier)}
                  for tier, counts in sorted(current.tiers.items())},
        "previous_month_available": previous is not None,
        "bands": [{"from": floor, "band": name} for floor, name in scoring.BANDS],
    }


def build_monthly(store: EvidenceStore, client: str, month: str, *, now: datetime | None = None,
                  waivers: Iterable[Waiver] | Mapping[str, Waiver] = (),
                  tiers: Collection[str] | None = None) -> dict[str, Any]:
    """Every figure of `client`'s report for `month` (YYYY-MM), read from `store`.

    `waivers`: known waivers (a list, or `waivers.from_waivers_file()`), preferred over what the
    findings' waiver references say. `tiers`: only hosts in these tiers at the end of the
    month (the engineer review covers SRP Server hosts only).
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    period = month_period(month)
    as_of = period.as_of(now)
    previous_month = add_months(month, -1)
    book = WaiverBook(waivers)
    scores = _Scores()
    sections: dict[str, Section] = {"patching": Patching(), "hardening": Hardening(), "health": Health(),
                "housekeeping": Housekeeping(), "lifecycle": Lifecycle()}
    hosts: list[dict[str, Any]] = []
    previous_tiers: dict[str, str | None] = {}
    for item in host_months(store, client, period):
        if tiers is not None and item.tier not in tiers:
            continue
        previous_tiers[item.host] = _tier_at(item.sightings, period.start)
        host = host_report(item, book, as_of)
        hosts.append(host)
        if not host["has_data"]:
            continue
        for area, entry in host["areas"].items():
            scores.add(area, host["tier"], entry["counts"])
        for section in sections.values():
            section.add(host)
        host["actions"] = action_summary(host.pop("actions"))
    patching = sections["patching"]
    if isinstance(patching, Patching):
        included = set(previous_tiers)
        patching.add_failed_runs([row for row in store.check_results(
            client, period.start, period.end, PATCH_OUTCOME_CHECK, ("error", "fail")) if row[0] in included])
    previous = previous_scores(store, client, previous_month, previous_tiers, book)
    reporting = [h for h in hosts if h["has_data"]]
    silent = [h for h in hosts if not h["has_data"]]
    tiers = sorted({t for h in hosts for t in h["tiers"]} | {h["tier"] for h in reporting if h["tier"]})
    return {
        "schema": REPORT_SCHEMA,
        "kind": "monthly",
        "client": client,
        "period": {"month": month, "start": period.start, "end": period.end, "previous_month": previous_month,
                   "as_of": format_time(as_of)},
        "generated_at": format_time(now),
        "tiers": [{"tier": t, "label": tier_label(t)} for t in tiers],
        "coverage": {
            "expected": len(hosts), "reporting": len(reporting), "silent": len(silent),
            "silent_hosts": [{"host": h["host"], "tier": h["tier"], "last_seen": h["last_seen"],
                              "reason": h["silent_reason"]} for h in silent],
            "moved_tier": [{"host": h["host"], "tiers": h["tiers"]} for h in hosts if h["moved_tier"]],
            "rule": f"a host is expected when it reported in this month or the {EXPECTED_LOOKBACK_MONTHS} months "
                    "before; it is reporting when it recorded facts or findings this month",
        },
        "scorecard": scorecard(scores, previous),
        **{name: section.result() for name, section in sections.items()},
        "alerts": alerts_section(store, client, period),
        "passed_columns": list(PASSED_COLUMNS),
        "hosts": hosts,
    }


def action_summary(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A host's actions of the month by area and kind: how many were done, planned, and bytes reclaimed."""
    summary: dict[tuple[str, str], dict[str, Any]] = {}
    for action in actions:
        entry = summary.setdefault((action["area"], action["kind"]), {
            "area": action["area"], "kind": action["kind"], "done": 0, "planned": 0, "bytes_reclaimed": 0})
        entry["done" if action["changed"] else "planned"] += 1
        entry["bytes_reclaimed"] += (action["bytes"] or 0) if action["changed"] else 0
    return [summary[key] for key in sorted(summary)]
