"""Audit checks of the hardening catalog: pure functions of the compliance facts, run on the controller.

Each catalog control names one check here (`audit.check`) with its parameters. A check returns
an `Outcome` (pass, fail, error, not_applicable or not_assessed, with short evidence). No check
contacts a host: everything comes from `tripod_compliance` (Linux: the `hardening` probe and the
security section; Windows: the Windows facts plus `tripod_hardening_windows`).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from tripod.checks.base import Outcome, failed, listing, not_applicable, passed, probe_error

WEAK_BANNER = re.compile(r"\\[mrsv]")
OS_NAMES = re.compile(r"\b(debian|ubuntu|red hat|rhel|centos|rocky|alma|fedora|suse|linux|gnu)\b", re.I)


class NotAssessed(Exception):
    """The facts lack what this check needs (an older facts module, a probe that did not run)."""


@dataclass(frozen=True)
class CheckContext:
    """What a check may need besides the facts: the policy and the management connection."""

    policy: Mapping[str, Any] = field(default_factory=dict)
    management: Mapping[str, Any] = field(default_factory=dict)
    windows: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[[Mapping[str, Any], Mapping[str, Any], CheckContext], Outcome]
CHECKS: dict[str, Check] = {}
# The facts probes each check relies on: an error of one of them makes the check `error`.
PROBES: dict[str, tuple[str, ...]] = {}


def check(name: str, *probes: str) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        CHECKS[name] = func
        PROBES[name] = probes
        return func
    return register


def run_check(name: str, facts: Mapping[str, Any], params: Mapping[str, Any], ctx: CheckContext) -> Outcome:
    """Run one check, turning missing facts and probe failures into honest statuses."""
    func = CHECKS.get(name)
    if func is None:
        return Outcome("error", f"unknown check {name!r} (catalog and evaluators disagree)")
    failure = probe_error(facts, *PROBES.get(name, ()))
    if failure is not None:
        return failure
    try:
        return func(facts, params, ctx)
    except NotAssessed as exc:
        return Outcome("not_assessed", str(exc))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Outcome("error", f"facts incomplete for this check: {type(exc).__name__}: {exc}"[:300])


# --------------------------------------------------------------------------- helpers


def hardening(facts: Mapping[str, Any], part: str) -> Any:
    """One part of the `hardening` facts section; NotAssessed when the probe did not run."""
    section = facts.get("hardening")
    ran = facts.get("probes_run")
    if not isinstance(section, Mapping) or part not in section or (ran is not None and "hardening" not in ran):
        raise NotAssessed("the facts have no hardening data (compliance_facts ran without its hardening probe)")
    return section[part]


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def compare(value: Any, spec: Mapping[str, Any]) -> str | None:
    """None when `value` satisfies spec (in / not_in / min / max / equals / nonempty), else why not."""
    shown = "unset" if value is None else repr(value) if not isinstance(value, str) else value
    if "equals" in spec and value != spec["equals"]:
        return f"{shown} (expected {spec['equals']})"
    if "in" in spec and (value is None or str(value).strip() not in [str(v) for v in spec["in"]]):
        return f"{shown} (expected {' or '.join(str(v) for v in spec['in'])})"
    if "not_in" in spec and (value is None or str(value).strip() in [str(v) for v in spec["not_in"]]):
        return f"{shown} (must not be {' or '.join(str(v) for v in spec['not_in'])})"
    if spec.get("nonempty") and not str(value or "").strip():
        return "empty or unset"
    if "min" in spec or "max" in spec:
        number = _number(value)
        if number is None:
            return f"{shown} (expected a number)"
        if "min" in spec and number < float(spec["min"]):
            return f"{shown} (minimum {spec['min']})"
        if "max" in spec and number > float(spec["max"]):
            return f"{shown} (maximum {spec['max']})"
    return None


def _spec(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k in ("equals", "in", "not_in", "min", "max", "nonempty")}


def _as_spec(spec: Any) -> Mapping[str, Any]:
    """A catalog value spec: a mapping (min, max, ...) or a plain list of accepted values."""
    return spec if isinstance(spec, Mapping) else {"in": spec}


def every(items: Iterable[tuple[str, Any, str | None]], joiner: str = " ") -> Outcome:
    """Pass when no (label, value, problem) has a problem; the evidence lists them all."""
    problems, good = [], []
    for label, value, problem in items:
        if problem:
            problems.append(f"{label}{joiner}{problem}")
        else:
            good.append(f"{label}{joiner}{value}")
    return failed("; ".join(problems)) if problems else passed(", ".join(good))


# --------------------------------------------------------------------------- SSH


def _sshd(facts: Mapping[str, Any]) -> Mapping[str, str]:
    ssh = facts["security"]["ssh"]
    if ssh.get("installed") is False:
        raise _NotInstalled("sshd is not installed")
    settings = ssh.get("settings") or {}
    if not settings:
        raise NotAssessed("no effective sshd settings in the facts")
    return settings


class _NotInstalled(Exception):
    pass


def _absent_is_na(func: Check) -> Check:
    """Report not_applicable when the software the check is about is not installed."""
    def wrapper(facts: Mapping[str, Any], params: Mapping[str, Any], ctx: CheckContext) -> Outcome:
        try:
            return func(facts, params, ctx)
        except _NotInstalled as exc:
            return not_applicable(str(exc))
    return wrapper


@check("sshd", "security.ssh")
@_absent_is_na
def _check_sshd(facts, params, ctx):
    settings = _sshd(facts)
    key = params["key"]
    value = settings.get(key)
    if "reject" in params:
        offered = [item for item in (value or "").split(",") if item]
        weak = [item for item in offered if any(re.search(p, item) for p in params["reject"])]
        if weak:
            return failed(f"{key} offers {listing(weak)}")
        return passed(f"{key}: {listing(offered, 4)}")
    problem = compare(value, _spec(params))
    return failed(f"{key} {problem}") if problem else passed(f"{key} {value}")


@check("sshd_all", "security.ssh")
@_absent_is_na
def _check_sshd_all(facts, params, ctx):
    settings = _sshd(facts)
    return every((key, settings.get(key), compare(settings.get(key), _as_spec(spec)))
                 for key, spec in params["settings"].items())


@check("sshd_maxstartups", "security.ssh")
@_absent_is_na
def _check_maxstartups(facts, params, ctx):
    value = _sshd(facts).get("maxstartups", "")
    parts = [int(p) for p in re.findall(r"\d+", value)]
    if len(parts) == 1:
        parts = [parts[0], 100, parts[0]]
    if len(parts) != 3:
        return failed(f"maxstartups {value or 'unset'} (expected start:rate:full)")
    start, _rate, full = parts
    if start <= params["start"] and full <= params["full"]:
        return passed(f"maxstartups {value}")
    return failed(f"maxstartups {value} (at most {params['start']}:{params['rate']}:{params['full']})")


@check("sshd_allow_groups", "security.ssh")
@_absent_is_na
def _check_allow_groups(facts, params, ctx):
    settings = _sshd(facts)
    wanted = list((ctx.policy.get("hardening") or {}).get("ssh_allow_groups") or [])
    groups = (settings.get("allowgroups") or "").split()
    users = (settings.get("allowusers") or "").split()
    if not wanted:
        if groups or users:
            return passed(f"allow list in place: {listing(groups + users)}")
        return not_applicable("the policy names no allowed groups (hardening.ssh_allow_groups)")
    missing = [g for g in wanted if g not in groups]
    if missing:
        return failed(f"AllowGroups {' '.join(groups) or 'unset'} lacks {listing(missing)}")
    return passed(f"AllowGroups {' '.join(groups)}")


# --------------------------------------------------------------------------- kernel, files, config


@check("sysctl", "hardening.sysctl")
def _check_sysctl(facts, params, ctx):
    values = hardening(facts, "sysctl")
    present = {key: spec for key, spec in params["values"].items() if values.get(key) is not None}
    absent = [key for key in params["values"] if key not in present]
    if absent and not present:
        return not_applicable(f"the kernel has no {listing(absent)}")
    items = [(key, values[key], compare(values[key], _as_spec(spec))) for key, spec in present.items()]
    return every(items + [(key, None, "absent") for key in absent], joiner=" = ")


@check("file_mode", "hardening.files")
def _check_file_mode(facts, params, ctx):
    files = hardening(facts, "files")
    paths = list(params.get("paths") or [])
    if params.get("glob"):
        paths += sorted(p for p in files if fnmatch.fnmatch(p, params["glob"]))
    max_mode = int(str(params["max_mode"]), 8)
    problems, checked = [], []
    for path in paths:
        info = files.get(path)
        if info is None:
            continue
        checked.append(path)
        mode = int(info["mode"], 8)
        wrong = []
        if mode & ~max_mode:
            wrong.append(f"mode {info['mode']} (at most {params['max_mode']})")
        if params.get("owner") and info.get("owner") != params["owner"]:
            wrong.append(f"owner {info.get('owner') or info.get('uid')}")
        if params.get("group") and info.get("group") not in params["group"]:
            wrong.append(f"group {info.get('group') or info.get('gid')}")
        if wrong:
            problems.append(f"{path}: {', '.join(wrong)}")
    if not checked:
        missing = params.get("missing", "fail")
        reason = params.get("missing_reason") or f"{listing(paths) or params.get('glob')} not present"
        return not_applicable(reason) if missing in ("not_applicable", "ignore") else failed(f"{reason}")
    if problems:
        return failed("; ".join(problems[:5]) + (f" and {len(problems) - 5} more" if len(problems) > 5 else ""))
    return passed(f"{len(checked)} path(s) at most {params['max_mode']}: {listing(checked, 3)}")


@check("login_defs", "hardening.config")
def _check_login_defs(facts, params, ctx):
    defs = hardening(facts, "config").get("login_defs") or {}
    value = defs.get(params["key"])
    problem = compare(value, _spec(params))
    return failed(f"{params['key']} {problem}") if problem else passed(f"{params['key']} {value}")


@check("login_defs_umask", "hardening.config")
def _check_umask(facts, params, ctx):
    value = (hardening(facts, "config").get("login_defs") or {}).get("UMASK")
    if value is None or not re.match(r"^0?[0-7]{3}$", value):
        return failed(f"UMASK {value or 'unset'} (expected {params['max']} or stricter)")
    wanted = int(params["max"], 8)
    actual = int(value, 8)
    if actual & wanted != wanted:
        return failed(f"UMASK {value} (expected {params['max']} or stricter)")
    return passed(f"UMASK {value}")


@check("tmout", "hardening.shell")
def _check_tmout(facts, params, ctx):
    value = hardening(facts, "shell").get("tmout")
    if value is None:
        return failed("TMOUT is not set in /etc/profile, /etc/profile.d or bash.bashrc")
    if not 0 < int(value) <= params["max"]:
        return failed(f"TMOUT={value} (at most {params['max']})")
    return passed(f"TMOUT={value}")


@check("limits_core", "hardening.config")
def _check_limits_core(facts, params, ctx):
    value = hardening(facts, "config").get("limits_core_hard")
    if value == "0":
        return passed("* hard core 0")
    return failed(f"hard core limit for all users: {value or 'not set'} (expected 0)")


@check("coredump", "hardening.config", "hardening.units")
def _check_coredump(facts, params, ctx):
    if not hardening(facts, "units"):
        return not_applicable("systemd is not running here")
    conf = hardening(facts, "config").get("coredump") or {}
    storage, size = conf.get("Storage", "external"), conf.get("ProcessSizeMax", "unset")
    if storage == "none" and size == "0":
        return passed("Storage=none, ProcessSizeMax=0")
    return failed(f"Storage={storage}, ProcessSizeMax={size} (expected none and 0)")


@check("facts_list_empty", "security.accounts")
def _check_list_empty(facts, params, ctx):
    node: Any = facts
    for part in params["path"].split("."):
        node = node[part]
    if node:
        return failed(f"{len(node)} {params['what']}: {listing(list(node))}")
    return passed(f"no {params['what']}")


@check("system_login_shells", "hardening.accounts")
def _check_system_shells(facts, params, ctx):
    accounts = hardening(facts, "accounts").get("system_login_shells")
    if accounts is None:
        raise NotAssessed("system accounts were not reported")
    if accounts:
        return failed(f"{len(accounts)} system account(s) with a shell: "
                      + listing([f"{a['user']} ({a['shell']})" for a in accounts]))
    return passed("every system account has a non-login shell")


@check("home_modes", "hardening.accounts")
def _check_home_modes(facts, params, ctx):
    homes = hardening(facts, "accounts").get("homes")
    if homes is None:
        raise NotAssessed("home directories were not reported")
    limit = int(params["max_mode"], 8)
    present = [h for h in homes if h.get("exists")]
    loose = [f"{h['home']} {h['mode']}" for h in present if int(h["mode"], 8) & ~limit]
    if loose:
        return failed(f"{len(loose)} home director(y/ies) looser than {params['max_mode']}: {listing(loose)}")
    if not present:
        return not_applicable("no interactive user has a home directory")
    return passed(f"{len(present)} home director(y/ies) at most {params['max_mode']}")


@check("pwquality", "hardening.pam", "hardening.config")
def _check_pwquality(facts, params, ctx):
    pam = hardening(facts, "pam")
    modules = [m["module"] for name in ("common-password", "system-auth") for m in pam.get(name, [])]
    if "pam_pwquality" not in modules and "pam_cracklib" not in modules:
        return failed("no pam_pwquality in the password stack")
    minlen = (hardening(facts, "config").get("pwquality") or {}).get("minlen")
    problem = compare(minlen, {"min": params["minlen"]})
    return failed(f"pam_pwquality minlen {problem}") if problem else passed(f"pam_pwquality, minlen {minlen}")


@check("faillock", "hardening.pam", "hardening.config")
def _check_faillock(facts, params, ctx):
    pam = hardening(facts, "pam")
    auth = [m for name in ("common-auth", "system-auth") for m in pam.get(name, []) if m["module"] == "pam_faillock"]
    if not auth:
        return failed("pam_faillock is not in the authentication stack")
    conf = hardening(facts, "config").get("faillock") or {}
    deny, unlock = conf.get("deny", "3"), conf.get("unlock_time", "600")
    problems = []
    if compare(deny, {"min": 1, "max": params["deny"]}):
        problems.append(f"deny {deny} (1 to {params['deny']})")
    if unlock != "0" and compare(unlock, {"min": params["unlock_time"]}):
        problems.append(f"unlock_time {unlock} (at least {params['unlock_time']}, or 0)")
    if problems:
        return failed("pam_faillock active but " + "; ".join(problems))
    return passed(f"pam_faillock: deny {deny}, unlock_time {unlock}")


@check("pam_module", "hardening.pam")
def _check_pam_module(facts, params, ctx):
    modules = [m["module"] for m in hardening(facts, "pam").get(params["file"], [])]
    if params["module"] in modules:
        return passed(f"{params['module']} in {params['file']}")
    return failed(f"{params['module']} is not in /etc/pam.d/{params['file']}")


def _sudo_defaults(facts: Mapping[str, Any]) -> list[str]:
    installed = hardening(facts, "packages").get("installed") or {}
    if "sudo" not in installed and not (hardening(facts, "files").get("/etc/sudoers")):
        raise _NotInstalled("sudo is not installed")
    return list(hardening(facts, "sudo").get("defaults") or [])


@check("sudo_default", "hardening.sudo", "hardening.packages")
@_absent_is_na
def _check_sudo_default(facts, params, ctx):
    name = params["name"]
    hits = [d for d in _sudo_defaults(facts) if d == name or d.startswith(name + "=")]
    if hits and not any(d.startswith("!" + name) for d in _sudo_defaults(facts)):
        return passed(f"Defaults {hits[-1]}")
    return failed(f"no Defaults {name}")


@check("sudo_timeout", "hardening.sudo", "hardening.packages")
@_absent_is_na
def _check_sudo_timeout(facts, params, ctx):
    values = [d.split("=", 1)[1] for d in _sudo_defaults(facts) if d.startswith("timestamp_timeout=")]
    if not values:
        return passed("timestamp_timeout not set (sudo's default is 15 minutes)")
    value = values[-1]
    number = _number(value)
    if number is None or number < 0 or number > params["max"]:
        return failed(f"timestamp_timeout={value} (at most {params['max']} minutes)")
    return passed(f"timestamp_timeout={value}")


@check("allow_file", "hardening.files", "hardening.packages")
def _check_allow_file(facts, params, ctx):
    installed = hardening(facts, "packages").get("installed") or {}
    if not any(p in installed for p in params["package"]):
        return not_applicable(f"{params['what']} is not installed")
    info = hardening(facts, "files").get(params["allow"])
    if info is None:
        return failed(f"{params['allow']} does not exist, so every user may use {params['what']}")
    if int(info["mode"], 8) & 0o137 or info.get("owner") != "root":
        return failed(f"{params['allow']} mode {info['mode']} owner {info.get('owner')} (expected root, 0640 or stricter)")
    return passed(f"{params['allow']} exists ({info['mode']})")


@check("world_writable", "security.world_writable")
def _check_world_writable(facts, params, ctx):
    found = facts["security"]["world_writable"]
    files = found.get("files") or []
    note = " (search truncated)" if found.get("truncated") else ""
    if files:
        return failed(f"{len(files)} world-writable: {listing(files)}{note}")
    return passed(f"none under {listing(found.get('paths') or [])}{note}")


@check("log_files", "hardening.logs")
def _check_log_files(facts, params, ctx):
    logs = hardening(facts, "logs")
    readable = [p for p in logs.get("world_readable") or [] if p not in params["exempt"]]
    if readable:
        return failed(f"{len(readable)} log file(s) readable by others: {listing(readable)}")
    return passed("no log file under /var/log is readable by others" + (" (scan truncated)" if logs.get("truncated") else ""))


@check("mount", "hardening.mounts")
def _check_mount(facts, params, ctx):
    mounts = hardening(facts, "mounts")
    entry = (mounts.get("mounted") or {}).get(params["path"])
    if entry is None:
        if not params["separate"]:
            return not_applicable(f"{params['path']} is not a separate filesystem")
        pending = (mounts.get("fstab") or {}).get(params["path"])
        if pending and all(o in pending["options"] for o in params["options"]):
            return failed(f"{params['path']} is configured in /etc/fstab but not mounted yet (reboot pending)")
        return failed(f"{params['path']} is not a separate filesystem")
    missing = [o for o in params["options"] if o not in entry["options"]]
    if missing:
        return failed(f"{params['path']} ({entry.get('fstype')}) lacks {', '.join(missing)}")
    return passed(f"{params['path']} ({entry.get('fstype')}) mounted {', '.join(params['options'])}")


# --------------------------------------------------------------------------- packages, services


def _installed(facts: Mapping[str, Any]) -> Mapping[str, str]:
    packages = hardening(facts, "packages")
    if packages.get("manager") is None:
        raise NotAssessed("no package database was read (neither dpkg nor rpm)")
    return packages.get("installed") or {}


@check("packages_present", "hardening.packages")
def _check_packages_present(facts, params, ctx):
    installed = _installed(facts)
    missing = [p for p in params["packages"] if p not in installed]
    if missing:
        return failed(f"not installed: {listing(missing)}")
    return passed(", ".join(f"{p} {installed[p]}" for p in params["packages"]))


@check("packages_absent", "hardening.packages")
def _check_packages_absent(facts, params, ctx):
    installed = _installed(facts)
    present = [p for p in params["packages"] if p in installed]
    if present:
        return failed(f"installed: {listing(present)}")
    return passed(f"none of {len(params['packages'])} package(s) installed")


def _units(facts: Mapping[str, Any]) -> Mapping[str, Any]:
    units = hardening(facts, "units")
    if not units:
        raise NotAssessed("no systemd unit states (systemd is not running?)")
    return units


@check("units_inactive", "hardening.units")
def _check_units_inactive(facts, params, ctx):
    units = _units(facts)
    running = [u for u in params["units"] if (units.get(u) or {}).get("active")]
    enabled = [u for u in params["units"] if (units.get(u) or {}).get("found") and
               (units.get(u) or {}).get("unit_file_state") in ("enabled", "enabled-runtime")]
    if running or enabled:
        return failed("; ".join(filter(None, [running and f"running: {listing(running)}",
                                             enabled and f"enabled: {listing(enabled)}"])))
    if not any((units.get(u) or {}).get("found") for u in params["units"]):
        return passed("not installed")
    return passed(f"{listing(params['units'])} stopped and not enabled")


@check("time_service", "hardening.units")
def _check_time_service(facts, params, ctx):
    units = _units(facts)
    services = ("systemd-timesyncd.service", "chrony.service", "chronyd.service", "ntp.service", "ntpsec.service")
    enabled = [u for u in services if (units.get(u) or {}).get("unit_file_state") in ("enabled", "enabled-runtime")
               or (units.get(u) or {}).get("active")]
    if len(enabled) > 1:
        return failed(f"more than one time service: {listing(enabled)}")
    if not enabled:
        return failed("no time synchronisation service is enabled")
    return passed(f"{enabled[0]} (synchronised: {facts.get('time', {}).get('synchronized')})")


@check("auto_updates", "security.auto_updates")
def _check_auto_updates(facts, params, ctx):
    if (ctx.policy.get("patch") or {}).get("approval") == "approved_only":
        return not_applicable("the tier's patch policy installs approved packages only (patch.approval approved_only)")
    updates = facts["security"]["auto_updates"]
    if updates.get("configured") is None:
        raise NotAssessed("automatic update state was not reported")
    if updates["configured"]:
        return passed(f"configured via {updates.get('mechanism')}")
    return failed(f"not configured ({updates.get('mechanism') or 'no mechanism installed'})")


@check("firewall", "security.firewall")
def _check_firewall(facts, params, ctx):
    firewall = facts["security"]["firewall"]
    if firewall.get("active") is None:
        raise NotAssessed("firewall state was not reported")
    if firewall["active"]:
        return passed(f"inbound filtering by {firewall.get('backend')}")
    return failed("no host firewall filters inbound traffic")


@check("modprobe", "hardening.modprobe")
def _check_modprobe(facts, params, ctx):
    state = hardening(facts, "modprobe")
    loose = [m for m in params["modules"] if not (state.get(m) or {}).get("disabled")]
    loaded = [m for m in params["modules"] if (state.get(m) or {}).get("loaded")]
    if loose:
        note = f"; loaded now: {listing(loaded)}" if loaded else ""
        return failed(f"loadable: {listing(loose)}{note}")
    if loaded:
        return failed(f"disabled but loaded now (unloads at reboot): {listing(loaded)}")
    return passed(f"disabled: {listing(params['modules'])}")


@check("banner", "hardening.banners")
def _check_banner(facts, params, ctx):
    text = hardening(facts, "banners").get(params["path"])
    if text is None:
        if params.get("require_text", True):
            return failed(f"{params['path']} does not exist")
        return passed(f"{params['path']} does not exist")
    problems = []
    if WEAK_BANNER.search(text):
        problems.append("shows system details (\\m, \\r, \\s or \\v)")
    names = sorted({m.group(0) for m in OS_NAMES.finditer(text)})
    if names:
        problems.append(f"names the system ({', '.join(names)})")
    if params.get("require_text", True) and not text.strip():
        problems.append("is empty")
    if problems:
        return failed(f"{params['path']} " + " and ".join(problems))
    return passed(f"{params['path']}: {text.strip().splitlines()[0][:60] if text.strip() else '(empty)'}")


@check("apparmor", "hardening.boot")
def _check_apparmor(facts, params, ctx):
    if hardening(facts, "boot").get("apparmor_enabled"):
        return passed("AppArmor is enabled in the kernel")
    return failed("AppArmor is not enabled")


@check("aide_scheduled", "hardening.packages", "hardening.files", "hardening.units")
def _check_aide(facts, params, ctx):
    installed = _installed(facts)
    if "aide" not in installed:
        return failed("AIDE is not installed (TRP-FIM-001)")
    files = hardening(facts, "files")
    units = hardening(facts, "units")
    problems = []
    if files.get(params["database"]) is None:
        problems.append(f"no database at {params['database']}")
    if not any((units.get(t) or {}).get("unit_file_state") in ("enabled", "enabled-runtime") for t in params["timers"]):
        problems.append(f"{listing(params['timers'])} not enabled")
    return failed("; ".join(problems)) if problems else passed(f"database present, {params['timers'][0]} enabled")


@check("rootkit_scanner", "hardening.packages", "hardening.units")
def _check_rootkit_scanner(facts, params, ctx):
    installed = _installed(facts)
    units = hardening(facts, "units")
    timer = units.get(params["timer"]) or {}
    package_timer = params.get("package_timer")
    if "chkrootkit" in installed and package_timer and (units.get(package_timer) or {}).get("enabled"):
        return failed(f"{package_timer} (Debian's chkrootkit-daily) is enabled: a second daily scan that mails its "
                      "result and fails where there is no mail(1)")
    if "chkrootkit" in installed and timer.get("unit_file_state") in ("enabled", "enabled-runtime"):
        return passed(f"chkrootkit {installed['chkrootkit']}, {params['timer']} enabled")
    cron = (units.get("cron.service") or {}).get("active")
    if "rkhunter" in installed and cron:
        return passed(f"rkhunter {installed['rkhunter']} with its daily cron job")
    if "chkrootkit" in installed or "rkhunter" in installed:
        return failed("a rootkit scanner is installed but nothing runs it daily")
    return failed("no rootkit scanner (chkrootkit, rkhunter) is installed")


@check("compilers", "hardening.compilers")
def _check_compilers(facts, params, ctx):
    compilers = hardening(facts, "compilers")
    open_ = [f"{c['path']} {c['mode']}" for c in compilers if int(c["mode"], 8) & 0o007]
    if open_:
        return failed(f"usable by every user: {listing(open_)}")
    if not compilers:
        return passed("no compiler or assembler installed")
    return passed(f"{len(compilers)} compiler(s), root and group only")


# --------------------------------------------------------------------------- auditd and boot


@check("auditd_running", "security.auditd")
def _check_auditd(facts, params, ctx):
    auditd = facts["security"]["auditd"]
    if not auditd.get("installed"):
        return failed("auditd is not installed")
    if not auditd.get("running"):
        return failed("auditd is installed but not running")
    return passed("auditd is running")


def _audit_rules(facts: Mapping[str, Any]) -> Mapping[str, Any]:
    if not facts["security"]["auditd"].get("installed"):
        raise _AuditdMissing()
    return hardening(facts, "auditd")


class _AuditdMissing(Exception):
    pass


@check("audit_watches", "hardening.auditd", "security.auditd")
def _check_audit_watches(facts, params, ctx):
    try:
        rules = _audit_rules(facts)
    except _AuditdMissing:
        return failed("auditd is not installed (TRP-AUDIT-001)")
    watched = set(rules.get("watched") or [])
    missing = [p for p in params["paths"] if p.rstrip("/") not in watched]
    if missing:
        return failed(f"not watched: {listing(missing)}")
    return passed(f"watched: {listing(params['paths'])}")


@check("audit_syscalls", "hardening.auditd", "security.auditd")
def _check_audit_syscalls(facts, params, ctx):
    try:
        rules = _audit_rules(facts)
    except _AuditdMissing:
        return failed("auditd is not installed (TRP-AUDIT-001)")
    syscalls = set(rules.get("syscalls") or [])
    watched = set(rules.get("watched") or [])
    missing = [s for s in params["syscalls"] if s not in syscalls] + [p for p in params["paths"] if p not in watched]
    if missing:
        return failed(f"not audited: {listing(missing)}")
    return passed(f"audited: {listing(params['syscalls'] + params['paths'])}")


@check("auditd_conf", "hardening.auditd", "security.auditd")
def _check_auditd_conf(facts, params, ctx):
    try:
        conf = _audit_rules(facts).get("conf") or {}
    except _AuditdMissing:
        return failed("auditd is not installed (TRP-AUDIT-001)")
    size = _number(conf.get("max_log_file"))
    action = (conf.get("max_log_file_action") or "").lower()
    logs = _number(conf.get("num_logs"))
    problems = []
    if size is None or size < params["min_file_mb"]:
        problems.append(f"max_log_file {conf.get('max_log_file', 'unset')} (at least {params['min_file_mb']})")
    if action not in params["actions"]:
        problems.append(f"max_log_file_action {action or 'unset'} (expected {' or '.join(params['actions'])})")
    if action == "rotate" and (logs is None or logs < params["min_logs"]):
        problems.append(f"num_logs {conf.get('num_logs', 'unset')} (at least {params['min_logs']})")
    if problems:
        return failed("; ".join(problems))
    return passed(f"max_log_file {conf.get('max_log_file')} MB, {action}, num_logs {conf.get('num_logs')}")


@check("kernel_cmdline", "hardening.boot")
def _check_cmdline(facts, params, ctx):
    boot = hardening(facts, "boot")
    running = (boot.get("cmdline") or "").split()
    missing = [a for a in params["args"] if a not in running]
    if not missing:
        return passed(f"kernel command line has {', '.join(params['args'])}")
    if not boot.get("grub_present"):
        return not_applicable("no GRUB configuration to change on this host")
    configured = (boot.get("grub_cmdline") or "").split()
    if all(a in configured for a in missing):
        return failed(f"{', '.join(missing)} configured in GRUB but not active yet (reboot pending)")
    return failed(f"kernel command line lacks {', '.join(missing)}")


@check("journald", "hardening.config", "hardening.files")
def _check_journald(facts, params, ctx):
    conf = hardening(facts, "config").get("journald") or {}
    value = conf.get(params["key"], params.get("default"))
    if params["key"] == "Storage" and value in (None, "auto"):
        journal_dir = hardening(facts, "files").get("/var/log/journal")
        value = "persistent (auto, /var/log/journal exists)" if journal_dir else "auto (volatile: no /var/log/journal)"
        if journal_dir:
            return passed(f"Storage={value}")
    problem = compare(value, {"in": params["in"]})
    return failed(f"{params['key']}={problem}") if problem else passed(f"{params['key']}={value}")


# --------------------------------------------------------------------------- Windows


def _windows(ctx: CheckContext, part: str) -> Mapping[str, Any]:
    if not ctx.windows:
        raise NotAssessed("no Windows hardening facts (tripod.maintenance.win_hardening_facts did not run)")
    return ctx.windows.get(part) or {}


def registry_key(path: str, name: str) -> str:
    """How win_hardening_facts keys a registry value: `PATH\\NAME`."""
    return f"{path}\\{name}"


def _registry_value(ctx: CheckContext, spec: Mapping[str, Any]) -> tuple[Any, bool]:
    values = _windows(ctx, "registry")
    key = registry_key(spec["path"], spec["name"])
    if key not in values:
        raise NotAssessed(f"{key} was not read")
    value = values[key]
    return value, value is None


@check("win_registry")
def _check_win_registry(facts, params, ctx):
    value, missing = _registry_value(ctx, params)
    label = f"{params['path'].split(chr(92))[-1]}\\{params['name']}"
    if missing:
        if params.get("missing") == "pass":
            return passed(f"{label} not set (the Windows default is safe)")
        return failed(f"{label} not set")
    problem = compare(value, _spec(params))
    return failed(f"{label} {problem}") if problem else passed(f"{label} = {value}")


@check("win_registry_all")
def _check_win_registry_all(facts, params, ctx):
    items = []
    for spec in params["values"]:
        value, missing = _registry_value(ctx, spec)
        items.append((spec["name"], value, "not set" if missing else compare(value, _spec(spec))))
    return every(items)


@check("win_smb")
def _check_win_smb(facts, params, ctx):
    smb = _windows(ctx, "smb")
    if params["key"] not in smb or smb[params["key"]] is None:
        raise NotAssessed(f"SMB setting {params['key']} was not read")
    problem = compare(smb[params["key"]], {"equals": params["equals"]})
    return failed(f"{params['key']} {problem}") if problem else passed(f"{params['key']} = {smb[params['key']]}")


@check("win_account_policy")
def _check_win_account_policy(facts, params, ctx):
    policy = _windows(ctx, "account_policy")
    if params["key"] not in policy and params["key"].startswith(("Lockout", "ResetLockout")) \
            and policy.get("LockoutBadCount") == 0:
        return failed("account lockout is off (LockoutBadCount 0), so there is no lockout duration")
    if params["key"] not in policy:
        raise NotAssessed(f"account policy {params['key']} was not read")
    problem = compare(policy[params["key"]], _spec(params))
    return failed(f"{params['key']} {problem}") if problem else passed(f"{params['key']} = {policy[params['key']]}")


@check("win_audit_policy")
def _check_win_audit_policy(facts, params, ctx):
    audit = _windows(ctx, "audit_policy")
    setting = audit.get(params["subcategory"])
    if setting is None:
        raise NotAssessed(f"audit policy {params['subcategory']} was not read")
    missing = [w for w in params["includes"] if w.lower() not in setting.lower()]
    if missing:
        return failed(f"{params['subcategory']}: {setting} (needs {' and '.join(params['includes'])})")
    return passed(f"{params['subcategory']}: {setting}")


@check("win_firewall_profile", "security.firewall")
def _check_win_firewall(facts, params, ctx):
    profiles = facts["security"]["firewall"].get("profiles") or {}
    if params["profile"] not in profiles:
        raise NotAssessed(f"firewall profile {params['profile']} was not reported")
    if profiles[params["profile"]]:
        return passed(f"{params['profile']} profile on")
    return failed(f"{params['profile']} profile off")


@check("win_defender", "security.defender")
def _check_win_defender(facts, params, ctx):
    defender = facts["security"].get("defender") or {}
    value = defender.get(params["key"])
    if value is None:
        raise NotAssessed(f"Defender {params['key']} was not reported (another antivirus product?)")
    problem = compare(value, _spec(params))
    return failed(f"{params['key']} {problem}") if problem else passed(f"{params['key']} = {value}")


@check("win_bitlocker", "security.bitlocker")
def _check_win_bitlocker(facts, params, ctx):
    volumes = facts["security"].get("bitlocker") or {}
    system = ctx.windows.get("system_drive") or "C:"
    if system not in volumes:
        raise NotAssessed(f"BitLocker state of {system} was not reported")
    return passed(f"{system} protected") if volumes[system] else failed(f"{system} is not protected by BitLocker")


@check("win_guest", "security.accounts")
def _check_win_guest(facts, params, ctx):
    enabled = facts["security"]["accounts"].get("guest_enabled")
    if enabled is None:
        raise NotAssessed("the guest account state was not reported")
    return failed("the Guest account is enabled") if enabled else passed("the Guest account is disabled")


@check("win_service_disabled")
def _check_win_service(facts, params, ctx):
    services = _windows(ctx, "services")
    service = services.get(params["service"])
    if service is None:
        return passed(f"{params['service']} is not installed")
    if str(service.get("start_mode", "")).lower() == "disabled" and str(service.get("state", "")).lower() != "running":
        return passed(f"{params['service']} disabled")
    return failed(f"{params['service']} start mode {service.get('start_mode')}, {service.get('state')}")


def known_checks() -> Sequence[str]:
    return sorted(CHECKS)
