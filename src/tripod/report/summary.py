"""The client-facing part of the monthly report: the executive summary, "Needs your attention",
the all-hosts overview, work done, backups, availability and endpoint protection.

Fed one host report at a time (like the sections), it only rephrases figures the host reports
already hold; docs/reports.md says where each comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from tripod.report import plain
from tripod.models import SEVERITY_RANK
from tripod.report.period import parse_date
from tripod.report.sections import filesystem_key, real_filesystems

#: Days to act on an item with no deadline of its own, counted from the report date.
DUE_DAYS = {"critical": 3, "high": 7}
#: A filesystem this full is an attention item (high) whatever the disk check's own severity.
DISK_ATTENTION_PERCENT = 90.0
#: Hardening controls of type win_defender (tripod/hardening/catalog.yml): the endpoint protection checks.
DEFENDER_CONTROLS = {"TRP-WIN-011": "real-time protection", "TRP-WIN-012": "signatures up to date",
                     "TRP-WIN-013": "blocks unwanted applications"}
LINUX_ENDPOINT_NOTE = ("not applicable: Tripod checks no anti-malware on Linux; hardening covers "
                       "the firewall, SSH, accounts and file permissions")


def _due(as_of: date, severity: str, deadline: date | None = None) -> str:
    """The date to act by: the item's own deadline when it is still ahead and sooner, else the
    report date plus DUE_DAYS for its severity."""
    due = as_of + timedelta(days=DUE_DAYS.get(severity, 7))
    if deadline is not None and as_of <= deadline < due:
        due = deadline
    return due.isoformat()


def _item(host: str, severity: str, what: str, due: str, check_id: str | None) -> dict[str, Any]:
    return {"host": host, "severity": severity, "what": what, "due": due, "check_id": check_id}


def days_left(cert: Mapping[str, Any], as_of: date) -> int | None:
    """Days from the report date to the certificate's expiry (negative: expired); the facts' own
    `days_left` (as of collection) when the expiry date is unreadable."""
    expiry = parse_date(cert.get("not_after"))
    return (expiry - as_of).days if expiry else cert.get("days_left")


def _certificates(host: dict[str, Any], severity: str, as_of: date, check_id: str) -> list[dict[str, Any]]:
    items = []
    for cert in sorted(host.get("certificates") or [], key=lambda c: days_left(c, as_of) or 0):
        days = days_left(cert, as_of)
        if days is None or days >= 30:
            continue
        name = cert.get("subject") or cert.get("path") or "a certificate"
        what = f"Certificate {name} {plain.expiry_phrase(days, cert.get('not_after'))}"
        level = "critical" if days < 0 else severity
        items.append(_item(host["host"], level, what, _due(as_of, level, parse_date(cert.get("not_after"))), check_id))
    return items


def _backups(host: dict[str, Any], severity: str, as_of: date, check_id: str) -> list[dict[str, Any]]:
    items = []
    for backup in host.get("backups") or []:
        if not backup.get("exists"):
            what = f"No backup found at {backup.get('path')}"
        else:
            finished = parse_date(backup.get("modified"))
            when = (f"finished {finished.isoformat()}, {plain.count((as_of - finished).days, 'day')} before the "
                    "report date" if finished else plain.age_phrase(backup.get("age_hours")))
            what = f"Backup is out of date: the last one {when} ({backup.get('path')})"
        items.append(_item(host["host"], severity, what, _due(as_of, severity), check_id))
    return items[:3]


def _phrase(host: dict[str, Any], row: dict[str, Any], as_of: date) -> list[dict[str, Any]]:
    """Plain words for one failing high or critical finding."""
    name, check, severity = host["host"], row["check_id"], row["severity"]
    patching = host.get("patching") or {}
    life = host.get("lifecycle") or {}
    if check == "TRP-CERT-001":
        return _certificates(host, severity, as_of, check) or [
            _item(name, severity, f"Certificates expiring: {row['evidence']}", _due(as_of, severity), check)]
    if check == "TRP-BACKUP-001" and host.get("backups"):
        return _backups(host, severity, as_of, check)
    if check == "TRP-REBOOT-001" or (check == "TRP-PATCH-002" and patching.get("reboot_required")):
        since = str(patching.get("reboot_required_since") or "")[:10]
        return [_item(name, severity, f"Restart overdue: updates wait for a reboot{' since ' + since if since else ''}",
                      _due(as_of, severity), check)]
    if check == "TRP-PATCH-001" and patching.get("security_pending"):
        oldest = patching.get("oldest_pending") or {}
        waiting = f", oldest waiting {plain.count(oldest['age_days'], 'day')}" if oldest.get("age_days") else ""
        return [_item(name, severity, f"{plain.count(patching['security_pending'], 'security update')} not "
                      f"installed{waiting}", _due(as_of, severity), check)]
    if check == "TRP-EOL-001" and life.get("eol_date"):
        days = life.get("eol_days_left")
        verb = "ended" if days is not None and days < 0 else "ends"
        return [_item(name, severity, f"Operating system support {verb} on {life['eol_date']}",
                      _due(as_of, severity, parse_date(life["eol_date"])), check)]
    if row["effective_status"] == "fail" and row["status"] == "waived":
        return []  # the expired waiver is its own item
    if row["effective_status"] == "error":
        what = f"Could not be checked: {row['title']}"
    elif row["area"] == "hardening":
        what = f"Security setting not in place: {row['title']}"
    else:
        what = f"Check failing: {row['title']}"
    return [_item(name, severity, what, _due(as_of, severity), check)]


class ClientSummary:
    """Accumulates the per-host rows of the client-facing sections."""

    def __init__(self, as_of: datetime) -> None:
        self.as_of = as_of.date()
        self.attention: list[dict[str, Any]] = []
        self.overview: list[dict[str, Any]] = []
        self.backups: list[dict[str, Any]] = []
        self.availability: list[dict[str, Any]] = []
        self.endpoint: list[dict[str, Any]] = []
        self.controls_enforced: set[tuple[str, str]] = set()
        self.disks: dict[tuple[Any, ...], dict[str, Any]] = {}

    def add(self, host: dict[str, Any], facts: Mapping[str, Any] | None, sightings: list[Any]) -> None:
        name = host["host"]
        items = self._attention(host)
        self.attention += items
        patching = host.get("patching") or {}
        worst = min(items, key=_attention_order)["what"] if items else self._worst_other(host)
        self.overview.append({
            "host": name, "score": host["score"], "band": host["band"], "tier": host["tier"],
            "tier_label": host["tier_label"], "last_seen": host["last_seen"], "has_data": host["has_data"],
            "security_pending": patching.get("security_pending") if patching.get("assessed") else None,
            "patch_assessed": bool(patching.get("assessed")),
            "reboot_required": patching.get("reboot_required"), "worst_problem": worst,
            "worst_severity": min(items, key=_attention_order)["severity"] if items else None,
            "areas": {area: entry["score"] for area, entry in (host.get("areas") or {}).items()},
        })
        self._backups(host)
        self._availability(host, facts, sightings)
        self._endpoint(host)
        for action in host.get("actions", []):
            if action["area"] == "hardening" and action["changed"] and action["kind"] == "setting_changed":
                self.controls_enforced.add((name, str(action["detail"]).split(" ", 1)[0]))

    def _attention(self, host: dict[str, Any]) -> list[dict[str, Any]]:
        name = host["host"]
        if not host["has_data"]:
            return [_item(name, "high", host.get("silent_phrase") or "No data this month",
                          _due(self.as_of, "high"), None)]
        items: list[dict[str, Any]] = []
        for row in host["findings"]:
            waiver = row.get("waiver")
            if waiver and waiver.get("state") == "expired":
                items.append(_item(name, "high", f"Exception (waiver {waiver['reference']}) for \u201c{row['title']}\u201d "
                                   f"{plain.expiry_phrase(waiver.get('days_left'), waiver.get('expires'))}; the "
                                   "control now counts as failed", _due(self.as_of, "high"), row["check_id"]))
            if row["effective_status"] in ("fail", "error") and SEVERITY_RANK[row["severity"]] >= SEVERITY_RANK["high"]:
                items += _phrase(host, row, self.as_of)
        for fs in real_filesystems(host.get("filesystems") or []):
            if fs["used_percent"] < DISK_ATTENTION_PERCENT:
                continue
            key = filesystem_key(name, fs)
            shared = self.disks.get(key)
            if shared is not None:  # the same disk, seen from another host: one item naming both
                shared["host"] += f", {name}"
                continue
            days = fs.get("days_to_full")
            deadline = self.as_of + timedelta(days=days) if days is not None else None
            item = _item(name, "high", f"Disk {fs['mount']} is {fs['used_percent']:.1f} % full "
                         f"({_size(fs.get('free_bytes'))} free)", _due(self.as_of, "high", deadline), "TRP-DISK-001")
            self.disks[key] = item
            items.append(item)
        seen: set[tuple[str, str]] = set()
        unique = []
        for item in items:
            if (item["what"], item["host"]) not in seen:
                seen.add((item["what"], item["host"]))
                unique.append(item)
        return unique

    @staticmethod
    def _worst_other(host: dict[str, Any]) -> str | None:
        failing = [r for r in host.get("findings", []) if r["effective_status"] in ("fail", "error")]
        if not failing:
            return None
        worst = max(failing, key=lambda r: (SEVERITY_RANK[r["severity"]], r["check_id"]))
        more = len(failing) - 1
        return worst["title"] + (f" (+{more} more)" if more else "")

    def _backups(self, host: dict[str, Any]) -> None:
        if not host["has_data"]:
            return
        for backup in host.get("backups") or []:
            self.backups.append({"host": host["host"], "marker": backup.get("path"), "exists": bool(backup.get("exists")),
                                 "last_success": backup.get("modified") if backup.get("exists") else None,
                                 "age_hours": backup.get("age_hours") if backup.get("exists") else None})
        if not host.get("backups") and host.get("facts_at"):
            self.backups.append({"host": host["host"], "marker": None, "exists": False, "last_success": None,
                                 "age_hours": None, "note": "no backup marker configured"})

    def _availability(self, host: dict[str, Any], facts: Mapping[str, Any] | None, sightings: list[Any]) -> None:
        identity = (facts or {}).get("identity") or {}
        uptime = identity.get("uptime_seconds")
        answered = sum(1 for s in sightings if s.status != "unreachable")
        self.availability.append({
            "host": host["host"], "runs": len(sightings), "answered": answered,
            "unreachable": len(sightings) - answered,
            "uptime_days": round(uptime / 86400, 1) if isinstance(uptime, (int, float)) else None,
            "boot_time": identity.get("boot_time"), "silent": not host["has_data"],
        })

    def _endpoint(self, host: dict[str, Any]) -> None:
        if not host["has_data"]:
            return
        windows = host.get("os_family") == "windows" or str(host.get("os") or "").startswith("Windows")
        if not windows:
            self.endpoint.append({"host": host["host"], "platform": "linux", "state": "not applicable",
                                  "detail": LINUX_ENDPOINT_NOTE})
            return
        checks = {row[0]: "pass" for row in host.get("passed", []) if row[0] in DEFENDER_CONTROLS}
        checks.update({row["check_id"]: row["effective_status"] for row in host.get("findings", [])
                       if row["check_id"] in DEFENDER_CONTROLS})
        failing = [DEFENDER_CONTROLS[c] for c, s in sorted(checks.items()) if s in ("fail", "error")]
        if not checks:
            state, detail = "not assessed", "no Defender result recorded this month"
        elif failing:
            state, detail = "attention", "Microsoft Defender: not " + ", not ".join(failing)
        else:
            state, detail = "protected", "Microsoft Defender: " + ", ".join(DEFENDER_CONTROLS[c] for c in sorted(checks))
        self.endpoint.append({"host": host["host"], "platform": "windows", "state": state, "detail": detail})

    def result(self, report: Mapping[str, Any]) -> dict[str, Any]:
        attention = sorted(self.attention, key=_attention_order)
        return {
            "needs_attention": attention,
            "overview": sorted(self.overview, key=_overview_order),
            "work_done": self._work_done(report),
            "backups": sorted(self.backups, key=lambda b: (b["exists"], -(b["age_hours"] or 0), b["host"])),
            "availability": sorted(self.availability, key=lambda a: (not a["silent"], -a["unreachable"], a["host"])),
            "endpoint_protection": _grouped(self.endpoint),
            "sentences": sentences(report),
        }

    def _work_done(self, report: Mapping[str, Any]) -> dict[str, Any]:
        alerts = report["alerts"]
        return {
            "patches_installed": report["patching"]["updates_installed"],
            "reboots": report["patching"]["reboots_done"],
            "bytes_reclaimed": report["housekeeping"]["bytes_reclaimed"],
            "cleanup_actions": report["housekeeping"]["actions"],
            "controls_enforced": len(self.controls_enforced),
            "tickets_resolved": alerts["resolved"] if alerts["available"] else None,
        }


def _grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hosts with the same endpoint-protection state and detail in one row (`hosts`)."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["platform"], row["state"], row["detail"])
        groups.setdefault(key, {**row, "hosts": []})["hosts"].append(row["host"])
    return [{**g, "host": ", ".join(g["hosts"])} for g in sorted(groups.values(), key=lambda g: (g["platform"] == "linux",
                                                                                                 g["state"], g["host"]))]


def _attention_order(item: Mapping[str, Any]) -> tuple[int, str, str, str]:
    return -SEVERITY_RANK[item["severity"]], item["due"], item["host"], item["what"]


def _overview_order(row: Mapping[str, Any]) -> tuple[bool, float, str]:
    return row["has_data"], row["score"] if row["score"] is not None else 101.0, row["host"]


def _size(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "unknown"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit in ("B", "KiB") else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def sentences(report: Mapping[str, Any]) -> dict[str, str]:
    """One sentence per area, from the report's own figures."""
    p, hd, he, hk = report["patching"], report["hardening"], report["health"], report["housekeeping"]
    out: dict[str, str] = {}
    parts = [f"{p['hosts_fully_patched']} of {plain.count(p['hosts_assessed'], 'host')} assessed are fully patched"]
    if p["security_pending_total"]:
        hosts_pending = sum(1 for h in p["hosts"] if h["security_pending"])
        parts.append(f"{plain.count(p['security_pending_total'], 'security update')} wait on "
                     f"{plain.count(hosts_pending, 'host')}")
    if p["reboots_pending"]:
        parts.append(f"{plain.count(p['reboots_pending'], 'host')} {'needs' if p['reboots_pending'] == 1 else 'need'} "
                     "a restart")
    if p["hosts_not_assessed"]:
        parts.append(f"patch state not assessed on {', '.join(p['hosts_not_assessed'])}")
    out["patching"] = "; ".join(parts) + "."
    if hd["score"] is None:
        out["hardening"] = "No hardening results this month."
    else:
        text = f"{hd['score']:.1f} % of security settings checked are as required"
        if hd["failed_controls"]:
            top = hd["top_failed"][0]
            text += (f"; {plain.count(hd['failed_controls'], 'setting')} fail somewhere, the most serious "
                     f"\u201c{top['title']}\u201d on {plain.count(top['host_count'], 'host')}")
        if hd["waivers_expired"]:
            text += f"; {plain.count(hd['waivers_expired'], 'exception')} expired"
        out["hardening"] = text + "."
    open_high = he["findings_by_severity"].get("critical", 0) + he["findings_by_severity"].get("high", 0)
    text = (f"{plain.count(open_high, 'serious health problem')} open" if open_high
            else "No serious health problem open")
    if he["fullest_filesystems"]:
        fs = he["fullest_filesystems"][0]
        text += f"; the fullest disk is {fs['mount']} on {fs['hosts'][0]} at {fs['used_percent']:.1f} %"
    out["health"] = text + "."
    out["housekeeping"] = (f"{plain.count(hk['actions'], 'clean-up action')} reclaimed {_size(hk['bytes_reclaimed'])}."
                           if hk["actions"] else "No clean-up was needed or done this month.")
    return out
