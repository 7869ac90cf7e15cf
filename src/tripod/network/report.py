"""The Network section: per device, the backup's age, drift, failing checks and firmware support.

Every figure comes from the evidence store: the latest result of each TRP-NET check in the month.
A device with no backup in the month, or a backup older than its policy's
`network.backup_max_age_hours`, says so; it never shows as backed up.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from jinja2 import Environment, PackageLoader, select_autoescape

from tripod.models import Finding

PREFIX = "TRP-NET-"
BACKUP, DRIFT, BASELINE, FIRMWARE = "TRP-NET-001", "TRP-NET-002", "TRP-NET-003", "TRP-NET-020"


@dataclass
class DeviceRow:
    host: str
    backup_at: str | None = None
    backup_age_hours: float | None = None
    backup_state: str = "no backup"  # current, stale, no backup, error
    backup_evidence: str = ""
    drift: str = "not assessed"
    drift_evidence: str = ""
    baseline: str = "not assessed"  # the golden baseline snippets (TRP-NET-003)
    firmware: str = "not assessed"
    firmware_evidence: str = ""
    failing: list[dict[str, str]] = field(default_factory=list)


def _hours(since: str, now: datetime) -> float:
    moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
    return round((now - moment).total_seconds() / 3600, 1)


def device_rows(findings: list[Finding], now: datetime, max_age_hours: Mapping[str, int] | int,
                devices: Iterable[str] = ()) -> list[DeviceRow]:
    """One row per device from its latest TRP-NET findings; `devices` also get a row (no backup,
    not assessed) when they have no TRP-NET finding (the monthly report's network-tier hosts)."""
    rows: dict[str, DeviceRow] = {host: DeviceRow(host=host) for host in sorted(devices)}
    for finding in sorted(findings, key=lambda f: (str(f.host), f.check_id)):
        if not finding.check_id.startswith(PREFIX):
            continue
        row = rows.setdefault(str(finding.host), DeviceRow(host=str(finding.host)))
        if finding.check_id == BACKUP:
            row.backup_evidence = finding.evidence
            if finding.status == "pass" and finding.time:
                limit = max_age_hours if isinstance(max_age_hours, int) else max_age_hours.get(row.host, 26)
                row.backup_at, row.backup_age_hours = finding.time, _hours(finding.time, now)
                row.backup_state = "current" if row.backup_age_hours <= limit else "stale"
            else:
                row.backup_state = "error"
        elif finding.check_id == DRIFT:
            row.drift = {"pass": "no change", "fail": "changed"}.get(finding.status, "not assessed")
            row.drift_evidence = finding.evidence
        elif finding.check_id == BASELINE:
            row.baseline = {"pass": "matches", "fail": "differs"}.get(finding.status, "not assessed")
        elif finding.check_id == FIRMWARE:
            row.firmware = {"pass": "supported", "fail": "unsupported or ending"}.get(finding.status, "not assessed")
            row.firmware_evidence = finding.evidence
        if finding.status in ("fail", "error") and finding.check_id != DRIFT:
            row.failing.append({"check_id": finding.check_id, "title": finding.title, "severity": finding.severity,
                                "evidence": finding.evidence})
    return sorted(rows.values(), key=lambda row: row.host)


def render_html(client: str, month: str, rows: list[DeviceRow]) -> str:
    env = Environment(loader=PackageLoader("tripod.network", "templates"), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("network_section.html.j2").render(client=client, month=month, rows=rows)


def render_csv(rows: list[DeviceRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["host", "backup_state", "backup_at", "backup_age_hours", "drift", "firmware", "failing_checks"])
    for row in rows:
        writer.writerow([row.host, row.backup_state, row.backup_at or "", "" if row.backup_age_hours is None else
                         row.backup_age_hours, row.drift, row.firmware, " ".join(f["check_id"] for f in row.failing)])
    return out.getvalue()


def write_network_report(store: Any, client: str, month: str, out: Path, max_age_hours: Mapping[str, int] | int,
                         now: datetime | None = None) -> list[Path]:
    """Write network-<client>-<month>.{html,csv,json}; returns the paths."""
    from tripod.atomic import atomic_write_text

    findings = list(store.findings(client, month, latest_only=True))
    rows = device_rows(findings, now or datetime.now(timezone.utc), max_age_hours)
    stem = out / f"network-{client}-{month}"
    paths = [atomic_write_text(stem.with_suffix(".html"), render_html(client, month, rows)),
             atomic_write_text(stem.with_suffix(".csv"), render_csv(rows)),
             atomic_write_text(stem.with_suffix(".json"), json.dumps(
                 {"client": client, "month": month, "devices": [asdict(row) for row in rows]}, indent=2) + "\n")]
    return paths
