"""A five-host client with realistic check titles, for the report's look and length (PDF pages, the
first-page image, long host names), built on tests/report_fixture.py's fact and finding builders.

"Initech Corporation" in November 2026: a file server whose disk is 96 % full, a web server with an
expired certificate and 12 pending security updates, a database server with a stale backup and an
overdue reboot, a workstation with many failing hardening controls, and a host never reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import report_fixture as fx
from tripod.models import Action, Finding
from tripod.store import EvidenceStore, HostResult

CLIENT = "initech"
DISPLAY_NAME = "Initech Corporation"
LONG_HOST = "finance-reporting-database-primary-01.initech-corporation.example"
WHEN = "2026-11-20T02:00:00Z"

TITLES = {
    "TRP-PATCH-001": ("patching", "high", "Security updates are installed"),
    "TRP-PATCH-003": ("patching", "medium", "No reboot is pending"),
    "TRP-REBOOT-001": ("health", "high", "A pending reboot is not overdue"),
    "TRP-DISK-001": ("health", "medium", "Filesystems have free space"),
    "TRP-CERT-001": ("health", "high", "Certificates are not expiring"),
    "TRP-BACKUP-001": ("health", "high", "Backups are recent"),
    "TRP-SVC-001": ("health", "medium", "No systemd unit has failed"),
    "TRP-SSH-001": ("hardening", "high", "SSH root login is disabled"),
    "TRP-SSH-002": ("hardening", "high", "SSH password authentication is disabled"),
    "TRP-SSH-004": ("hardening", "low", "SSH allows at most 4 authentication attempts per connection"),
    "TRP-SSH-005": ("hardening", "medium", "SSH X11 forwarding is disabled"),
    "TRP-FW-001": ("hardening", "high", "A host firewall is active"),
    "TRP-AUD-001": ("hardening", "medium", "The audit daemon is running"),
}


def _finding(check_id: str, status: str, evidence: str = "") -> Finding:
    area, severity, title = TITLES[check_id]
    return Finding.from_dict({"area": area, "check_id": check_id, "title": title, "severity": severity,
                              "status": status, "evidence": evidence or f"{title}: {status}"})


def _results(failing: dict[str, str]) -> list[Finding]:
    return [_finding(check, "fail" if check in failing else "pass", failing.get(check, "")) for check in TITLES]


def hosts() -> list[dict[str, Any]]:
    pending = [(f"pkg{i}", True) for i in range(12)]
    disk_full = fx._linux("files01", WHEN, used_gib=96, pending=[], last_upgrade="2026-11-15T03:00:00Z")
    web = fx._linux("web01", WHEN, used_gib=40, pending=pending, last_upgrade="2026-09-02T03:00:00Z",
                    certificates=[{"path": "/etc/ssl/www.pem", "subject": "CN=www.initech.example",
                                   "not_after": "2026-11-15T00:00:00Z", "days_left": -5}])
    database = fx._linux(LONG_HOST, WHEN, used_gib=55, pending=[], last_upgrade="2026-11-01T03:00:00Z", reboot=True,
                         backups=[{"path": "/var/backups/pg.done", "exists": True,
                                   "modified": "2026-11-14T01:00:00Z", "age_hours": 145.0}])
    database["patches"]["reboot_required_since"] = "2026-11-02T03:00:00Z"
    workstation = fx._linux("ws-accounting-07", WHEN, used_gib=30, pending=[], last_upgrade="2026-11-18T03:00:00Z")
    return [
        {"host": "files01", "facts": disk_full,
         "findings": _results({"TRP-DISK-001": "/ is 96.0% used (warn 80%, critical 90%)"}),
         "actions": [Action.from_dict({"area": "housekeeping", "kind": "space_reclaimed", "detail": "/var/cache/apt",
                                       "bytes": 1_900_000_000, "changed": True})]},
        {"host": "web01", "facts": web,
         "findings": _results({"TRP-PATCH-001": "12 security updates pending",
                               "TRP-CERT-001": "/etc/ssl/www.pem expired 5 days ago", "TRP-SSH-002": "yes"}),
         "actions": []},
        {"host": LONG_HOST, "facts": database,
         "findings": _results({"TRP-PATCH-003": "reboot required", "TRP-REBOOT-001": "pending for 18 days",
                               "TRP-BACKUP-001": "/var/backups/pg.done is 145 hours old"}),
         "actions": [Action.from_dict({"area": "patching", "kind": "package_updated", "detail": f"libpq5 {i}",
                                       "changed": True}) for i in range(9)]},
        {"host": "ws-accounting-07", "facts": workstation,
         "findings": _results({check: "not as required" for check in TITLES if check.startswith(("TRP-SSH",
                                                                                                 "TRP-FW", "TRP-AUD"))}),
         "actions": [Action.from_dict({"area": "hardening", "kind": "setting_changed",
                                       "detail": "TRP-SSH-005 SSH X11 forwarding is disabled: set", "changed": True})]},
        {"host": "branch-router-gw", "status": "unreachable",
         "message": "Failed to connect to the host via ssh: ssh: connect to host 10.2.0.1 port 22: Connection refused"},
    ]


def build_store(path: Path) -> Path:
    """The client's November in a new store at `path` (one audit run per host)."""
    with EvidenceStore(path) as store:
        for entry in hosts():
            run = store.start_run(f"initech-{entry['host']}", playbook="audit.yml", started_at=WHEN)
            store.record_host(run, HostResult(
                host=entry["host"], status=entry.get("status", "ok"), client=CLIENT, tier="tier_srp_server",
                finished_at=WHEN, facts=[entry["facts"]] if entry.get("facts") else [],
                findings=[f.with_context(time=WHEN) for f in entry.get("findings", [])],
                actions=[a.with_context(time=WHEN) for a in entry.get("actions", [])],
                message=entry.get("message")))
            store.end_run(run, ended_at=WHEN)
    return path
