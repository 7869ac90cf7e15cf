"""Hardening checks: packages present and absent, units inactive, time service, automatic updates, firewall,
kernel modules, banners, AppArmor, AIDE (database, schedule, checksums), rootkit scanner, compilers."""

from __future__ import annotations

from typing import Any, Mapping

from tripod.checks.engine import NotAssessed, failed, listing, not_applicable, passed
from tripod.hardening.evaluators.registry import OS_NAMES, WEAK_BANNER, check, hardening


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


@check("aide_checksums", "hardening.packages", "hardening.config")
def _check_aide_checksums(facts, params, ctx):
    if "aide" not in _installed(facts):
        return failed("AIDE is not installed (TRP-FIM-001)")
    config = hardening(facts, "config")
    if "aide" not in config:
        raise NotAssessed("the facts have no aide configuration (an older facts probe)")
    value = (config["aide"] or {}).get("checksums")
    if not value:
        return failed(f"no Checksums line in {params['path']}")
    named = {name.strip() for name in str(value).split("+")}
    missing = [name for name in params["algorithms"] if name not in named]
    if missing:
        return failed(f"Checksums = {value} does not name {listing(missing)}")
    return passed(f"Checksums = {value}")


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
