"""The monthly report's sections, each an accumulator fed one host report at a time."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tripod.report import scoring
from tripod.models import SEVERITIES, SEVERITY_RANK

#: Report-wide thresholds (the hosts' own policies are not in the evidence store; the checks'
#: findings apply each host's policy, these only pick what the report lists).
CERTIFICATE_WINDOW_DAYS = 30
BACKUP_MAX_AGE_HOURS = 26
FULLEST_FILESYSTEMS = 10
TOP_FAILED_CONTROLS = 10
HARDWARE_MAX_YEARS = 5
EOL_HORIZON_DAYS = 365

#: The patch run's outcome check (tripod.patching): one result per host and patch run; `error` = failed.
PATCH_OUTCOME_CHECK = "TRP-PATCH-004"
#: Action kinds the report reads (docs/reports.md): updates installed, failed, reboots, exclusions.
UPDATE_KINDS = ("package_updated", "update_installed")
FAILED_UPDATE_KINDS = ("package_update_failed", "update_failed")
REBOOT_KINDS = ("reboot",)
EXCLUDED_KINDS = ("package_excluded", "package_held")


#: Filesystems that hold no data of their own: never listed, never a finding in the report.
PSEUDO_FSTYPES = frozenset(("tmpfs", "devtmpfs", "proc", "sysfs", "squashfs", "ramfs", "efivarfs", "cgroup",
                            "cgroup2", "devpts", "mqueue", "securityfs", "debugfs", "tracefs", "pstore", "bpf",
                            "fusectl", "configfs", "hugetlbfs", "autofs", "binfmt_misc", "nsfs", "rpc_pipefs"))


#: Checks whose identical evidence on several hosts is one problem (a disk they share).
SHARED_EVIDENCE_CHECKS = frozenset(("TRP-DISK-001", "TRP-DISK-002"))


def filesystem_key(host: str, fs: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies one real filesystem: a local block device belongs to its host (two hosts'
    /dev/sda1 are two disks); anything else (overlay, a network share) is the same filesystem on
    every host that sees the same device with the same size, as containers on one disk do."""
    device = str(fs.get("device") or "")
    if device.startswith("/dev/") or not device:
        return (host, device or fs.get("mount"))
    return ("shared", device, fs.get("fstype"), fs.get("size_bytes"))


def real_filesystems(filesystems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A host's filesystems without pseudo filesystems, one row per device (bind mounts of the same
    device are one filesystem: the fullest-first order keeps its first mount)."""
    seen: set[Any] = set()
    rows = []
    for fs in filesystems:
        if fs.get("fstype") in PSEUDO_FSTYPES:
            continue
        device = fs.get("device")
        key = (device, fs.get("size_bytes")) if device and str(device).startswith("/dev/") else fs.get("mount")
        if key in seen:
            continue
        seen.add(key)
        rows.append(fs)
    return rows


def _changed(host: dict[str, Any], kinds: tuple[str, ...], changed: bool | None = True) -> list[dict[str, Any]]:
    return [a for a in host.get("actions", []) if a["kind"] in kinds and (changed is None or a["changed"] is changed)]


class Patching:
    def __init__(self) -> None:
        self.assessed = self.fully_patched = 0
        self.not_assessed: list[str] = []
        self.by_severity: Counter[str] = Counter()
        self.security_total = self.other_total = 0
        self.hosts: list[dict[str, Any]] = []
        self.oldest: dict[str, Any] | None = None
        self.installed = self.reboots_done = self.reboots_pending = 0
        self.failed: list[dict[str, Any]] = []
        self.excluded: list[dict[str, Any]] = []

    def add(self, host: dict[str, Any]) -> None:
        name = host["host"]
        self.installed += len(_changed(host, UPDATE_KINDS))
        self.reboots_done += len(_changed(host, REBOOT_KINDS))
        self.failed += [{"host": name, "detail": a["detail"], "time": a["time"]}
                        for a in _changed(host, FAILED_UPDATE_KINDS, None)]
        self.excluded += [{"host": name, "package": a["detail"], "source": "patch run"}
                          for a in _changed(host, EXCLUDED_KINDS, None)]
        patching = host.get("patching")
        if patching:  # the reboot state is known even when pending updates are not (stale package lists)
            self.reboots_pending += int(bool(patching["reboot_required"]))
        if not patching or not patching["assessed"]:
            self.not_assessed.append(name)
            return
        self.assessed += 1
        self.fully_patched += int(patching["fully_patched"])
        self.security_total += patching["security_pending"] or 0
        self.other_total += patching["other_pending"] or 0
        self.by_severity.update(patching["security_by_severity"])
        self.excluded += [{"host": name, "package": package, "source": "held on the host"}
                          for package in patching["held"]]
        oldest = patching["oldest_pending"]
        if oldest and (self.oldest is None or oldest["age_days"] > self.oldest["age_days"]):
            self.oldest = {"host": name, **oldest}
        self.hosts.append({"host": name, "last_upgrade": patching["last_upgrade"],
                           "days_since_patch": patching["days_since_patch"],
                           "security_pending": patching["security_pending"], "other_pending": patching["other_pending"],
                           "reboot_required": patching["reboot_required"],
                           "oldest_pending_days": oldest["age_days"] if oldest else None,
                           "oldest_pending": oldest,
                           "fully_patched": patching["fully_patched"]})

    def add_failed_runs(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Patch runs that failed this month (every TRP-PATCH-004 error or fail, not only the latest)."""
        self.failed += [{"host": host, "detail": evidence, "time": time} for host, time, _status, evidence in rows]
        self.failed.sort(key=lambda f: (f["host"], f["time"] or ""))

    def result(self) -> dict[str, Any]:
        return {
            "hosts_assessed": self.assessed,
            "hosts_fully_patched": self.fully_patched,
            "fully_patched_percent": round(100 * self.fully_patched / self.assessed, 1) if self.assessed else None,
            "hosts_not_assessed": self.not_assessed,
            "security_pending_total": self.security_total,
            "other_pending_total": self.other_total,
            "security_by_severity": dict(sorted(self.by_severity.items())),
            "oldest_pending_security": self.oldest,
            "updates_installed": self.installed,
            "failed_updates": self.failed,
            "reboots_done": self.reboots_done,
            "reboots_pending": self.reboots_pending,
            "excluded_packages": self.excluded,
            "hosts": sorted(self.hosts, key=lambda h: (-(h["days_since_patch"] or -1), h["host"])),
        }


class Hardening:
    def __init__(self) -> None:
        self.counts = scoring.empty_counts()
        self.hosts: list[dict[str, Any]] = []
        self.failed: dict[str, dict[str, Any]] = {}
        self.waivers: list[dict[str, Any]] = []

    def add(self, host: dict[str, Any]) -> None:
        for row in host.get("findings", []):
            if row["waiver"]:
                self.waivers.append({"host": host["host"], "check_id": row["check_id"], "title": row["title"],
                                     "status": row["status"], "counted_as": row["effective_status"], **row["waiver"]})
            if row["area"] != "hardening":
                continue
            if row["effective_status"] in ("fail", "error"):
                entry = self.failed.setdefault(row["check_id"], {
                    "check_id": row["check_id"], "title": row["title"], "severity": row["severity"], "hosts": []})
                if SEVERITY_RANK[row["severity"]] > SEVERITY_RANK[entry["severity"]]:
                    entry["severity"] = row["severity"]
                entry["hosts"].append(host["host"])
        area = host.get("areas", {}).get("hardening")
        if area:
            scoring.add_counts(self.counts, area["counts"])
            self.hosts.append({"host": host["host"], **area})

    def result(self) -> dict[str, Any]:
        top = sorted(self.failed.values(),
                     key=lambda e: (-SEVERITY_RANK[e["severity"]], -len(e["hosts"]), e["check_id"]))
        waivers = sorted(self.waivers, key=lambda w: (w["days_left"] is None, w["days_left"] or 0, w["host"]))
        return {
            "counts": self.counts,
            "score": scoring.percent(self.counts),
            "band": scoring.band(scoring.percent(self.counts)),
            "hosts": sorted(self.hosts, key=lambda h: (h["score"] is None, h["score"] or 0, h["host"])),
            "top_failed": [{**e, "host_count": len(e["hosts"])} for e in top[:TOP_FAILED_CONTROLS]],
            "failed_controls": len(top),
            "waivers": waivers,
            "waivers_expiring": sum(1 for w in waivers if w["state"] == "expiring"),
            "waivers_expired": sum(1 for w in waivers if w["state"] == "expired"),
        }


SEVERITIES_WORST_FIRST = tuple(reversed(SEVERITIES))


class Health:
    def __init__(self) -> None:
        self.by_severity: Counter[str] = Counter()
        self.failing: list[dict[str, Any]] = []
        self.filesystems: list[dict[str, Any]] = []
        self.shared: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.failing_by_key: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.certificates: list[dict[str, Any]] = []
        self.backups: list[dict[str, Any]] = []

    def add(self, host: dict[str, Any]) -> None:
        name = host["host"]
        for row in host.get("findings", []):
            if row["area"] == "health" and row["effective_status"] in ("fail", "error"):
                key = (row["check_id"], row["effective_status"], row["evidence"])
                same = self.failing_by_key.get(key)
                if same is not None:  # the same problem seen from several hosts (a shared disk): one row
                    same["hosts"].append(name)
                    continue
                self.by_severity[row["severity"]] += 1
                entry = {"host": name, "hosts": [name], "check_id": row["check_id"], "title": row["title"],
                         "severity": row["severity"], "status": row["effective_status"], "evidence": row["evidence"]}
                self.failing.append(entry)
                if row["check_id"] in SHARED_EVIDENCE_CHECKS:
                    self.failing_by_key[key] = entry
        for fs in real_filesystems(host.get("filesystems", []))[:FULLEST_FILESYSTEMS]:
            key = filesystem_key(name, fs)
            shared = self.shared.get(key)
            if shared is not None:  # one disk seen by several hosts (containers, a network share)
                shared["hosts"].append(name)
                continue
            row = {"host": name, "hosts": [name], **fs}
            self.filesystems.append(row)
            self.shared[key] = row
        if len(self.filesystems) > 20 * FULLEST_FILESYSTEMS:
            self._keep_fullest()
        self.certificates += [{"host": name, **c} for c in host.get("certificates", [])
                              if c.get("days_left") is not None and c["days_left"] < CERTIFICATE_WINDOW_DAYS]
        self.backups += [{"host": name, **b} for b in host.get("backups", [])
                         if not b.get("exists") or (b.get("age_hours") or 0) > BACKUP_MAX_AGE_HOURS]

    def _keep_fullest(self) -> None:
        self.filesystems.sort(key=lambda f: (-f["used_percent"], f["host"], f["mount"]))
        del self.filesystems[FULLEST_FILESYSTEMS:]
        self.shared = {k: v for k, v in self.shared.items() if any(v is f for f in self.filesystems)}

    def result(self) -> dict[str, Any]:
        self._keep_fullest()
        return {
            "findings_by_severity": {s: self.by_severity.get(s, 0) for s in SEVERITIES_WORST_FIRST},
            "failing": sorted(self.failing, key=lambda f: (-SEVERITY_RANK[f["severity"]], f["host"], f["check_id"])),
            "fullest_filesystems": self.filesystems,
            "certificates_expiring": sorted(self.certificates, key=lambda c: (c["days_left"], c["host"])),
            "certificate_window_days": CERTIFICATE_WINDOW_DAYS,
            "stale_backups": self.backups,
            "backup_max_age_hours": BACKUP_MAX_AGE_HOURS,
        }


class Housekeeping:
    def __init__(self) -> None:
        self.by_kind: dict[str, dict[str, int]] = {}
        self.hosts: list[dict[str, Any]] = []
        self.planned = 0

    def add(self, host: dict[str, Any]) -> None:
        actions = [a for a in host.get("actions", []) if a["area"] == "housekeeping"]
        done = [a for a in actions if a["changed"]]
        self.planned += len(actions) - len(done)
        for action in done:
            entry = self.by_kind.setdefault(action["kind"], {"actions": 0, "bytes_reclaimed": 0})
            entry["actions"] += 1
            entry["bytes_reclaimed"] += action["bytes"] or 0
        if done:
            self.hosts.append({"host": host["host"], "actions": len(done),
                               "bytes_reclaimed": sum(a["bytes"] or 0 for a in done)})

    def result(self) -> dict[str, Any]:
        return {
            "actions": sum(e["actions"] for e in self.by_kind.values()),
            "bytes_reclaimed": sum(e["bytes_reclaimed"] for e in self.by_kind.values()),
            "by_kind": dict(sorted(self.by_kind.items())),
            "planned_only": self.planned,
            "hosts": sorted(self.hosts, key=lambda h: (-h["bytes_reclaimed"], h["host"])),
        }


class Lifecycle:
    def __init__(self) -> None:
        self.systems: dict[tuple[str, str | None], dict[str, Any]] = {}
        self.hardware: list[dict[str, Any]] = []

    def add(self, host: dict[str, Any]) -> None:
        life = host.get("lifecycle")
        if life is None:
            return
        key = (host.get("os") or "unknown", life["eol_date"])
        entry = self.systems.setdefault(key, {"os": key[0], "eol_date": life["eol_date"],
                                              "days_left": life["eol_days_left"], "hosts": []})
        entry["hosts"].append(host["host"])
        self.hardware.append({"host": host["host"], "vendor": life["vendor"], "model": life["model"],
                              "bios_date": life["bios_date"], "age_years": life["hardware_age_years"]})

    def result(self) -> dict[str, Any]:
        systems = sorted(self.systems.values(), key=lambda e: (e["days_left"] is None, e["days_left"] or 0, e["os"]))
        for entry in systems:
            entry["state"] = eol_state(entry["days_left"])
            entry["host_count"] = len(entry["hosts"])
        hardware = sorted(self.hardware, key=lambda h: (h["age_years"] is None, -(h["age_years"] or 0), h["host"]))
        return {"operating_systems": systems, "hardware": hardware,
                "recommendations": recommendations(systems, hardware),
                "hardware_max_years": HARDWARE_MAX_YEARS, "eol_horizon_days": EOL_HORIZON_DAYS}


def eol_state(days_left: int | None) -> str:
    if days_left is None:
        return "unknown"
    if days_left < 0:
        return "end of life"
    return "ends within 12 months" if days_left <= EOL_HORIZON_DAYS else "supported"


def recommendations(systems: list[dict[str, Any]], hardware: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Upgrade and replacement advice: OS end of life passed or within 12 months, hardware past N years."""
    advice = []
    for entry in systems:
        if entry["state"] in ("end of life", "ends within 12 months"):
            past = entry["state"] == "end of life"
            advice.append({
                "priority": "high" if past else "medium", "kind": "os_upgrade", "hosts": entry["hosts"],
                "effort": f"about half a day per host ({len(entry['hosts'])} host(s))",
                "text": f"{entry['os']}: {'reached end of life on' if past else 'reaches end of life on'} "
                        f"{entry['eol_date']}; upgrade to a supported release or replace.",
            })
    old = [h for h in hardware if h["age_years"] is not None and h["age_years"] >= HARDWARE_MAX_YEARS]
    if old:
        advice.append({
            "priority": "medium", "kind": "hardware_replacement", "hosts": [h["host"] for h in old],
            "effort": f"budget and about one day per host ({len(old)} host(s))",
            "text": f"{len(old)} host(s) have firmware (BIOS) dated {HARDWARE_MAX_YEARS} or more years ago; "
                    "plan replacement in the next budget.",
        })
    return advice
