"""Health checks against the tier's thresholds (area `health`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from tripod.checks.engine import Check, Outcome, failed, listing, not_applicable, parse_time, passed


def _usage(facts: Mapping[str, Any], policy: Mapping[str, Any], key: str, what: str) -> Outcome:
    warning = policy["health"][f"{what}_warning_percent"]
    critical = policy["health"][f"{what}_critical_percent"]
    filesystems = [fs for fs in facts["capacity"]["filesystems"] if fs.get(key) is not None]
    if not filesystems:
        return not_applicable(f"no filesystem reports {what} use")
    fullest = max(filesystems, key=lambda fs: fs[key])
    over_critical = [f"{fs['mount']} {fs[key]:.0f}%" for fs in filesystems if fs[key] >= critical]
    over_warning = [f"{fs['mount']} {fs[key]:.0f}%" for fs in filesystems if warning <= fs[key] < critical]
    if over_critical:
        return failed(f"{what} use at or over {critical}%: {listing(over_critical)}", "critical")
    if over_warning:
        return failed(f"{what} use at or over {warning}%: {listing(over_warning)}", "medium")
    return passed(f"fullest: {fullest['mount']} {fullest[key]:.0f}% (warning at {warning}%)")


def _disk(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    return _usage(facts, policy, "used_percent", "disk")


def _inodes(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    return _usage(facts, policy, "inodes_percent", "inode")


def _memory(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    used = facts["capacity"]["memory"]["used_percent"]
    limit = policy["health"]["memory_warning_percent"]
    if used is None:
        return not_applicable("memory use not reported")
    return failed(f"memory {used:.0f}% used (warning at {limit}%)") if used >= limit else passed(f"memory {used:.0f}% used")


def _load(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    load = facts["capacity"]["load"]
    per_core = load.get("per_core15")
    limit = policy["health"]["load_per_core_warning"]
    if per_core is None:
        return not_applicable("load per core not reported on this platform")
    text = f"15-minute load {per_core:.2f} per core on {load.get('cores')} core(s) (warning at {limit})"
    return failed(text) if per_core >= limit else passed(text)


def _failed_units(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    failed_units = facts["services"]["failed"]
    if failed_units:
        return failed(f"{len(failed_units)} failed: {listing(failed_units)}")
    return passed("no failed units")


def _required_services(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    required = policy["health"]["required_services"]
    watched = facts["services"].get("watched") or {}
    down = [f"{name} ({_service_state(watched.get(name))})" for name in required
            if (watched.get(name) or {}).get("active") is not True]
    if down:
        return failed(f"required service(s) not active: {listing(down)}", "high")
    return passed(f"all {len(required)} required service(s) active")


def _service_state(unit: Mapping[str, Any] | None) -> str:
    if not unit:
        return "not reported"
    if unit.get("found") is False:
        return "not installed"
    return str(unit.get("state") or ("inactive" if unit.get("active") is False else "unknown"))


def _time_sync(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    time = facts["time"]
    source = time.get("source") or "no source"
    if time.get("synchronized") is None:
        return Outcome("error", "time synchronisation state could not be read")
    if not time["synchronized"]:
        return failed(f"clock not synchronised ({time.get('service') or 'no time service'}, {source})")
    return passed(f"synchronised via {time.get('service') or 'unknown service'} ({source})")


def _certificates(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    certificates = facts.get("certificates") or []
    if not certificates:
        return passed("no certificate files found under the policy paths")
    days = policy["health"]["certificate_expiry_days"]
    # Every expired and every expiring certificate is named with its days: an expired one must
    # not hide the others that are about to expire.
    dated = sorted((c for c in certificates if c.get("days_left") is not None), key=lambda c: (c["days_left"], c["path"]))
    expired = [f"{c['path']} (expired {-c['days_left']} days ago)" for c in dated if c["days_left"] < 0]
    expiring = [f"{c['path']} ({c['days_left']} days left)" for c in dated if 0 <= c["days_left"] < days]
    parts = ([f"{len(expired)} expired"] if expired else []) + (
        [f"{len(expiring)} expiring within {days} days"] if expiring else [])
    if parts:
        return failed(f"{', '.join(parts)}: {', '.join(expired + expiring)}", "critical" if expired else "high")
    return passed(f"{len(certificates)} certificate(s), none expiring within {days} days")


def _backups(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    limit = policy["health"]["backup_max_age_hours"]
    markers = facts.get("backups") or []
    missing = [m["path"] for m in markers if not m.get("exists")]
    stale = [f"{m['path']} ({m['age_hours']:.0f} h)" for m in markers
             if m.get("exists") and m.get("age_hours") is not None and m["age_hours"] > limit]
    if missing or stale:
        return failed("; ".join(filter(None, [missing and f"missing: {listing(missing)}",
                                              stale and f"older than {limit} h: {listing(stale)}"])), "high")
    return passed(f"{len(markers)} backup marker(s) younger than {limit} h")


def _reboot_overdue(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    patches = facts["patches"]
    limit = policy["health"]["reboot_pending_max_days"]
    if not patches.get("reboot_required"):
        return passed("no reboot pending")
    since = parse_time(patches.get("reboot_required_since"))
    if since is None:
        return Outcome("not_assessed", "a reboot is pending, but since when was not reported")
    days = (now - since).days
    if days > limit:
        return failed(f"reboot pending for {days} days since {since:%Y-%m-%d} (limit {limit})")
    return passed(f"reboot pending for {days} days (limit {limit})")


def _uptime(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    seconds = facts["identity"].get("uptime_seconds")
    limit = policy["health"]["uptime_max_days"]
    if seconds is None:
        return not_applicable("uptime not reported")
    days = int(seconds // 86400)
    text = f"up {days} days (limit {limit})"
    return failed(text, "low") if days > limit else passed(text)


def _end_of_life(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    life = facts["lifecycle"]
    name = f"{facts['identity'].get('distribution')} {facts['identity'].get('distribution_version')}"
    if life.get("days_left") is None:
        return Outcome("not_assessed", f"{name}: end of life unknown (not in Tripod's table)")
    days, warning = life["days_left"], policy["health"]["eol_warning_days"]
    if days < 0:
        return failed(f"{name} reached end of life on {life['eol_date']}", "critical")
    if days <= warning:
        return failed(f"{name} reaches end of life on {life['eol_date']} ({days} days)", "high")
    return passed(f"{name} supported until {life['eol_date']} ({days} days)")


CHECKS = (
    Check("TRP-DISK-001", "health", "Filesystems have free space", "medium",
          "Free space (tripod run housekeeping) or grow the filesystem.", _disk, probes=("capacity.filesystems",)),
    Check("TRP-DISK-002", "health", "Filesystems have free inodes", "medium",
          "Remove small files (caches, sessions, mail queues) or grow the filesystem.", _inodes, probes=("capacity.filesystems",)),
    Check("TRP-MEM-001", "health", "Memory use is below the warning level", "medium",
          "Find the processes using memory; add memory or tune the services.", _memory, probes=("capacity.memory",)),
    Check("TRP-LOAD-001", "health", "Load per core is below the warning level", "low",
          "Find what keeps the CPUs busy; resize the host if the load is expected.", _load, probes=("capacity.load",)),
    Check("TRP-SVC-001", "health", "No systemd unit has failed", "medium",
          "Inspect with `systemctl status UNIT` and `journalctl -u UNIT`; fix or disable the unit.", _failed_units, probes=("services.failed",)),
    Check("TRP-SVC-002", "health", "Required services are active", "high",
          "Start the service and find why it stopped (`journalctl -u UNIT`).", _required_services, probes=("services.watched",),
          needs_policy_list="required_services"),
    Check("TRP-TIME-001", "health", "The clock is synchronised", "medium",
          "Enable systemd-timesyncd or chrony and check the NTP sources are reachable.", _time_sync, probes=("time",)),
    Check("TRP-CERT-001", "health", "Certificates are not expiring", "high",
          "Renew the certificate and reload the service that uses it.", _certificates, probes=("certificates",), needs_policy_list="certificate_paths"),
    Check("TRP-BACKUP-001", "health", "Backups are recent", "high",
          "Check the backup job's logs and run a backup now.", _backups, probes=("backups",), needs_policy_list="backup_markers"),
    Check("TRP-REBOOT-001", "health", "A pending reboot is not overdue", "high",
          "Reboot in the next maintenance window (tripod run patch reboots when the policy allows it).",
          _reboot_overdue, probes=("patches.reboot",)),
    Check("TRP-UPTIME-001", "health", "Uptime is within policy", "low",
          "Reboot in the next maintenance window so kernel updates take effect.", _uptime, probes=("identity.uptime",)),
    Check("TRP-EOL-001", "health", "The operating system is supported", "high",
          "Plan the upgrade to a supported release (IT leadership: lifecycle budget).", _end_of_life, probes=("lifecycle",)),
)
