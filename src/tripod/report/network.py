"""The monthly report's Network section: per network device, the last configuration backup, drift,
firmware support and the failing TRP-NET-01x checks.

The rows are `tripod.network.report.device_rows()`, the same that `tripod report --network`
writes; this module only picks the report's devices and adds the month's `config_backup` actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from tripod.network.report import PREFIX, device_rows
from tripod.policy.resolve import tier_policy

NETWORK_TIER = "tier_network"
#: The configuration checks the section lists as failing (NTP, syslog, AAA, telnet, SNMP, ...).
CHECK_PREFIX = "TRP-NET-01"
#: What the monthly report calls each backup state of `device_rows()`.
BACKUP_STATES = {"current": "current", "stale": "stale", "no backup": "missing", "error": "missing"}


def default_backup_max_age_hours() -> int:
    return int(tier_policy(NETWORK_TIER)["network"]["backup_max_age_hours"])


class NetworkDevices:
    """Fed one host report at a time (before its actions are summarised); `result()` reads the
    month's latest TRP-NET findings of the devices seen."""

    def __init__(self) -> None:
        self.devices: set[str] = set()
        self.backups: dict[str, list[str]] = {}  # host -> times of the month's config backups written

    def add(self, host: dict[str, Any]) -> None:
        backups = sorted(str(a["time"]) for a in host.get("actions", [])
                         if a["kind"] == "config_backup" and a["changed"] and a.get("time"))
        if host["tier"] == NETWORK_TIER or backups or any(
                f["check_id"].startswith(PREFIX) for f in host.get("findings", [])) or any(
                p[0].startswith(PREFIX) for p in host.get("passed", [])):
            self.devices.add(host["host"])
            self.backups[host["host"]] = backups

    def result(self, store: Any, client: str, month: str, as_of: datetime,
               limits: Mapping[str, int]) -> dict[str, Any] | None:
        """None when the report has no network device (the section is left out)."""
        if not self.devices:
            return None
        default = default_backup_max_age_hours()
        findings = [f for f in store.findings(client, month, latest_only=True) if str(f.host) in self.devices]
        rows = device_rows(findings, as_of, {h: int(limits.get(h, default)) for h in self.devices}, self.devices)
        devices = []
        for row in rows:
            entry = asdict(row)
            entry["backup_state"] = BACKUP_STATES[row.backup_state]
            entry["backup_max_age_hours"] = int(limits.get(row.host, default))
            entry["failing"] = [f for f in row.failing if f["check_id"].startswith(CHECK_PREFIX)]
            backups = self.backups.get(row.host, [])
            entry["backups_this_month"] = len(backups)
            entry["last_backup_action"] = backups[-1] if backups else None
            devices.append(entry)
        states = [d["backup_state"] for d in devices]
        return {
            "devices": devices,
            "device_count": len(devices),
            "backups": {state: states.count(state) for state in ("current", "stale", "missing")},
            "drifted": sum(1 for d in devices if d["drift"] == "changed"),
            "unsupported_firmware": sum(1 for d in devices if d["firmware"] == "unsupported or ending"),
            "failing_checks": sum(len(d["failing"]) for d in devices),
            "rule": "backup age at the report's as-of time from the latest TRP-NET-001 result of the month; "
                    "current when within the device's network.backup_max_age_hours, stale when older, missing "
                    "when there is no successful backup result this month",
        }
