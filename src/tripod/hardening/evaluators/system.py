"""Hardening checks: kernel parameters, file modes, login.defs, umask and TMOUT, limits and core dumps, shells and
homes, PAM (pwquality, faillock), sudo defaults, cron/at allow files, world-writable files, logs, mounts."""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Mapping

from tripod.checks.engine import NotAssessed, failed, listing, not_applicable, passed
from tripod.hardening.evaluators.registry import (
    NotInstalled,
    absent_is_not_applicable,
    as_number,
    as_spec,
    check,
    compare,
    every,
    hardening,
    value_spec,
)


@check("sysctl", "hardening.sysctl")
def _check_sysctl(facts, params, ctx):
    values = hardening(facts, "sysctl")
    present = {key: spec for key, spec in params["values"].items() if values.get(key) is not None}
    absent = [key for key in params["values"] if key not in present]
    if absent and not present:
        return not_applicable(f"the kernel has no {listing(absent)}")
    items = [(key, values[key], compare(values[key], as_spec(spec))) for key, spec in present.items()]
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
    problem = compare(value, value_spec(params))
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
        raise NotInstalled("sudo is not installed")
    return list(hardening(facts, "sudo").get("defaults") or [])


@check("sudo_default", "hardening.sudo", "hardening.packages")
@absent_is_not_applicable
def _check_sudo_default(facts, params, ctx):
    name = params["name"]
    hits = [d for d in _sudo_defaults(facts) if d == name or d.startswith(name + "=")]
    if hits and not any(d.startswith("!" + name) for d in _sudo_defaults(facts)):
        return passed(f"Defaults {hits[-1]}")
    return failed(f"no Defaults {name}")


@check("sudo_timeout", "hardening.sudo", "hardening.packages")
@absent_is_not_applicable
def _check_sudo_timeout(facts, params, ctx):
    values = [d.split("=", 1)[1] for d in _sudo_defaults(facts) if d.startswith("timestamp_timeout=")]
    if not values:
        return passed("timestamp_timeout not set (sudo's default is 15 minutes)")
    value = values[-1]
    number = as_number(value)
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
