"""Host-specific remediation parameters: the catalog's parameters resolved against the facts.

The role's tasks never decide what to touch: the plan hands each task its exact targets (the
files that exist, the accounts to lock minus the management user, the units installed, ...).
A resolver may also hold a control back when the host lacks what the remediation needs.
"""

from __future__ import annotations

import fnmatch
from typing import Any, Callable, Mapping

from tripod.hardening.catalog import Control
from tripod.hardening.evaluators.tooling import log_host
from tripod.hardening.safeguards import allowed_ssh_groups

Resolved = tuple[dict[str, Any], "str | None"]
Resolver = Callable[[Control, dict[str, Any], Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], Resolved]


def _hardening(facts: Mapping[str, Any], part: str) -> Any:
    return (facts.get("hardening") or {}).get(part) or {}


def _existing_files(params: dict[str, Any], facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    files = _hardening(facts, "files")
    targets = [dict(f) for f in params.get("files") or [] if files.get(f["path"]) is not None]
    spec = params.get("files_glob")
    if spec:
        for path in sorted(p for p, info in files.items() if info is not None and fnmatch.fnmatch(p, spec["pattern"])):
            targets.append({"path": path, **{k: v for k, v in spec.items() if k != "pattern"}})
    return targets


def resolve(control: Control, facts: Mapping[str, Any], management: Mapping[str, Any],
            policy: Mapping[str, Any]) -> Resolved:
    """(parameters for the role's task, reason to hold the control back or None)."""
    params = control.params()
    if "files" in params or "files_glob" in params:
        params["targets"] = _existing_files(params, facts)
    user = str(management.get("user") or "")
    check = control.check
    func = _RESOLVERS.get(check)
    if func is not None:
        return func(control, params, facts, management, policy)
    if params.get("legal_notice"):
        return _banner(control, params, facts, management, policy)
    if "lock_from" in params:
        node: Any = facts
        for part in params["lock_from"].split("."):
            node = node.get(part) or {} if isinstance(node, Mapping) else {}
        params["targets"] = [name for name in (node or []) if name != user]
        skipped = [name for name in (node or []) if name == user]
        return params, (f"the only account to lock is the management user {user}" if skipped and not params["targets"] else None)
    return params, None


def _system_shells(control, params, facts, management, policy):
    user = str(management.get("user") or "")
    accounts = (_hardening(facts, "accounts").get("system_login_shells")) or []
    params["targets"] = [a["user"] for a in accounts if a["user"] != user]
    return params, None


def _homes(control, params, facts, management, policy):
    limit = int(control.audit["max_mode"], 8)
    homes = (_hardening(facts, "accounts").get("homes")) or []
    params["targets"] = [h["home"] for h in homes if h.get("exists") and int(h["mode"], 8) & ~limit]
    return params, None


def _world_writable(control, params, facts, management, policy):
    params["targets"] = list(((facts.get("security") or {}).get("world_writable") or {}).get("files") or [])
    return params, None


def _log_files(control, params, facts, management, policy):
    exempt = control.audit["exempt"]
    logs = _hardening(facts, "logs").get("world_readable") or []
    params["targets"] = [p for p in logs if p not in exempt]
    params["exempt"] = list(exempt)  # the role finds the files again at enforce time
    return params, None


def _units(control, params, facts, management, policy):
    units = _hardening(facts, "units")
    params["targets"] = [u for u in params["units"] if (units.get(u) or {}).get("found")]
    return params, None


def _mount(control, params, facts, management, policy):
    spec = dict(params["mount"])
    if "add_options" in spec:
        entry = (_hardening(facts, "mounts").get("fstab") or {}).get(spec["path"])
        if not entry or not entry.get("device"):
            return params, f"{spec['path']} has no /etc/fstab entry to add options to"
        options = list(entry["options"])
        options += [o for o in spec["add_options"] if o not in options]
        spec.update(src=entry["device"], fstype=entry["fstype"], opts=",".join(options))
    params["mount"] = spec
    return params, None


def _faillock(control, params, facts, management, policy):
    params["admin_group"] = str(management.get("group") or "")
    return params, None


def _banner(control, params, facts, management, policy):
    params["text"] = str((policy.get("hardening") or {}).get("banner") or "").strip()
    if not params["text"]:
        return params, "the policy's hardening.banner is empty"
    return params, None


def _allow_groups(control, params, facts, management, policy):
    params["groups"] = allowed_ssh_groups(policy, management)
    return params, None


def _time_service(control, params, facts, management, policy):
    installed = _hardening(facts, "packages").get("installed") or {}
    others = [p for p in ("chrony", "ntp", "ntpsec") if p in installed]
    if others:
        return params, f"{others[0]} is installed: enable it, or remove it so systemd-timesyncd can own the clock"
    return params, None


def _compilers(control, params, facts, management, policy):
    compilers = (facts.get("hardening") or {}).get("compilers") or []
    params["targets"] = [c["path"] for c in compilers if int(c["mode"], 8) & 0o007]
    return params, None


# fail2ban's jail file: Tripod's jail.local, or a jail.d file read after it where the client has its own.
FAIL2BAN_JAIL_LOCAL = "/etc/fail2ban/jail.local"
FAIL2BAN_JAIL_DROPIN = "/etc/fail2ban/jail.d/60-tripod.local"
FAIL2BAN_LOOPBACK = ("127.0.0.1/8", "::1")


def _fail2ban(control, params, facts, management, policy):
    owner = ((_hardening(facts, "config").get("fail2ban")) or {}).get("jail_local")
    params["path"] = FAIL2BAN_JAIL_LOCAL if owner in (None, "tripod") else FAIL2BAN_JAIL_DROPIN
    source = str(management.get("source") or "")
    params["ignoreip"] = list(FAIL2BAN_LOOPBACK) + ([source] if source and source not in FAIL2BAN_LOOPBACK else [])
    return params, None


def _remote_syslog(control, params, facts, management, policy):
    params["host"], params["port"] = log_host(policy)
    return params, None


_RESOLVERS: dict[str, Callable[..., Resolved]] = {
    "remote_syslog": _remote_syslog,
    "fail2ban": _fail2ban,
    "system_login_shells": _system_shells,
    "home_modes": _homes,
    "world_writable": _world_writable,
    "log_files": _log_files,
    "units_inactive": _units,
    "mount": _mount,
    "faillock": _faillock,
    "banner": _banner,
    "sshd_allow_groups": _allow_groups,
    "time_service": _time_service,
    "compilers": _compilers,
}
