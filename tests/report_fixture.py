"""A fixture evidence store with known values for the report tests, built through the EvidenceStore API.

Two clients. "ACME Ltd" has runs in September, October and November 2026:

- web01 (Linux, SRP Server): / grows by 10 GiB a month; openssl has been pending since the
  October run, libc6 since November; a valid waiver expiring on 2026-12-10;
- db01 (Linux, SRP Server): a waiver that expired on 2026-11-15 (still `waived` in the
  finding) and one the hardening role already turned into `fail`;
- ws01 (Linux): moved from SRP Workstation to SRP Server in November;
- old01 (Linux): reported in September and October, unreachable in November (no data);
- win01 (Windows Server 2022, recorded facts from tests/data/windows): a patch run failed on
  2026-11-05 (TRP-PATCH-004 error), the audit of 2026-11-10 is clean for it;
- gone01: last seen in July, outside the lookback window, so not expected.

"Globex" has its first month in November (no previous month).

Every figure the tests assert is computed in the tests from `PLAN` (or the store) by plain
counting, not by the report code.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from tripod.models import Action, Finding
from tripod.store import EvidenceStore, HostResult

DATA = Path(__file__).resolve().parent / "data"
GIB = 1024 ** 3
NOW = "2026-12-01T08:00:00Z"  # when the tests generate the November report
MONTH, PREVIOUS = "2026-11", "2026-10"

SRV, WS = "tier_srp_server", "tier_srp_workstation"
# Waivers as findings carry them (structured, tripod.models.WaiverInfo).
WAIVER_VALID = {"id": "W-101", "owner": "alice@acme.example", "ticket": "SD-4711", "expires": "2026-12-10",
                "justification": "legacy app"}
WAIVER_EXPIRED = {"id": "W-102", "owner": "bob@acme.example", "ticket": "SD-4712", "expires": "2026-11-15"}
WAIVER_ROLE_EXPIRED = {"id": "W-103", "owner": "carol@acme.example", "expires": "2026-10-31"}

# check id -> (area, severity)
CHECKS = {
    "TRP-PATCH-001": ("patching", "high"), "TRP-PATCH-002": ("patching", "low"),
    "TRP-PATCH-003": ("patching", "medium"), "TRP-PATCH-004": ("patching", "high"),
    "TRP-DISK-001": ("health", "medium"), "TRP-CERT-001": ("health", "high"), "TRP-BACKUP-001": ("health", "high"),
    "TRP-EOL-001": ("health", "high"),
    "TRP-SSH-001": ("hardening", "high"), "TRP-SSH-002": ("hardening", "high"), "TRP-SSH-003": ("hardening", "medium"),
    "TRP-SSH-004": ("hardening", "low"), "TRP-SSH-005": ("hardening", "critical"),
}


def _statuses(**changes: str) -> dict[str, str]:
    base = dict.fromkeys(CHECKS, "pass")
    base.update({key.replace("_", "-"): value for key, value in changes.items()})
    return base


def _linux(host: str, when: str, *, used_gib: float, pending: list[tuple[str, bool]], last_upgrade: str,
           reboot: bool = False, bios: str | None = None, eol: tuple[str, int] = ("2028-06-30", 0),
           certificates: list[dict[str, Any]] | None = None, backups: list[dict[str, Any]] | None = None,
           ) -> dict[str, Any]:
    facts = json.loads((DATA / "linux" / "debian12-container.json").read_text())
    facts["collected_at"] = when
    facts["identity"].update(hostname=host, fqdn=f"{host}.acme.example", container=False, virtualization="kvm")
    facts["identity"]["hardware"] = {"vendor": "Dell Inc.", "model": "PowerEdge R640", "serial": f"SN-{host}",
                                     "bios_date": bios}
    size = 100 * GIB
    used = int(used_gib * GIB)
    facts["capacity"]["filesystems"] = [
        {"mount": "/", "device": "/dev/sda1", "fstype": "ext4", "size_bytes": size, "used_bytes": used,
         "free_bytes": size - used, "used_percent": round(100 * used / size, 1), "inodes_total": 1000,
         "inodes_used": 100, "inodes_percent": 10.0},
    ]
    facts["patches"].update(
        pending=[{"name": name, "installed": "1.0", "candidate": "1.1", "origin": "bookworm-security/main" if sec
                  else "bookworm/main", "security": sec, "kb": None, "severity": None, "held": False}
                 for name, sec in pending],
        security_count=sum(1 for _, sec in pending if sec), other_count=sum(1 for _, sec in pending if not sec),
        held=[], last_upgrade=last_upgrade, reboot_required=reboot, reboot_reasons=["linux-image"] if reboot else [],
        reboot_required_since=when if reboot else None)
    facts["lifecycle"].update(eol_date=eol[0], days_left=eol[1])
    facts["certificates"] = certificates or []
    facts["backups"] = backups or []
    facts["errors"] = []
    return facts


def _windows(when: str) -> dict[str, Any]:
    facts = json.loads((DATA / "windows" / "server2022_pending_security_reboot.json").read_text())
    facts["collected_at"] = when
    return facts


def _finding(check_id: str, status: str, waiver: dict[str, str] | None = None) -> Finding:
    area, severity = CHECKS[check_id]
    return Finding.from_dict({"area": area, "check_id": check_id, "title": f"title of {check_id}",
                              "severity": severity, "status": status, "evidence": f"evidence {check_id} {status}",
                              "waiver": waiver})


def _action(area: str, kind: str, detail: str, size: int | None = None, changed: bool = True) -> Action:
    return Action.from_dict({"area": area, "kind": kind, "detail": detail, "bytes": size, "changed": changed})


CERT_SOON = {"path": "/etc/ssl/web.pem", "subject": "CN=web01", "not_after": "2026-11-22T00:00:00Z", "days_left": 12}
BACKUP_STALE = {"path": "/var/backups/nightly.done", "exists": True, "modified": "2026-11-07T02:00:00Z",
                "age_hours": 72.0}


def plan() -> list[dict[str, Any]]:
    """Every host result to record: client, run time, host, tier, status, facts, findings, actions."""
    runs: list[dict[str, Any]] = []

    def add(client: str, when: str, host: str, tier: str | None, *, status: str = "ok", facts: Any = None,
            statuses: dict[str, str] | None = None, waivers: dict[str, dict[str, str]] | None = None,
            actions: list[Action] | None = None, message: str | None = None) -> None:
        findings = [_finding(check, st, (waivers or {}).get(check)) for check, st in (statuses or {}).items()]
        runs.append({"client": client, "when": when, "host": host, "tier": tier, "status": status, "facts": facts,
                     "findings": findings, "actions": actions or [], "message": message})

    acme = "ACME Ltd"
    # July: gone01, outside the lookback window of a November report.
    add(acme, "2026-07-10T02:00:00Z", "gone01", SRV, statuses=_statuses())
    # September
    sep = "2026-09-10T02:00:00Z"
    add(acme, sep, "web01", SRV, statuses=_statuses(),
        facts=_linux("web01", sep, used_gib=40, pending=[], last_upgrade="2026-09-05T03:00:00Z", bios="2019-03-01"))
    add(acme, sep, "old01", SRV, statuses=_statuses(),
        facts=_linux("old01", sep, used_gib=20, pending=[], last_upgrade="2026-09-01T03:00:00Z"))
    # October
    oct_ = "2026-10-10T02:00:00Z"
    add(acme, oct_, "web01", SRV, facts=_linux("web01", oct_, used_gib=50, pending=[("openssl", True)],
                                               last_upgrade="2026-10-01T03:00:00Z", bios="2019-03-01"),
        statuses=_statuses(TRP_PATCH_001="fail", TRP_SSH_002="fail"))
    add(acme, oct_, "db01", SRV,
        facts=_linux("db01", oct_, used_gib=30, pending=[], last_upgrade="2026-10-02T03:00:00Z"),
        statuses=_statuses(TRP_SSH_003="waived"), waivers={"TRP-SSH-003": WAIVER_EXPIRED})
    add(acme, oct_, "old01", SRV,
        facts=_linux("old01", oct_, used_gib=21, pending=[], last_upgrade="2026-09-01T03:00:00Z"),
        statuses=_statuses(TRP_DISK_001="fail"))
    add(acme, oct_, "win01", SRV, facts=_windows("2026-10-10T02:10:00Z"),
        statuses=_statuses(TRP_SSH_004="not_applicable"))
    # November
    nov = "2026-11-10T02:00:00Z"
    add(acme, nov, "web01", SRV,
        facts=_linux("web01", nov, used_gib=60, pending=[("openssl", True), ("libc6", True), ("vim", False)],
                     last_upgrade="2026-10-01T03:00:00Z", reboot=True, bios="2019-03-01",
                     certificates=[CERT_SOON], backups=[BACKUP_STALE]),
        statuses=_statuses(TRP_PATCH_001="fail", TRP_PATCH_002="fail", TRP_PATCH_003="fail", TRP_CERT_001="fail",
                           TRP_BACKUP_001="fail", TRP_SSH_002="fail", TRP_SSH_003="waived",
                           TRP_SSH_004="not_applicable"),
        waivers={"TRP-SSH-003": WAIVER_VALID},
        actions=[_action("patching", "package_updated", "bash 5.2.15-2+b2 -> 5.2.15-2+b7"),
                 _action("patching", "package_updated", "tzdata 2024a -> 2025b"),
                 _action("patching", "reboot", "kernel update"),
                 _action("housekeeping", "space_reclaimed", "/var/cache/apt", 500 * 1024 ** 2),
                 _action("housekeeping", "space_reclaimed", "/tmp (planned)", 7 * 1024 ** 2, changed=False)])
    add(acme, nov, "db01", SRV,
        facts=_linux("db01", nov, used_gib=31, pending=[], last_upgrade="2026-11-08T03:00:00Z",
                     eol=("2026-12-31", 51)),
        statuses=_statuses(TRP_SSH_003="waived", TRP_SSH_005="fail", TRP_EOL_001="fail"),
        waivers={"TRP-SSH-003": WAIVER_EXPIRED, "TRP-SSH-005": WAIVER_ROLE_EXPIRED},
        actions=[_action("housekeeping", "space_reclaimed", "/var/log", 300 * 1024 ** 2)])
    add(acme, "2026-11-03T02:00:00Z", "ws01", WS,
        facts=_linux("ws01", "2026-11-03T02:00:00Z", used_gib=10, pending=[("firefox-esr", True)],
                     last_upgrade="2026-11-01T03:00:00Z"),
        statuses=_statuses(TRP_PATCH_001="fail"))
    add(acme, "2026-11-20T02:00:00Z", "ws01", SRV,
        facts=_linux("ws01", "2026-11-20T02:00:00Z", used_gib=10, pending=[], last_upgrade="2026-11-19T03:00:00Z"),
        statuses=_statuses(TRP_SSH_001="fail"))
    add(acme, nov, "old01", SRV, status="unreachable", message="Failed to connect to the host via ssh")
    add(acme, "2026-11-05T02:00:00Z", "win01", SRV, status="failed", message="KB5071547 failed",
        statuses={"TRP-PATCH-004": "error"})
    add(acme, nov, "win01", SRV, facts=_windows("2026-11-10T02:10:00Z"),
        statuses=_statuses(TRP_PATCH_001="fail", TRP_PATCH_003="fail", TRP_SSH_004="not_applicable",
                           TRP_SSH_001="not_assessed"))
    # Globex: first month
    add("Globex", nov, "gx01", SRV,
        facts=_linux("gx01", nov, used_gib=5, pending=[], last_upgrade="2026-11-09T03:00:00Z", bios="2025-01-15"),
        statuses=_statuses(TRP_SSH_002="fail"))
    return runs


#: Service Desk tickets (the triage tables): id, client, host, priority, desk tier, opened, resolved.
TICKETS = [
    ("TRP-TKT-000000000001", "ACME Ltd", "web01", "P2", 2, "2026-11-05T10:00:00Z", "2026-11-06T10:00:00Z"),
    ("TRP-TKT-000000000002", "ACME Ltd", "db01", "P1", 2, "2026-11-20T00:00:00Z", "2026-11-20T06:00:00Z"),
    ("TRP-TKT-000000000003", "ACME Ltd", "ws01", "P3", 1, "2026-11-25T09:00:00Z", None),
    ("TRP-TKT-000000000004", "ACME Ltd", "web01", "P2", 2, "2026-10-20T00:00:00Z", "2026-11-02T00:00:00Z"),
    ("TRP-TKT-000000000005", "ACME Ltd", "old01", "P4", 2, "2026-09-01T00:00:00Z", "2026-09-03T00:00:00Z"),
]


def add_tickets(path: Path) -> None:
    """Insert TICKETS into the store's triage table (as tripod triage would leave them)."""
    with EvidenceStore(path) as store:  # on either backend (a path or a postgresql:// URL)
        store._conn.executemany(
            "INSERT INTO tickets (ticket_id, client, host, tier, check_id, source, title, severity, priority,"
            " desk_tier, status, opened_at, updated_at, last_seen_at, resolved_at, source_ref)"
            " VALUES (?, ?, ?, 'tier_srp_server', 'TRP-SSH-002', 'finding', 't', 'high', ?, ?, ?, ?, ?, ?, ?,"
            " 'finding:1')",
            [(tid, client, host, prio, desk, "resolved" if res else "open", opened, res or opened, res or opened, res)
             for tid, client, host, prio, desk, opened, res in TICKETS])


def build_store(path: Path, *, tickets: bool = True) -> Path:
    """Record `plan()` into a new store at `path`, one run per distinct time (and the tickets)."""
    with EvidenceStore(path) as store:
        for entry in plan():
            run_id = f"run-{entry['client']}-{entry['when']}-{entry['host']}"
            store.start_run(run_id, playbook="audit.yml", started_at=entry["when"])
            findings = [f.with_context(time=entry["when"]) for f in entry["findings"]]
            actions = [a.with_context(time=entry["when"]) for a in entry["actions"]]
            store.record_host(run_id, HostResult(
                host=entry["host"], status=entry["status"], client=entry["client"], tier=entry["tier"],
                finished_at=entry["when"], facts=[entry["facts"]] if entry["facts"] else [],
                findings=findings, actions=actions, message=entry["message"]))
            store.end_run(run_id, ended_at=entry["when"])
    if tickets:
        add_tickets(path)
    return path


def month_entries(client: str, month: str) -> list[dict[str, Any]]:
    return [copy.deepcopy(e) for e in plan() if e["client"] == client and e["when"].startswith(month)]


# -- ground truth for the tests, computed from the fixture alone (never from Tripod's output) --

def latest_statuses(client: str, month: str, as_of: date) -> dict[str, dict[str, tuple[str, str]]]:
    """host -> check -> (area, effective status), from the latest entry of each host in the month."""
    result: dict[str, dict[str, tuple[str, str]]] = {}
    for entry in sorted(month_entries(client, month), key=lambda e: e["when"]):
        for finding in entry["findings"]:
            status = finding.status
            expiry = finding.waiver.expires if finding.waiver else None
            if status == "waived" and expiry and date.fromisoformat(expiry) < as_of:
                status = "fail"
            result.setdefault(entry["host"], {})[finding.check_id] = (finding.area, status)
    return result
