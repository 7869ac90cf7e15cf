"""Hardening checks: Windows: registry values, SMB, account and audit policy, firewall, Defender, BitLocker, guest,
services (from the Windows facts; never executed on Windows here, tested on recorded facts)."""

from __future__ import annotations

from typing import Any, Mapping

from tripod.checks.engine import NotAssessed, failed, passed
from tripod.hardening.evaluators.registry import CheckContext, check, compare, every, value_spec


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
    problem = compare(value, value_spec(params))
    return failed(f"{label} {problem}") if problem else passed(f"{label} = {value}")


@check("win_registry_all")
def _check_win_registry_all(facts, params, ctx):
    items = []
    for spec in params["values"]:
        value, missing = _registry_value(ctx, spec)
        items.append((spec["name"], value, "not set" if missing else compare(value, value_spec(spec))))
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
    problem = compare(policy[params["key"]], value_spec(params))
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
    problem = compare(value, value_spec(params))
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
