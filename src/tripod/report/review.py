"""The twice-yearly engineer review (the tiers policy marks with report.engineer_review, SRP
Server by default): six-month trends, recurring findings, a risk list, recommendations with
priority and rough effort (from failing controls, recurring findings, pending updates, silent
hosts, end of life and hardware age), and the engineer's sign-off.

The review is built from the monthly reports of the half year, restricted to the hosts that
ended each month in a reviewed tier, so its figures are exactly the monthly figures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tripod.models import format_time
from tripod.models import SEVERITY_RANK
from tripod.report.hosts import tier_label
from tripod.report.monthly import build_monthly
from tripod.report.period import half_period, parse_time
from tripod.report.leadership import lifecycle_summary
from tripod.report.settings import ReportSettings, default_settings
from tripod.report.waivers import Waiver
from tripod.store import EvidenceStore

REVIEW_SCHEMA = "tripod.report.review/1"
#: A finding recurs when it was open at the end of at least this many months of the half.
RECURRING_MIN_MONTHS = 2
#: A filesystem projected to fill within this many days is a risk.
FILL_RISK_DAYS = 90

_EFFORT = {"critical": "hours", "high": "about half a day", "medium": "about half a day", "low": "about an hour",
           "info": "minutes"}


def _trend_row(month: str, report: dict[str, Any] | None) -> dict[str, Any]:
    if report is None:
        return {"month": month, "has_data": False, "score": None, "areas": {}, "hosts_reporting": 0,
                "hosts_expected": 0, "security_pending": None, "open_findings": None, "bytes_reclaimed": None}
    card = report["scorecard"]
    return {
        "month": month, "has_data": report["coverage"]["reporting"] > 0, "score": card["overall"]["score"],
        "band": card["overall"]["band"], "areas": {name: a["score"] for name, a in card["areas"].items()},
        "hosts_reporting": report["coverage"]["reporting"], "hosts_expected": report["coverage"]["expected"],
        "security_pending": report["patching"]["security_pending_total"],
        "open_findings": card["overall"]["counts"]["fail"] + card["overall"]["counts"]["error"],
        "bytes_reclaimed": report["housekeeping"]["bytes_reclaimed"],
    }


def _risks(latest: dict[str, Any]) -> list[dict[str, Any]]:
    risks: list[dict[str, Any]] = []

    def add(severity: str, what: str, hosts: Iterable[str], detail: str) -> None:
        risks.append({"severity": severity, "risk": what, "hosts": sorted(set(hosts)), "detail": detail})

    for host in latest["coverage"]["silent_hosts"]:
        add("high", "host not reporting", [host["host"]], host["reason"])
    for control in latest["hardening"]["top_failed"]:
        if SEVERITY_RANK[control["severity"]] >= SEVERITY_RANK["high"]:
            add(control["severity"], f"{control['check_id']} {control['title']}", control["hosts"], "control failing")
    for item in latest["health"]["failing"]:
        if SEVERITY_RANK[item["severity"]] >= SEVERITY_RANK["high"]:
            add(item["severity"], f"{item['check_id']} {item['title']}", [item["host"]], item["evidence"])
    patch_hosts = [h["host"] for h in latest["patching"]["hosts"] if h["security_pending"]]
    if patch_hosts:
        oldest = latest["patching"]["oldest_pending_security"] or {}
        add("high", "security updates pending", patch_hosts,
            f"{latest['patching']['security_pending_total']} pending; oldest {oldest.get('age_days', 0)} days")
    for waiver in latest["hardening"]["waivers"]:
        if waiver["state"] == "expired":
            add("high", f"expired waiver {waiver['reference']} ({waiver['check_id']})", [waiver["host"]],
                f"expired {waiver['expires'] or 'at an unknown date'}; counted as a fail")
    for system in latest["lifecycle"]["operating_systems"]:
        if system["state"] == "end of life":
            add("critical", f"{system['os']} past end of life", system["hosts"], f"since {system['eol_date']}")
    for fs in latest["health"]["fullest_filesystems"]:
        if fs["days_to_full"] is not None and fs["days_to_full"] <= FILL_RISK_DAYS:
            add("high" if fs["days_to_full"] <= 30 else "medium", f"{fs['mount']} fills up", [fs["host"]],
                f"projected full in {fs['days_to_full']} days ({fs['used_percent']}% used)")
    return sorted(risks, key=lambda r: (-SEVERITY_RANK[r["severity"]], r["risk"], r["hosts"]))


def _recommendations(latest: dict[str, Any], recurring: list[dict[str, Any]]) -> list[dict[str, Any]]:
    advice = [dict(item) for item in latest["lifecycle"]["recommendations"]]
    for item in recurring:
        priority = "high" if SEVERITY_RANK[item["severity"]] >= SEVERITY_RANK["high"] else "medium"
        advice.append({"priority": priority, "kind": "recurring_finding", "hosts": [item["host"]],
                       "effort": _EFFORT[item["severity"]],
                       "text": f"{item['check_id']} ({item['title']}) was open at the end of {len(item['months'])} "
                               f"months: fix the cause rather than the symptom."})
    for control in latest["hardening"]["top_failed"]:
        if SEVERITY_RANK[control["severity"]] >= SEVERITY_RANK["high"]:
            advice.append({"priority": "high" if control["severity"] == "critical" else "medium",
                           "kind": "failing_control", "hosts": list(control["hosts"]),
                           "effort": _EFFORT[control["severity"]],
                           "text": f"Enforce {control['check_id']} ({control['title']}) on "
                                   f"{control['host_count']} host(s), or record a waiver with an owner and expiry."})
    oldest = latest["patching"]["oldest_pending_security"]
    if oldest and oldest["age_days"] > 30:
        advice.append({"priority": "high", "kind": "patching", "hosts": [oldest["host"]],
                       "effort": "about an hour per host",
                       "text": f"Security update {oldest['name']} has waited {oldest['age_days']} days: check the "
                               "patch schedule, exclusions and approvals."})
    if latest["coverage"]["silent_hosts"]:
        advice.append({"priority": "high", "kind": "coverage",
                       "hosts": [h["host"] for h in latest["coverage"]["silent_hosts"]], "effort": "about an hour",
                       "text": "Restore reporting (connectivity, credentials) or retire the host from the inventory."})
    order = {"high": 0, "medium": 1, "low": 2}
    return sorted(advice, key=lambda a: (order.get(a["priority"], 3), a["kind"], a["hosts"]))


#: The lifecycle summary is left out: it depends on the inventory given (-i), which sign-off may not have.
DIGEST_KEYS = ("client", "trends", "recurring_findings", "risks", "recommendations", "latest")


def review_digest(review: dict[str, Any]) -> str:
    """sha256 of the review's figures, so a sign-off shows whether the figures changed since."""
    figures = {key: review[key] for key in DIGEST_KEYS}
    return hashlib.sha256(json.dumps(figures, sort_keys=True, default=str).encode()).hexdigest()


def build_review(store: EvidenceStore, client: str, half: str, *, now: datetime | None = None,
                 waivers: Iterable[Waiver] | Mapping[str, Waiver] = (),
                 tiers: Iterable[str] | None = None, settings: ReportSettings | None = None) -> dict[str, Any]:
    """The engineer review of `client` for `half` (YYYY-H1 or YYYY-H2), over the hosts in `tiers`:
    the tiers policy marks for review (report.engineer_review; default: the shipped policy's).
    `settings`: the client's report settings; their inventory gives the lifecycle summary."""
    review_tiers = tuple(sorted(tiers if tiers is not None else default_settings(client).review_tiers))
    now = (now or datetime.now(UTC)).astimezone(UTC)
    period = half_period(half)
    waiver_list = waivers if isinstance(waivers, Mapping) else list(waivers)
    monthly: dict[str, dict[str, Any] | None] = {}
    for month in period.months:
        if parse_time(f"{month}-01T00:00:00Z") > now:
            monthly[month] = None  # still to come
            continue
        monthly[month] = build_monthly(store, client, month, now=now, waivers=waiver_list, tiers=review_tiers)
    with_data = [m for m, r in monthly.items() if r is not None and r["coverage"]["reporting"] > 0]
    latest_month = with_data[-1] if with_data else None
    latest = monthly[latest_month] if latest_month else None
    hosts = {h["host"] for r in monthly.values() if r is not None for h in r["hosts"]}
    recurring = [
        {"host": r.host, "check_id": r.check_id, "area": r.area, "title": r.title, "severity": r.severity,
         "months": list(r.months)}
        for r in store.recurring_failures(client, period.start, period.end, RECURRING_MIN_MONTHS) if r.host in hosts
    ]
    review: dict[str, Any] = {
        "schema": REVIEW_SCHEMA,
        "kind": "review",
        "client": client,
        "period": {"half": half, "start": period.start, "end": period.end, "months": list(period.months),
                   "latest_month": latest_month, "as_of": format_time(period.as_of(now))},
        "generated_at": format_time(now),
        "tiers": [{"tier": t, "label": tier_label(t)} for t in review_tiers],
        "trends": [_trend_row(month, report) for month, report in monthly.items()],
        "recurring_findings": recurring,
        "risks": _risks(latest) if latest else [],
        "recommendations": _recommendations(latest, recurring) if latest else [],
        "lifecycle_summary": lifecycle_summary(settings.inventory if settings else (), client,
                                               period.as_of(now).date(), store,
                                               settings.vault_password_file if settings else None),
        "latest": None if latest is None else {
            "scorecard": latest["scorecard"], "coverage": latest["coverage"], "lifecycle": latest["lifecycle"],
            "hosts": [{k: h[k] for k in ("host", "tier", "score", "band", "os", "has_data")} for h in latest["hosts"]],
        },
    }
    review["digest"] = digest = review_digest(review)
    signoffs = [{"engineer": s.engineer, "notes": s.notes, "signed_at": s.signed_at,
                 "figures_unchanged": s.review_digest == digest} for s in store.signoffs(client, half)]
    review["signoffs"] = signoffs
    review["signoff_state"] = "signed" if signoffs else "awaiting engineer sign-off"
    review["csv"] = {"columns": ["month", "score", "hosts_reporting", "hosts_expected", "security_pending",
                                 "open_findings", "bytes_reclaimed"],
                     "rows": [{k: row[k] for k in ("month", "score", "hosts_reporting", "hosts_expected",
                                                   "security_pending", "open_findings", "bytes_reclaimed")}
                              for row in review["trends"]]}
    return review
