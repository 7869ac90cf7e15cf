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
from tripod.policy.resolve import TIER_GROUPS
from tripod.models import SEVERITY_RANK
from tripod.report.hosts import PASSED_COLUMNS, host_report, tier_label
from tripod.report.leadership import lifecycle_summary
from tripod.report.network import NetworkDevices
from tripod.report.plain import short_reason
from tripod.report.settings import ReportSettings, default_settings
from tripod.report.summary import ClientSummary
from tripod.report.period import month_period, parse_time
from tripod.report.sections import PATCH_OUTCOME_CHECK, Hardening, Health, Housekeeping, Lifecycle, Patching
from tripod.report.waivers import Waiver, WaiverBook
from tripod.store import EvidenceStore
from tripod.store.records import add_months, month_bounds

#: /2: the client summary (`summary`, `client_name`), area weights and the weighted overall score.
#: /3: `network` (network devices; absent when the client has none) and `lifecycle_summary`.
REPORT_SCHEMA = "tripod.report.monthly/3"


class Section(Protocol):
    def add(self, host: dict[str, Any]) -> None: ...

    def result(self) -> dict[str, Any]: ...


class _Scores:
    """Counts by status per area, and per area within each tier, for the scorecard."""

    def __init__(self) -> None:
        self.overall = scoring.empty_counts()
        self.areas: dict[str, dict[str, int]] = {}
        self.tiers: dict[str, dict[str, dict[str, int]]] = {}  # tier -> area -> counts

    def _totals(self, area: str, tier: str | None) -> tuple[dict[str, int], dict[str, int]]:
        area_total = self.areas.get(area)
        if area_total is None:
            area_total = self.areas[area] = scoring.empty_counts()
        tier_areas = self.tiers.setdefault(tier or "unknown", {})
        tier_total = tier_areas.get(area)
        if tier_total is None:
            tier_total = tier_areas[area] = scoring.empty_counts()
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


def scorecard(current: _Scores, previous: _Scores | None, weights: Mapping[str, float]) -> dict[str, Any]:
    """Area scores (pass / (pass + fail + error)), and the overall and tier scores weighted by area."""
    def prior_areas(tier: str | None = None) -> dict[str, dict[str, int]] | None:
        if previous is None:
            return None
        return previous.areas if tier is None else previous.tiers.get(tier)

    return {
        "overall": scoring.weighted_block(current.areas, weights, prior_areas()),
        "areas": {area: {**scoring.score_block(current.areas[area],
                                               previous.areas.get(area) if previous else None),
                         "weight": weights.get(area, 0)}
                  for area in AREAS if area in current.areas},
        "tiers": {tier: {**scoring.weighted_block(areas, weights, prior_areas(tier)), "label": tier_label(tier)}
                  for tier, areas in sorted(current.tiers.items())},
        "weights": {area: weights.get(area, 0) for area in AREAS},
        "formula": SCORE_FORMULA,
        "previous_month_available": previous is not None,
        "bands": [{"from": floor, "band": name} for floor, name in scoring.BANDS],
    }


SCORE_FORMULA = ("each area's score is pass / (pass + fail + error) over the latest result of each check on each "
                 "host this month; the overall score is the sum of weight x area score divided by the sum of the "
                 "weights of the areas that have a score (policy report.weights); a host's and a tier's score use "
                 "the same weights over their own area scores")


def _silent_phrase(item: Any) -> str:
    """Why a host has no data, in plain words: "Never reached: SSH connection refused"."""
    month = item.month_sightings
    last = month[-1] if month else None
    if last is None:
        reason = "not in any run this month"
    elif last.status == "unreachable":
        reason = short_reason(last.message)
    else:
        reason = f"its last run {last.status} before recording facts"
    answered = [s for s in item.sightings if s.status != "unreachable"]
    if not answered and last is not None:
        return f"Never reached: {reason}"
    since = answered[-1].finished_at[:10] if answered else None
    return f"No data since {since}: {reason}" if since else f"No data: {reason}"


def build_monthly(store: EvidenceStore, client: str, month: str, *, now: datetime | None = None,
                  waivers: Iterable[Waiver] | Mapping[str, Waiver] = (),
                  tiers: Collection[str] | None = None, settings: ReportSettings | None = None) -> dict[str, Any]:
    """Every figure of `client`'s report for `month` (YYYY-MM), read from `store`.

    `waivers`: known waivers (a list, or `waivers.from_waivers_file()`), preferred over what the
    findings' waiver references say. `tiers`: only hosts in these tiers at the end of the
    month (the engineer review covers the tiers policy marks for review). `settings`: the client's
    `report.*` policy (display name, weights, the tiers with a monthly report); default: shipped.
    """
    settings = settings or default_settings(client)
    if tiers is None and set(TIER_GROUPS) - settings.monthly_tiers:
        tiers = settings.monthly_tiers
    now = (now or datetime.now(UTC)).astimezone(UTC)
    period = month_period(month)
    as_of = period.as_of(now)
    previous_month = add_months(month, -1)
    book = WaiverBook(waivers)
    scores = _Scores()
    sections: dict[str, Section] = {"patching": Patching(), "hardening": Hardening(), "health": Health(),
                                    "housekeeping": Housekeeping(), "lifecycle": Lifecycle()}
    network = NetworkDevices()
    hosts: list[dict[str, Any]] = []
    summary = ClientSummary(as_of)
    previous_tiers: dict[str, str | None] = {}
    for item in host_months(store, client, period):
        if tiers is not None and item.tier not in tiers:
            continue
        previous_tiers[item.host] = _tier_at(item.sightings, period.start)
        host = host_report(item, book, as_of)
        hosts.append(host)
        if not host["has_data"]:
            host["silent_phrase"] = _silent_phrase(item)
            network.add(host)  # a silent network device: no backup this month, said so
            summary.add(host, None, item.month_sightings)
            continue
        host["score"] = scoring.weighted({a: e["score"] for a, e in host["areas"].items()}, settings.weights)
        host["band"] = scoring.band(host["score"])
        for area, entry in host["areas"].items():
            scores.add(area, host["tier"], entry["counts"])
        for section in sections.values():
            section.add(host)
        network.add(host)
        summary.add(host, item.facts, item.month_sightings)
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
    hosts.sort(key=_host_order)
    report = {
        "schema": REPORT_SCHEMA,
        "kind": "monthly",
        "client": client,
        "client_name": settings.display_name,
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
        "scorecard": scorecard(scores, previous, settings.weights),
        **{name: section.result() for name, section in sections.items()},
        "alerts": alerts_section(store, client, period),
        "lifecycle_summary": lifecycle_summary(settings.inventory, client, as_of.date(), store,
                                               settings.vault_password_file),
        "passed_columns": list(PASSED_COLUMNS),
        "hosts": hosts,
    }
    devices = network.result(store, client, month, as_of, settings.backup_max_age_hours)
    if devices is not None:
        report["network"] = devices
    report["summary"] = summary.result(report)
    return report


def _host_order(host: dict[str, Any]) -> tuple[int, int, float, str]:
    """The appendix order: hosts with no data, then the lowest score first (most severe), then by name."""
    worst = max((SEVERITY_RANK[f["severity"]] for f in host["findings"]
                 if f["effective_status"] in ("fail", "error")), default=-1)
    return (0 if not host["has_data"] else 1, -worst, host["score"] if host["score"] is not None else 101.0,
            host["host"])


def action_summary(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A host's actions of the month by area and kind: how many were done, planned, and bytes reclaimed."""
    summary: dict[tuple[str, str], dict[str, Any]] = {}
    for action in actions:
        entry = summary.setdefault((action["area"], action["kind"]), {
            "area": action["area"], "kind": action["kind"], "done": 0, "planned": 0, "bytes_reclaimed": 0})
        entry["done" if action["changed"] else "planned"] += 1
        entry["bytes_reclaimed"] += (action["bytes"] or 0) if action["changed"] else 0
    return [summary[key] for key in sorted(summary)]
