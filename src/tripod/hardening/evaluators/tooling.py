"""Hardening checks of the security tooling a host runs: a service that must be running (process
accounting), sysstat, apt-listchanges, fail2ban's SSH jail and forwarding to the policy's log host."""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping

from tripod.checks.engine import NotAssessed, failed, listing, not_applicable, passed
from tripod.hardening.evaluators.registry import check, hardening

_ENABLED = ("enabled", "enabled-runtime", "static", "alias", "indirect", "generated")


def _missing_packages(facts: Mapping[str, Any], packages: list[str]) -> list[str]:
    section = hardening(facts, "packages")
    if section.get("manager") is None:
        raise NotAssessed("no package database was read (neither dpkg nor rpm)")
    installed = section.get("installed") or {}
    return [p for p in packages if p not in installed]


def _unit_problem(facts: Mapping[str, Any], unit: str) -> str | None:
    units = hardening(facts, "units")
    if not units:
        raise NotAssessed("no systemd unit states (systemd is not running?)")
    state = units.get(unit) or {}
    if not state.get("found"):
        return f"{unit} not found"
    problems = []
    if state.get("unit_file_state") not in _ENABLED:
        problems.append(f"not enabled ({state.get('unit_file_state') or 'unknown'})")
    if not state.get("active"):
        problems.append("not running")
    return f"{unit} " + " and ".join(problems) if problems else None


def _config(facts: Mapping[str, Any], name: str) -> Any:
    config = hardening(facts, "config")
    if name not in config:
        raise NotAssessed(f"the facts have no {name} configuration (an older facts probe)")
    return config[name]


@check("service_running", "hardening.packages", "hardening.units")
def _check_service_running(facts, params, ctx):
    missing = _missing_packages(facts, params["packages"])
    if missing:
        return failed(f"not installed: {listing(missing)}")
    problem = _unit_problem(facts, params["unit"])
    return failed(problem) if problem else passed(f"{listing(params['packages'])} installed, {params['unit']} running")


@check("sysstat", "hardening.packages", "hardening.units", "hardening.config")
def _check_sysstat(facts, params, ctx):
    missing = _missing_packages(facts, params["packages"])
    if missing:
        return failed(f"not installed: {listing(missing)}")
    problems = []
    enabled = str(_config(facts, "sysstat").get("ENABLED", "")).lower()
    if enabled != "true":
        problems.append(f"ENABLED={enabled or 'unset'} in /etc/default/sysstat (collection is off)")
    state = (hardening(facts, "units").get(params["unit"]) or {})
    if state.get("unit_file_state") not in _ENABLED:
        problems.append(f"{params['unit']} not enabled")
    return failed("; ".join(problems)) if problems else passed("sysstat collects (ENABLED=true, sysstat.service enabled)")


@check("listchanges", "hardening.packages", "hardening.config")
def _check_listchanges(facts, params, ctx):
    missing = _missing_packages(facts, params["packages"])
    if missing:
        return failed(f"not installed: {listing(missing)}")
    settings = _config(facts, "listchanges")
    frontend = settings.get("frontend", "pager")
    confirm = str(settings.get("confirm", "false")).lower()
    problems = []
    if frontend not in params["frontends"]:
        problems.append(f"frontend={frontend} (interactive; expected {' or '.join(params['frontends'])})")
    if confirm not in (params["confirm"], "0", "no"):
        problems.append(f"confirm={confirm} (would prompt before every upgrade)")
    return failed("; ".join(problems)) if problems else passed(f"frontend={frontend}, confirm={confirm}")


def _ignored(source: str, ignoreip: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return source in ignoreip
    for entry in ignoreip:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@check("fail2ban", "hardening.packages", "hardening.units", "hardening.config")
def _check_fail2ban(facts, params, ctx):
    missing = _missing_packages(facts, params["packages"])
    if missing:
        return failed(f"not installed: {listing(missing)}")
    jail = _config(facts, "fail2ban").get("sshd") or {}
    problems = []
    if str(jail.get("enabled", "false")).lower() not in ("true", "yes", "1"):
        problems.append("the sshd jail is not enabled")
    if jail.get("backend") != "systemd":
        problems.append(f"sshd jail backend {jail.get('backend') or 'unset'} (systemd reads the journal; "
                        "a log file may not exist)")
    ignoreip = str(jail.get("ignoreip") or "").split()
    source = str((ctx.management or {}).get("source") or "")
    if source and not _ignored(source, ignoreip):
        problems.append(f"the management source {source} is not in ignoreip ({' '.join(ignoreip) or 'empty'})")
    unit = _unit_problem(facts, params["unit"])
    if unit:
        problems.append(unit)
    if problems:
        return failed("; ".join(problems))
    shown = f", management source {source} ignored" if source else ""
    return passed(f"sshd jail on the journal, maxretry {jail.get('maxretry', '?')}, bantime {jail.get('bantime', '?')}"
                  f"{shown}")


def log_host(policy: Mapping[str, Any]) -> tuple[str, str]:
    """(host, port) of the policy's hardening.log_host; ("", "") when it names none."""
    value = str((policy.get("hardening") or {}).get("log_host") or "").strip()
    if not value:
        return "", ""
    bracketed = re.match(r"^\[([^\]]+)\](?::(\d+))?$", value)
    if bracketed:
        return bracketed.group(1), bracketed.group(2) or "514"
    host, _sep, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    return host, port or "514"


@check("remote_syslog", "hardening.packages", "hardening.units", "hardening.config")
def _check_remote_syslog(facts, params, ctx):
    host, port = log_host(ctx.policy)
    if not host:
        return not_applicable("the policy names no log host (hardening.log_host)")
    missing = _missing_packages(facts, params["packages"])
    if missing:
        return failed(f"not installed: {listing(missing)}")
    targets = _config(facts, "rsyslog_forward") or []
    problems = []
    if not any(t.get("host") == host and str(t.get("port")) == port for t in targets):
        shown = ", ".join(f"{t.get('host')}:{t.get('port')}" for t in targets) or "none"
        problems.append(f"no rule forwards to {host}:{port} (forwarding to: {shown})")
    unit = _unit_problem(facts, params["unit"])
    if unit:
        problems.append(unit)
    return failed("; ".join(problems)) if problems else passed(f"rsyslog forwards to {host}:{port}")
