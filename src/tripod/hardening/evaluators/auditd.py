"""Hardening checks: auditd running, its watches, syscall rules and configuration; the kernel command line; journald."""

from __future__ import annotations

from typing import Any, Mapping

from tripod.checks.engine import failed, listing, not_applicable, passed
from tripod.hardening.evaluators.registry import as_number, check, compare, hardening


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
    size = as_number(conf.get("max_log_file"))
    action = (conf.get("max_log_file_action") or "").lower()
    logs = as_number(conf.get("num_logs"))
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
