"""The policy schema: every key a tier policy may hold, its type and its allowed values.

The schema is data. `check()` walks a policy against it and returns every problem
found, each naming the dotted key, so that one pass reports everything at once.
"""

from __future__ import annotations

import ntpath
import posixpath
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

from tripod.models import SEVERITIES

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AREAS = ("health", "housekeeping", "patching", "hardening")
PRIORITIES = ("P1", "P2", "P3", "P4")

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_BATCH = re.compile(r"^(100|[1-9]\d?)%$")


def _check_time(value: Any) -> str | None:
    return None if _HHMM.match(value) else f"'{value}' is not a time of day HH:MM (00:00-23:59)"


def _check_timezone(value: Any) -> str | None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"'{value}' is not a known IANA timezone (for example Europe/Berlin or UTC)"
    return None


def _check_batch(value: Any) -> str | None:
    if isinstance(value, int):
        return None if value >= 1 else f"{value} must be at least 1"
    return None if _BATCH.match(value) else f"'{value}' must be a host count or a percentage like '25%'"


def _check_absolute_path(value: Any) -> str | None:
    return None if value.startswith("/") or re.match(r"^[A-Za-z]:\\", value) else f"'{value}' is not an absolute path"


def _check_url(value: Any) -> str | None:
    if value == "":
        return None
    if not re.match(r"^https?://[^\s/]+", value):
        return f"'{value}' is not an http:// or https:// URL"
    if "@" in value.split("//", 1)[1].split("/", 1)[0]:
        return "credentials do not belong in the URL (policies are not secret): set TRIPOD_WEBHOOK_TOKEN"
    return None


def _optional(check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """`check`, except that an empty string (the documented default) is accepted."""
    return lambda value: None if value == "" else check(value)


_TYPE_NAMES: dict[type, str] = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}


@dataclass(frozen=True)
class Field:
    """One leaf key: its Python type(s), allowed values, bounds and an extra check."""

    types: Union[type, tuple[type, ...]]
    doc: str
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    items: Union["Field", None] = None
    extra: Callable[[Any], str | None] | None = None

    def type_name(self) -> str:
        types = self.types if isinstance(self.types, tuple) else (self.types,)
        return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


Schema = Mapping[str, Union[Field, "Schema"]]  # type: ignore[misc]


# -- network devices (tier_network, roles/network, docs/network.md) ----------------------------
_NETWORK: dict[str, Field] = {
    "enabled": Field(bool, "back up and check network devices (playbooks/network.yml); network devices only"),
    "cadence": Field(str, "which tier cycle backs up and checks the device", choices=("daily", "weekly", "monthly",
                                                                                      "on_visit")),
    "backup_retention": Field(int, "running-config backups kept per device (the oldest are deleted)", minimum=1,
                              maximum=1000),
    "backup_max_age_hours": Field(int, "a device whose last backup is older than this is a finding", minimum=1),
    "checks": Field(list, "network checks evaluated (TRP-NET-*, docs/network.md); empty: none",
                    items=Field(str, "check", choices=("ntp", "syslog", "aaa", "management_plaintext", "snmp_community",
                                                       "password_encryption", "banner", "unused_interfaces",
                                                       "firmware", "drift"))),
    "golden_snippets": Field(list, "configuration lines every device must contain (the golden baseline)",
                             items=Field(str, "configuration line")),
    "firmware_warning_days": Field(int, "warn when the firmware's end of support is within N days", minimum=0),
}


def _area(doc: str) -> dict[str, Field]:
    return {
        "enabled": Field(bool, f"run {doc} at all"),
        "mode": Field(str, "audit (findings only) or enforce (remediate)", choices=("audit", "enforce")),
        "cadence": Field(str, "which tier cycle runs the area (playbooks/cycle.yml, docs/scheduling.md)",
                         choices=("daily", "weekly", "monthly", "on_visit")),
    }


# -- housekeeping: directories whose old files are deleted ------------------------------------
# Never whole system trees: a cleaning entry names a directory of temporary or log files.
_SYSTEM_DIRS = frozenset(["/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
                          "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/usr", "/var"])
_SYSTEM_TREES = ("/bin/", "/boot/", "/dev/", "/etc/", "/lib/", "/lib32/", "/lib64/", "/libx32/", "/proc/", "/sbin/",
                 "/sys/", "/usr/", "/var/lib/", "/var/spool/", "/var/mail/", "/var/backups/", "/var/opt/")
_WINDOWS_SYSTEM_DIRS = frozenset(["c:", "c:\\windows", "c:\\windows\\system32", "c:\\program files",
                                  "c:\\program files (x86)", "c:\\programdata", "c:\\users"])
_CLEAN_KEYS = ("path", "max_age_days", "patterns")


def _system_path(path: str, windows: bool) -> bool:
    if windows:
        normal = ntpath.normpath(path).rstrip("\\").lower()
        return (bool(re.match(r"^[a-z]:$", normal)) or normal in _WINDOWS_SYSTEM_DIRS
                or normal.startswith("c:\\windows\\system32\\"))
    normal = posixpath.normpath("/" + path.lstrip("/"))
    return normal in _SYSTEM_DIRS or (normal + "/").startswith(_SYSTEM_TREES)


def _clean_path_check(windows: bool) -> Callable[[Any], str | None]:
    """A check of one cleaning entry {path, max_age_days, patterns (optional)}; names the inner key."""

    def check_entry(entry: Any) -> str | None:
        unknown = sorted(str(key) for key in entry if key not in _CLEAN_KEYS)
        if unknown:
            return f"{unknown[0]}: unknown key (allowed: {', '.join(_CLEAN_KEYS)})"
        path = entry.get("path")
        if not isinstance(path, str) or not path:
            return "path: is required: the directory to clean, for example /var/tmp"
        absolute = re.match(r"^[A-Za-z]:\\", path) if windows else path.startswith("/")
        if not absolute:
            return f"path: '{path}' is not an absolute {'Windows ' if windows else ''}path"
        if _system_path(path, windows):
            return f"path: '{path}' is a system directory; name a directory of temporary or log files"
        age = entry.get("max_age_days")
        if isinstance(age, bool) or not isinstance(age, int) or age < 1:
            return f"max_age_days: must be a whole number of days, at least 1, got {age!r}"
        patterns = entry.get("patterns", ["*"])
        if not isinstance(patterns, list) or not patterns or not all(
                isinstance(p, str) and p and "/" not in p and "\\" not in p for p in patterns):
            return f"patterns: must be a non-empty list of file name patterns such as '*.gz', got {patterns!r}"
        return None

    return check_entry


# -- hardening -----------------------------------------------------------------------------------
def _check_control_id(value: Any) -> str | None:
    from tripod.hardening.catalog import load_catalog  # the catalog is the list of valid ids

    if value in load_catalog().ids():
        return None
    return f"'{value}' is not a control of Tripod's hardening catalog (docs/hardening.md)"


def _check_port_spec(value: Any) -> str | None:
    match = re.match(r"^(tcp|udp)/(\d{1,5})$", value)
    if match and 1 <= int(match.group(2)) <= 65535:
        return None
    return f"'{value}' is not a protocol and port like tcp/443 or udp/161"


def _check_log_host(value: Any) -> str | None:
    if value == "" or re.match(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$", value):
        return None
    return f"'{value}' is not a host name or address with an optional :port, like logs.example.org:514"


_PERCENT = {"minimum": 1, "maximum": 100}
_STR_LIST = Field(str, "entry")
_PATH_LIST = Field(str, "absolute path", extra=_check_absolute_path)

SCHEMA: Schema = {
    "areas": {name: _area({"health": "the health checks (role health_check)"}.get(name, name)) for name in AREAS},
    "patch": {
        "classes": Field(str, "security: security updates only; all: every update", choices=("security", "all")),
        "approval": Field(str, "automatic, or only approved_packages", choices=("automatic", "approved_only")),
        "approved_packages": Field(list, "packages (names or globs) approved by an engineer", items=_STR_LIST),
        "exclude": Field(list, "packages (names or globs) never updated; held for the run", items=_STR_LIST),
        "schedule": {
            "kind": Field(str, "when patching is due", choices=("daily", "weekly", "monthly", "patch_tuesday")),
            "weekday": Field(str, "day for weekly schedules", choices=WEEKDAYS),
            "monthday": Field(int, "day of month for monthly schedules", minimum=1, maximum=28),
            "offset_days": Field(int, "days after the scheduled day (Patch Tuesday + N)", minimum=0, maximum=27),
        },
        "reboot": Field(str, "reboot policy", choices=("never", "if_required", "always")),
        "reboot_timeout_seconds": Field(int, "maximum wait for a host to come back", minimum=60, maximum=7200),
        "reboot_group": Field(str, "hosts of the same group never reboot at the same time"),
        "batch_size": Field((int, str), "hosts per batch, or a percentage", extra=_check_batch),
        "max_fail_percentage": Field(int, "failed hosts per batch that stop the rollout", minimum=0, maximum=100),
        "retries": Field(int, "retries for transient failures (dpkg lock, mirror)", minimum=0, maximum=10),
        "security_grace_days": Field(int, "days a security update may wait before it is critical", minimum=0),
        "max_list_age_hours": Field(int, "package lists (apt suites, dnf metadata, Windows Update scan) older than "
                                         "this leave pending updates not assessed", minimum=1),
        "pre_hooks": Field(list, "commands or task files run before patching", items=_STR_LIST),
        "post_hooks": Field(list, "commands or task files run after patching", items=_STR_LIST),
        "reject_kbs": Field(list, "Windows updates never installed, by KB number", items=Field(
            str, "KB number", extra=lambda v: None if re.match(r"^KB\d{6,8}$", v) else f"'{v}' is not a KB number like KB5034441")),
        "reboot_window": {
            "days": Field(list, "weekdays reboots may start; empty means every day", items=Field(str, "weekday", choices=WEEKDAYS)),
            "start": Field(str, "local time HH:MM reboots may start (window's timezone); empty: while the maintenance window is open",
                           extra=lambda v: None if v == "" else _check_time(v)),
            "duration_minutes": Field(int, "length of the reboot window; ignored when start is empty", minimum=0, maximum=7 * 24 * 60),
        },
    },
    "maintenance_window": {
        "timezone": Field(str, "IANA timezone of the window", extra=_check_timezone),
        "days": Field(list, "weekdays the window opens; empty means every day", items=Field(str, "weekday", choices=WEEKDAYS)),
        "start": Field(str, "local opening time HH:MM", extra=_check_time),
        "duration_minutes": Field(int, "length of the window; may cross midnight", minimum=1, maximum=7 * 24 * 60),
    },
    "health": {
        "disk_warning_percent": Field((int, float), "filesystem use that warns", **_PERCENT),
        "disk_critical_percent": Field((int, float), "filesystem use that is critical", **_PERCENT),
        "inode_warning_percent": Field((int, float), "inode use that warns", **_PERCENT),
        "inode_critical_percent": Field((int, float), "inode use that is critical", **_PERCENT),
        "memory_warning_percent": Field((int, float), "memory use that warns", **_PERCENT),
        "load_per_core_warning": Field((int, float), "15-minute load per core that warns", minimum=0),
        "required_services": Field(list, "units that must be active", items=_STR_LIST),
        "certificate_paths": Field(list, "directories or files with certificates to watch", items=_PATH_LIST),
        "certificate_expiry_days": Field(int, "warn when a certificate expires within N days", minimum=0),
        "backup_markers": Field(list, "files touched by each successful backup", items=_PATH_LIST),
        "backup_max_age_hours": Field(int, "a backup marker older than this is stale", minimum=1),
        "reboot_pending_max_days": Field(int, "a reboot pending longer than this is a finding", minimum=0),
        "uptime_max_days": Field(int, "uptime longer than this is a finding", minimum=1),
        "eol_warning_days": Field(int, "warn when end of life is within N days", minimum=0),
    },
    "housekeeping": {
        "clean_paths": Field(list, "directories whose old files are deleted (Linux): each {path, max_age_days, "
                             "patterns (optional file name patterns, default all)}; symlinks are never followed",
                             items=Field(dict, "directory to clean", extra=_clean_path_check(windows=False))),
        "core_dumps_max_age_days": Field(int, "core dumps (systemd-coredump, /var/crash) older than this are deleted",
                                         minimum=0),
        "journald_max_size_mb": Field(int, "vacuum the systemd journal down to this size (0: no size limit)", minimum=0),
        "journald_max_age_days": Field(int, "vacuum journal files older than this (0: no age limit)", minimum=0),
        "package_cache_clean": Field(bool, "delete downloaded package files (apt-get clean, dnf clean packages)"),
        "autoremove": Field(bool, "remove packages that were installed as dependencies and are no longer needed"),
        "remove_old_kernels": Field(bool, "remove old kernels (never the running one or newer ones)"),
        "kernels_keep": Field(int, "kernels kept of the running one and the older ones (2: running + one previous)",
                              minimum=2, maximum=10),
        "windows": {
            "clean_paths": Field(list, "directories whose old files are deleted (Windows), as clean_paths",
                                 items=Field(dict, "directory to clean", extra=_clean_path_check(windows=True))),
            "component_cleanup": Field(bool, "Windows Update component store cleanup (DISM /StartComponentCleanup)"),
            "empty_recycle_bin": Field(bool, "empty every user's recycle bin"),
            "event_log_max_mb": Field(int, "maximum size of the Application, System and Security event logs "
                                      "(0: leave as is)", minimum=0, maximum=4096),
        },
    },
    "hardening": {
        "level": Field(str, "hardening level: which controls apply (server or workstation)", choices=("server", "workstation")),
        "max_disruption": Field(str, "controls more disruptive than this are audited but never enforced",
                                choices=("low", "medium", "high")),
        "disabled_controls": Field(list, "hardening controls switched off (neither audited nor enforced), by id",
                                   items=Field(str, "control id", extra=_check_control_id)),
        "waivers_file": Field(str, "the client's waivers file, relative to the inventory directory; "
                              "empty: waivers.yml there when it exists"),
        "ssh_allow_groups": Field(list, "groups allowed to log in over SSH (TRP-SSH-020); empty: no allow list",
                                  items=_STR_LIST),
        "firewall_allow": Field(list, "inbound ports the Tripod firewall (TRP-FW-001) also opens, e.g. tcp/443",
                                items=Field(str, "protocol/port", extra=_check_port_spec)),
        "banner": Field(str, "legal warning shown before login (issue, issue.net, motd, Windows legal notice)"),
        "log_host": Field(str, "syslog host (host or host:port, TCP, default port 514) every log line is forwarded to "
                          "(TRP-LOG-005); empty: no forwarding", extra=_check_log_host),
    },
    "report": {
        "monthly": Field(bool, "write the monthly client report"),
        "engineer_review": Field(bool, "write the twice-yearly engineer-reviewed report"),
        "formats": Field(list, "report formats", items=Field(str, "format", choices=("html", "pdf", "json", "csv"))),
        "recipients": Field(list, "who receives the report by e-mail (`tripod report --send`, through the "
                            "alerts.email SMTP settings)", items=_STR_LIST),
        "client_name": Field(str, "the client's display name on the report; empty: the inventory's client name"),
        "weights": {
            area: Field((int, float), f"weight of the {area} area in the overall score (0: left out)",
                        minimum=0, maximum=100)
            for area in ("patching", "health", "hardening", "housekeeping")
        },
    },
    "alerts": {
        "enabled": Field(bool, "send findings to the Service Desk"),
        "service_desk_tier": Field(int, "1 workstation, 2 server, 3 network infrastructure", choices=(1, 2, 3)),
        "min_severity": Field(str, "lowest severity that opens a ticket", choices=SEVERITIES),
        "sinks": Field(list, "ticket sinks", items=Field(str, "sink", choices=("jsonl", "webhook", "email"))),
        "suppress_in_maintenance_window": Field(bool, "hold alerts while the host is in its window"),
        "priorities": {
            severity: Field(str, f"Service Desk priority of a problem of severity {severity}", choices=PRIORITIES)
            for severity in SEVERITIES
        },
        "jsonl": {
            "path": Field(str, "JSON-lines file the ticket events are appended to; empty: <data dir>/tickets.jsonl",
                          extra=_optional(_check_absolute_path)),
        },
        "webhook": {
            "url": Field(str, "http(s) URL the ticket events are POSTed to (needed by the webhook sink)",
                         extra=_check_url),
            "timeout_seconds": Field((int, float), "time allowed for one attempt", minimum=1, maximum=300),
            "retries": Field(int, "retries after a failed attempt (no answer, HTTP 5xx, 408 or 429)", minimum=0,
                             maximum=10),
            "backoff_seconds": Field((int, float), "wait before the first retry; it doubles at each retry",
                                     minimum=0, maximum=300),
        },
        "email": {
            "to": Field(list, "recipients of the ticket e-mails (needed by the email sink)", items=_STR_LIST),
            "sender": Field(str, "From address of the ticket e-mails"),
            "smtp_host": Field(str, "SMTP server; the mail is sent only after STARTTLS (needed by the email sink)"),
            "smtp_port": Field(int, "SMTP submission port", minimum=1, maximum=65535),
            "ca_file": Field(str, "CA bundle that verifies the SMTP server's certificate; empty: the system's",
                             extra=_optional(_check_absolute_path)),
            "timeout_seconds": Field((int, float), "time allowed for one SMTP conversation", minimum=1, maximum=300),
        },
    },
    "monitoring": {
        "enabled": Field(bool, "remote monitoring: the node exporter (playbooks/monitoring.yml) publishes each run's "
                               "metrics (docs/monitoring.md)"),
    },
    "network": _NETWORK,
    "lifecycle": {
        "replace_after_years": Field(int, "replace hardware this many years after purchase (else the BIOS date); "
                                          "docs/lifecycle.md", minimum=1, maximum=30),
        "warranty_required": Field(bool, "production hardware must be under warranty: its end is on the roadmap"),
        "replacement_cost": Field((int, float), "estimated cost of a replacement when the asset file has none",
                                  minimum=0),
        "os_upgrade_cost": Field((int, float), "estimated cost of an operating system upgrade before its end of life",
                                 minimum=0),
    },
}


@dataclass
class SchemaProblem:
    """A problem at a dotted key path, for example `patch.reboot`."""

    key: str
    message: str
    value: Any = field(default=None, repr=False)


def _type_name(value: Any) -> str:
    for plain, name in _TYPE_NAMES.items():  # bool before int: True is an int too
        if isinstance(value, plain):
            return name
    return "null" if value is None else type(value).__name__


def _is_type(value: Any, types: Union[type, tuple[type, ...]]) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in types:
        return False  # YAML `yes` is not a number
    return isinstance(value, types)


def _check_leaf(spec: Field, value: Any, key: str) -> list[SchemaProblem]:
    if not _is_type(value, spec.types):
        from tripod.vaulted import is_vaulted

        if is_vaulted(value):  # name the key only: never the ciphertext (nor, decrypted, the secret)
            return [SchemaProblem(key, f"must be a plain {spec.type_name()}, got a vaulted value (!vault)", None)]
        shown = f"'{value}'" if isinstance(value, str) else repr(value)
        wanted = spec.type_name()
        article = "an" if wanted[0] in "aeiou" else "a"
        return [SchemaProblem(key, f"must be {article} {wanted}, got {_type_name(value)} {shown}", value)]
    if spec.choices and value not in spec.choices:
        allowed = ", ".join(str(c) for c in spec.choices)
        return [SchemaProblem(key, f"'{value}' is not one of: {allowed}", value)]
    if spec.minimum is not None and value < spec.minimum:
        return [SchemaProblem(key, f"{value} is below the minimum {spec.minimum}", value)]
    if spec.maximum is not None and value > spec.maximum:
        return [SchemaProblem(key, f"{value} is above the maximum {spec.maximum}", value)]
    if spec.extra is not None:
        message = spec.extra(value)
        if message:
            return [SchemaProblem(key, message, value)]
    if spec.items is not None:
        problems: list[SchemaProblem] = []
        for index, item in enumerate(value):
            problems.extend(_check_leaf(spec.items, item, f"{key}[{index}]"))
        return problems
    return []


def unknown_key_message(key: str, known: list[str]) -> str:
    """Name the unknown key and, when it looks like a typo, the key that was meant."""
    import difflib

    close = difflib.get_close_matches(key.rsplit(".", 1)[-1], known, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(known))}"
    return f"unknown key{hint}"


def check(policy: Any, schema: Schema | None = None, prefix: str = "", require_all: bool = False) -> list[SchemaProblem]:
    """Check `policy` against `schema` (default: the whole policy schema, SCHEMA).

    With `require_all`, every key of the schema must be present (an effective policy);
    without it, any subset is allowed (an override layer).
    """
    schema = SCHEMA if schema is None else schema
    if not isinstance(policy, Mapping):
        return [SchemaProblem(prefix.rstrip(".") or "(policy)", f"must be a mapping, got {_type_name(policy)}", policy)]
    problems: list[SchemaProblem] = []
    for key, value in policy.items():
        path = f"{prefix}{key}"
        spec = schema.get(key) if isinstance(key, str) else None
        if spec is None:
            problems.append(SchemaProblem(path, unknown_key_message(path, list(schema)), value))
        elif isinstance(spec, Field):
            problems.extend(_check_leaf(spec, value, path))
        else:
            problems.extend(check(value, spec, f"{path}.", require_all))
    if require_all:
        for key in schema:
            if key not in policy:
                problems.append(SchemaProblem(f"{prefix}{key}", "is missing"))
    return problems


def iter_fields(schema: Schema | None = None, prefix: str = ""):
    """Yield (dotted key, Field) for every leaf (default: of SCHEMA), for documentation."""
    for key, spec in (SCHEMA if schema is None else schema).items():
        if isinstance(spec, Field):
            yield f"{prefix}{key}", spec
        else:
            yield from iter_fields(spec, f"{prefix}{key}.")
