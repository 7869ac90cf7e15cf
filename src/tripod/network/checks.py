"""Configuration checks of a network device, as findings of the one result model.

Each check id is stable (docs/network.md). A check whose data the platform does not expose is
`not_applicable` with the reason; a parser that found nothing to parse is `not_assessed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from tripod.network.firmware import support_of
from tripod.network.parsers import DEFAULT_COMMUNITIES, DeviceConfig, DeviceVersion


@dataclass(frozen=True)
class Check:
    key: str  # the name in policy network.checks
    check_id: str
    area: str
    title: str
    severity: str
    remediation: str


CHECKS: dict[str, Check] = {c.key: c for c in (
    Check("ntp", "TRP-NET-010", "hardening", "NTP servers configured", "medium",
          "Configure at least two NTP servers so logs and certificates use the right time."),
    Check("syslog", "TRP-NET-011", "hardening", "Remote syslog configured", "medium",
          "Send the device's logs to the client's syslog server."),
    Check("aaa", "TRP-NET-012", "hardening", "Central authentication (AAA) configured", "medium",
          "Authenticate administrators against RADIUS or TACACS+, with a local fallback account."),
    Check("management_plaintext", "TRP-NET-013", "hardening", "No telnet or HTTP management", "high",
          "Disable telnet and plain HTTP management; manage the device over SSH and HTTPS only."),
    Check("snmp_community", "TRP-NET-014", "hardening", "No default SNMP community", "high",
          "Remove the public/private communities; use SNMPv3 or a long random community with an ACL."),
    Check("password_encryption", "TRP-NET-015", "hardening", "Passwords stored encrypted", "medium",
          "Enable password encryption (service password-encryption) and use hashed secrets."),
    Check("banner", "TRP-NET-016", "hardening", "Login banner configured", "low",
          "Configure the legal login banner (hardening.banner)."),
    Check("unused_interfaces", "TRP-NET-017", "hardening", "No unused interface left enabled", "low",
          "Shut down interfaces that carry no configuration, or describe what they are for."),
)}

FIRMWARE = Check("firmware", "TRP-NET-020", "health", "Firmware within vendor support", "high",
                 "Upgrade to a release train the vendor still supports.")


def _finding(check: Check, status: str, evidence: str) -> dict[str, Any]:
    return {"area": check.area, "check_id": check.check_id, "title": check.title, "severity": check.severity,
            "status": status, "evidence": evidence, "remediation": check.remediation if status == "fail" else ""}


_FIELDS = {"ntp": "ntp_servers", "syslog": "syslog_hosts", "aaa": "aaa", "management_plaintext": "plaintext_management",
           "snmp_community": "snmp_communities", "password_encryption": "password_encryption", "banner": "banner",
           "unused_interfaces": "unused_interfaces"}


def _verdict(key: str, value: Any) -> tuple[str, str]:
    if key == "ntp":
        return ("pass", f"NTP servers: {', '.join(value)}") if value else ("fail", "no NTP server configured")
    if key == "syslog":
        return ("pass", f"logs sent to: {', '.join(value)}") if value else ("fail", "no remote syslog configured")
    if key == "aaa":
        return ("pass", "AAA login authentication configured") if value else (
            "fail", "no RADIUS/TACACS+ login authentication")
    if key == "management_plaintext":
        return ("fail", f"plain-text management enabled: {', '.join(value)}") if value else (
            "pass", "neither telnet nor HTTP management is enabled")
    if key == "snmp_community":
        default = sorted(c for c in value if c.lower() in DEFAULT_COMMUNITIES)
        if default:
            return "fail", f"default SNMP community configured: {', '.join(default)}"
        return "pass", f"{len(value)} SNMP communit{'y' if len(value) == 1 else 'ies'}, none a default one"
    if key == "password_encryption":
        return ("pass", "passwords are stored encrypted") if value else (
            "fail", "passwords may be stored in clear text (no password encryption)")
    if key == "banner":
        return ("pass", "a login banner is configured") if value else ("fail", "no login banner")
    if key == "unused_interfaces":
        return ("fail", f"enabled with no configuration: {', '.join(value)}") if value else (
            "pass", "every enabled interface is configured")
    raise KeyError(key)


def config_findings(config: DeviceConfig | None, wanted: list[str], parse_error: str = "") -> list[dict[str, Any]]:
    """One finding per configuration check in `wanted` (policy network.checks)."""
    findings = []
    for key, check in CHECKS.items():
        if key not in wanted:
            continue
        if config is None:
            findings.append(_finding(check, "not_assessed", parse_error or "the running configuration was not read"))
            continue
        value = getattr(config, _FIELDS[key])
        if value is None:
            reason = config.not_exposed.get(_FIELDS[key], "the platform does not expose it")
            findings.append(_finding(check, "not_applicable", reason))
            continue
        status, evidence = _verdict(key, value)
        findings.append(_finding(check, status, evidence))
    return findings


def firmware_finding(platform: str, version: DeviceVersion, today: date, warning_days: int) -> dict[str, Any]:
    if not version.version:
        return _finding(FIRMWARE, "not_assessed", "the running version could not be read from the version output")
    support = support_of(platform, version.version)
    running = f"{platform} {version.version}" + (f" on {version.model}" if version.model else "")
    if support is None:
        return _finding(FIRMWARE, "not_assessed", f"{running}: release not in the end-of-support table")
    end = support.end_of_support.isoformat()
    if support.end_of_support < today:
        return _finding(FIRMWARE, "fail", f"{running}: out of vendor support since {end} ({support.source})")
    days = (support.end_of_support - today).days
    if days <= warning_days:
        finding = _finding(FIRMWARE, "fail", f"{running}: vendor support ends {end}, in {days} days ({support.source})")
        finding["severity"] = "medium"
        return finding
    return _finding(FIRMWARE, "pass", f"{running}: supported until {end} ({support.source})")


_FIRMWARE_EVIDENCE = re.compile(r"^(?P<platform>\S+) (?P<version>\S+?)(?: on (?P<model>.+?))?: "
                                r"(?:supported until|out of vendor support since|vendor support ends) "
                                r"(?P<end>\d{4}-\d{2}-\d{2})")


def firmware_of(evidence: str) -> dict[str, str | None] | None:
    """Platform, version, model and end of support back from a TRP-NET-020 evidence line (the
    format `firmware_finding` writes); None when the firmware was not assessed."""
    match = _FIRMWARE_EVIDENCE.match(evidence)
    return match.groupdict() if match else None
