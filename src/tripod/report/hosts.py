"""One host's month as the report shows it: scores, patch state, capacity, findings with reasons."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tripod.models import AREAS
from tripod.report import scoring
from tripod.report.gather import FindingRow, HostMonth
from tripod.report.period import days_between, parse_date, parse_time
from tripod.report.trends import days_to_full, pending_ages
from tripod.report.waivers import WaiverBook

#: The hardening meta-check "Hardening waivers are current" (tripod.hardening.assess.WAIVER_CHECK).
WAIVER_META_CHECK = "TRP-WAIVER-001"
#: The check that judges pending security updates (its `not_assessed` covers stale package lists).
PENDING_CHECK = "TRP-PATCH-001"


def tier_label(tier: str | None) -> str:
    """`tier_srp_server` -> `SRP Server`; unknown names are shown as they are."""
    labels = {"tier_scheduled_support": "Scheduled Support", "tier_srp_server": "SRP Server",
              "tier_srp_workstation": "SRP Workstation", "tier_network": "Network"}
    if tier is None:
        return "unknown tier"
    return labels.get(tier, tier)


def os_name(facts: Mapping[str, Any] | None) -> str | None:
    if not facts:
        return None
    identity = facts.get("identity") or {}
    name = str(identity.get("distribution") or "").strip()
    version = str(identity.get("distribution_version") or "").strip()
    if name.startswith("Windows"):
        return name
    return " ".join(part for part in (name, version) if part) or None


def finding_row(finding: FindingRow, book: WaiverBook, as_of: datetime) -> dict[str, Any]:
    """The finding with its effective status: a waiver expired by the report date counts as a fail."""
    row: dict[str, Any] = {
        "check_id": finding.check_id, "area": finding.area, "title": finding.title, "severity": finding.severity,
        "status": finding.status, "effective_status": finding.status, "evidence": finding.evidence,
        "remediation": finding.remediation, "time": finding.time, "waiver": None}
    # The waiver meta-check names expired waivers; before store migration 5 it also carried their
    # tickets as a "waiver", which counted each expired waiver twice. It is no waiver.
    if finding.waiver and finding.check_id != WAIVER_META_CHECK:
        waiver = book.lookup(finding.waiver, finding.check_id)
        state = waiver.state(as_of.date())
        if finding.status in ("fail", "error"):
            state = "expired"  # the role already judged the waiver no longer valid
        elif finding.status == "waived" and state == "expired":
            row["effective_status"] = "fail"
        row["waiver"] = {"reference": waiver.reference, "owner": waiver.owner, "ticket": waiver.ticket,
                         "scope": waiver.scope, "justification": waiver.justification,
                         "expires": waiver.expires.isoformat() if waiver.expires else None,
                         "days_left": waiver.days_left(as_of.date()), "state": state}
    return row


#: The columns of a host's `passed` rows (passes are kept compact: most results are passes).
PASSED_COLUMNS = ("check_id", "area", "title", "severity", "evidence", "time")


def _area_counts(rows: list[dict[str, Any]],
                 passed: list[list[Any]]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Counts by effective status: overall, and per area (in AREAS order)."""
    overall = scoring.empty_counts()
    by_area: dict[str, dict[str, int]] = {}
    for area_name, status in [(r["area"], r["effective_status"]) for r in rows] + [(p[1], "pass") for p in passed]:
        overall[status] += 1
        area = by_area.get(area_name)
        if area is None:
            area = by_area[area_name] = scoring.empty_counts()
        area[status] += 1
    return overall, {name: by_area[name] for name in AREAS if name in by_area}


def _patching(item: HostMonth, facts: Mapping[str, Any]) -> dict[str, Any]:
    patches = facts.get("patches") or {}
    pending: list[Any] = patches["pending"] if isinstance(patches.get("pending"), list) else []
    # Pending updates count only when the check judged them: package lists missing or stale
    # (TRP-PATCH-001 not assessed) make "0 pending" meaningless, never "fully patched".
    judged = next((f for f in item.findings if f.check_id == PENDING_CHECK), None)
    not_assessed = judged.evidence if judged is not None and judged.status == "not_assessed" else None
    assessed = patches.get("security_count") is not None and not_assessed is None
    last_upgrade = patches.get("last_upgrade")
    recorded = {str(u.get("name")): u["first_seen"] for u in pending
                if isinstance(u, dict) and u.get("security") and isinstance(u.get("first_seen"), str)}
    ages = pending_ages(item.history, recorded)
    oldest = ages[0] if ages else None
    return {
        "assessed": assessed,
        "not_assessed_reason": not_assessed,
        "lists": [dict(e) for e in patches.get("lists") or [] if isinstance(e, dict)] or None,
        "security_pending": patches.get("security_count") if assessed else None,  # None: not assessed
        "other_pending": patches.get("other_count") if assessed else None,
        "security_by_severity": _by_severity([u for u in pending if isinstance(u, dict) and u.get("security")]),
        "reboot_required": patches.get("reboot_required"),
        "reboot_required_since": patches.get("reboot_required_since"),
        "last_upgrade": last_upgrade,
        "days_since_patch": days_between(last_upgrade, _at(item)) if last_upgrade else None,
        "oldest_pending": None if oldest is None else {
            "name": oldest.name, "first_seen": oldest.first_seen, "age_days": oldest.age_days,
            "at_least": oldest.at_least},
        "held": sorted(str(name) for name in patches.get("held") or []),
        "fully_patched": assessed and not patches.get("security_count") and patches.get("reboot_required") is False,
    }


def _by_severity(updates: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for update in updates:
        severity = str(update.get("severity") or "unrated").lower()
        counts[severity] = counts.get(severity, 0) + 1
    return dict(sorted(counts.items()))


def _at(item: HostMonth) -> datetime:
    """The time of the host's latest snapshot: patch ages are as of then."""
    return parse_time(item.facts_at or "")


def _filesystems(item: HostMonth, facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for fs in (facts.get("capacity") or {}).get("filesystems") or []:
        if not isinstance(fs, dict) or fs.get("used_percent") is None:
            continue
        projection = days_to_full(item.history, fs["mount"], fs.get("free_bytes"))
        rows.append({"mount": fs["mount"], "fstype": fs.get("fstype"), "used_percent": fs["used_percent"],
                     "size_bytes": fs.get("size_bytes"), "free_bytes": fs.get("free_bytes"),
                     "growth_bytes_per_day": projection.growth_bytes_per_day,
                     "days_to_full": projection.days_to_full, "projection_note": projection.note,
                     "history_points": projection.points, "history_days": projection.span_days})
    return sorted(rows, key=lambda r: (-r["used_percent"], r["mount"]))


def _lifecycle(facts: Mapping[str, Any], as_of: datetime) -> dict[str, Any]:
    life = facts.get("lifecycle") or {}
    hardware = (facts.get("identity") or {}).get("hardware") or {}
    eol = parse_date(life.get("eol_date"))
    bios = parse_date(hardware.get("bios_date"))
    return {
        "product": life.get("product"), "version": life.get("version"),
        "eol_date": eol.isoformat() if eol else None,
        "eol_days_left": (eol - as_of.date()).days if eol else None,
        "vendor": hardware.get("vendor"), "model": hardware.get("model"),
        "bios_date": bios.isoformat() if bios else None,
        "hardware_age_years": round(days_between(bios, as_of) / 365.25, 1) if bios else None,
    }


def host_report(item: HostMonth, book: WaiverBook, as_of: datetime) -> dict[str, Any]:
    """The host's entry in the report (and its appendix section)."""
    tiers = item.tiers
    base: dict[str, Any] = {
        "host": item.host, "tier": item.tier, "tier_label": tier_label(item.tier), "tiers": tiers,
        "moved_tier": len(tiers) > 1, "last_seen": item.last_seen, "never_reached": item.last_seen is None,
        "runs": len(item.month_sightings),
        "unreachable_runs": sum(1 for s in item.month_sightings if s.status == "unreachable"),
        "failed_runs": sum(1 for s in item.month_sightings if s.status == "failed"),
        "os": None, "os_family": None, "facts_at": None, "patching": None, "filesystems": [], "lifecycle": None,
        "certificates": [], "backups": [], "fact_errors": [], "facts_missing": None, "silent_reason": None,
        "actions": [],
    }
    if not item.has_data:
        last = item.month_sightings[-1] if item.month_sightings else None
        reason = (f"in {len(item.month_sightings)} run(s) this month, last {last.status}: "
                  f"{last.message or 'no message'}"
                  if last else "not seen in any run this month")
        return {**base, "has_data": False, "band": scoring.NO_DATA, "score": None, "silent_reason": reason,
                "counts": scoring.empty_counts(), "areas": {}, "findings": [], "passed": []}
    rows, passed = [], []
    for finding in item.findings:
        if finding.status == "pass" and not finding.waiver:
            passed.append([finding.check_id, finding.area, finding.title, finding.severity, finding.evidence,
                           finding.time])
        else:
            rows.append(finding_row(finding, book, as_of))
    rows.sort(key=_area_order)
    passed.sort(key=_passed_order)
    counts, by_area = _area_counts(rows, passed)
    score = scoring.percent(counts)
    areas = {}
    for area, area_counts in by_area.items():
        area_score = scoring.percent(area_counts)
        areas[area] = {"score": area_score, "band": scoring.band(area_score), "counts": area_counts}
    facts = item.facts or {}
    report = {**base, "has_data": True, "score": score, "band": scoring.band(score), "counts": counts, "areas": areas,
              "facts_at": item.facts_at, "os": os_name(facts), "os_family": facts.get("os_family"), "findings": rows,
              "passed": passed}
    if item.facts is not None:
        report["patching"] = _patching(item, facts)
        report["filesystems"] = _filesystems(item, facts)
        report["lifecycle"] = _lifecycle(facts, as_of)
        report["certificates"] = [dict(c) for c in facts.get("certificates") or [] if isinstance(c, dict)]
        report["backups"] = [dict(b) for b in facts.get("backups") or [] if isinstance(b, dict)]
        report["fact_errors"] = [dict(e) for e in facts.get("errors") or [] if isinstance(e, dict)]
    else:
        report["facts_missing"] = "no compliance facts recorded this month (findings only)"
    report["actions"] = [{"area": a.area, "kind": a.kind, "detail": a.detail, "bytes": a.bytes, "changed": a.changed,
                          "time": a.time} for a in item.actions]
    return report


_AREA_RANK = {area: rank for rank, area in enumerate(AREAS)}


def _area_order(row: dict[str, Any]) -> tuple[int, str]:
    return _AREA_RANK.get(row["area"], len(AREAS)), row["check_id"]


def _passed_order(row: list[Any]) -> tuple[int, str]:
    return _AREA_RANK.get(row[1], len(AREAS)), row[0]
