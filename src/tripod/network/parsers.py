"""Parse each platform's running configuration and version output into one shape.

A field that is None is not exposed by the platform's configuration (the check is then not
applicable, with the reason in `DeviceConfig.not_exposed`), never a pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

DEFAULT_COMMUNITIES = frozenset({"public", "private"})


@dataclass
class DeviceConfig:
    ntp_servers: list[str] | None = None
    syslog_hosts: list[str] | None = None
    aaa: bool | None = None
    plaintext_management: list[str] | None = None  # "telnet", "http" when enabled
    snmp_communities: list[str] | None = None
    password_encryption: bool | None = None
    banner: bool | None = None
    unused_interfaces: list[str] | None = None  # enabled interfaces with no configuration at all
    not_exposed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceVersion:
    version: str | None
    model: str | None = None


def _all(pattern: str, text: str, flags: int = re.MULTILINE) -> list[str]:
    return [m.strip("'\"") for m in re.findall(pattern, text, flags)]


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.MULTILINE) is not None


def _blocks(text: str, header: str) -> dict[str, list[str]]:
    """Indented blocks under `header NAME` lines (IOS, EOS, FRR style): NAME -> its lines."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = re.match(rf"^{header} (\S+)\s*$", line)
        if match:
            current = blocks.setdefault(match.group(1), [])
        elif current is not None and line.startswith((" ", "\t")):
            if line.strip() and line.strip() != "!":
                current.append(line.strip())
        else:
            current = None
    return blocks


def _unused(interfaces: dict[str, list[str]], disabled: str = "shutdown") -> list[str]:
    """Interfaces not shut down and with no configuration at all (no address, no description)."""
    skip = ("loopback", "vlan", "null", "management", "mgmt", "tunnel", "port-channel")
    return sorted(name for name, lines in interfaces.items()
                  if not lines and disabled not in lines and not name.lower().startswith(skip))


def _line_blocks(text: str, header: str) -> list[list[str]]:
    """Every indented block under a line starting with `header` (e.g. `line vty 0 4`)."""
    found = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(header):
            current = []
            found.append(current)
        elif current is not None and line.startswith((" ", "\t")):
            current.append(line.strip())
        else:
            current = None
    return found


def parse_ios(text: str) -> DeviceConfig:
    plaintext = []
    for block in _line_blocks(text, "line vty"):
        transports = [line for line in block if line.startswith("transport input")]
        if not transports or any(re.search(r"\b(telnet|all)\b", t) for t in transports):
            plaintext.append("telnet")
            break
    if _has(r"^ip http server\s*$", text):
        plaintext.append("http")
    return DeviceConfig(
        ntp_servers=_all(r"^ntp server (?:vrf \S+ )?(\S+)", text),
        syslog_hosts=_all(r"^logging (?:host )?(?:vrf \S+ )?(\d[\d.]*\d|[0-9a-fA-F:]*:[0-9a-fA-F:]+)\b", text),
        aaa=_has(r"^aaa new-model", text) and _has(r"^aaa authentication login", text),
        plaintext_management=plaintext,
        snmp_communities=_all(r"^snmp-server community (\S+)", text),
        password_encryption=_has(r"^service password-encryption", text) and not _has(r"^enable password ", text),
        banner=_has(r"^banner (?:login|motd)", text),
        unused_interfaces=_unused(_blocks(text, "interface")),
    )


def parse_eos(text: str) -> DeviceConfig:
    plaintext = []
    telnet = _line_blocks(text, "management telnet")
    if any("no shutdown" in block for block in telnet):
        plaintext.append("telnet")
    if any(any(line == "protocol http" for line in block) for block in _line_blocks(text, "management api http")):
        plaintext.append("http")
    return DeviceConfig(
        ntp_servers=_all(r"^ntp server (?:vrf \S+ )?(\S+)", text),
        syslog_hosts=_all(r"^logging (?:vrf \S+ )?host (\S+)", text),
        aaa=_has(r"^aaa authentication login", text),
        plaintext_management=plaintext,
        snmp_communities=_all(r"^snmp-server community (\S+)", text),
        password_encryption=not _has(r"\b(?:secret|password) 0 ", text),
        banner=_has(r"^banner (?:login|motd)", text),
        unused_interfaces=_unused(_blocks(text, "interface")),
    )


def parse_junos(text: str) -> DeviceConfig:
    plaintext = []
    if _has(r"^set system services telnet", text):
        plaintext.append("telnet")
    if _has(r"^set system services web-management http(\s|$)", text):
        plaintext.append("http")
    return DeviceConfig(
        ntp_servers=_all(r"^set system ntp server (\S+)", text),
        syslog_hosts=sorted(set(_all(r"^set system syslog host (\S+)", text))),
        aaa=_has(r"^set system (?:radius-server|tacplus-server) ", text),
        plaintext_management=plaintext,
        snmp_communities=sorted(set(_all(r"^set snmp community (\S+)", text))),
        # Junos stores every local password hashed (encrypted-password); a clear text one cannot be configured.
        password_encryption=not _has(r"plain-text-password", text),
        banner=_has(r"^set system login message ", text),
        not_exposed={"unused_interfaces": "Junos does not show link state in the configuration"},
    )


def parse_vyos(text: str) -> DeviceConfig:
    plaintext = []
    if _has(r"^set service telnet", text):
        plaintext.append("telnet")
    interfaces: dict[str, list[str]] = {}
    for kind, name, rest in re.findall(r"^set interfaces (ethernet|bonding) (\S+)(.*)$", text, re.MULTILINE):
        lines = interfaces.setdefault(name.strip("'"), [])
        rest = rest.strip()
        if rest == "disable":
            lines.append("shutdown")
        elif rest and not rest.startswith(("hw-id", "offload", "ring-buffer", "smp-affinity")):
            lines.append(rest)
    return DeviceConfig(
        ntp_servers=_all(r"^set (?:system|service) ntp server (\S+)", text),
        syslog_hosts=sorted(set(_all(r"^set system syslog (?:host|remote) (\S+)", text))),
        aaa=_has(r"^set system login (?:radius|tacacs)", text),
        plaintext_management=plaintext,
        snmp_communities=sorted(set(_all(r"^set service snmp community (\S+)", text))),
        password_encryption=not _has(r"plaintext-password", text),
        banner=_has(r"^set system login banner (?:pre-login|post-login)", text),
        unused_interfaces=_unused(interfaces),
    )


def _forti_section(text: str, name: str) -> str:
    match = re.search(rf"^config {re.escape(name)}\s*$(.*?)^end\s*$", text, re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


def parse_fortios(text: str) -> DeviceConfig:
    access = " ".join(_all(r"^\s*set allowaccess (.+)$", text))
    plaintext = [proto for proto in ("telnet", "http") if re.search(rf"(?<![\w-]){proto}(?![\w-])", access)]
    syslog = _forti_section(text, "log syslogd setting")
    snmp = _forti_section(text, "system snmp community")
    return DeviceConfig(
        ntp_servers=_all(r'^\s*set server "?([^"\s]+)"?', _forti_section(text, "system ntp")),
        syslog_hosts=_all(r'^\s*set server "?([^"\s]+)"?', syslog) if _has(r"^\s*set status enable", syslog) else [],
        aaa=bool(_all(r"^\s*edit ", _forti_section(text, "user radius") + _forti_section(text, "user tacacs+"))),
        plaintext_management=plaintext,
        snmp_communities=_all(r'^\s*set name "?([^"\s]+)"?', snmp),
        password_encryption=not _has(r"^\s*set (?:password|passwd) (?!ENC )", text),
        banner=_has(r"^\s*set pre-login-banner enable", text),
        not_exposed={"unused_interfaces": "FortiOS does not show link state in the configuration"},
    )


def parse_routeros(text: str) -> DeviceConfig:
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.replace("\\\n    ", "").splitlines():
        if line.startswith("/"):
            current = sections.setdefault(line.strip(), [])
        elif line.strip() and not line.startswith("#"):
            current.append(line.strip())
    services = " ".join(sections.get("/ip service", []))
    # Telnet and www are on by default; the export only shows them when they were disabled.
    plaintext = [proto for proto, name in (("telnet", "telnet"), ("http", "www"))
                 if not re.search(rf"set {name} .*disabled=yes", services)
                 and not re.search(rf"\[ find name={name} \].*disabled=yes", services)]
    snmp_on = any("enabled=yes" in line for line in sections.get("/snmp", []))
    communities = _all(r"name=(\S+)", "\n".join(sections.get("/snmp community", [])))
    if snmp_on and not any("default=yes" in line for line in sections.get("/snmp community", [])):
        communities.append("public")  # the default community keeps its name unless it is renamed
    ntp = " ".join(sections.get("/system ntp client", []))
    servers = re.findall(r"(?:servers|primary-ntp|secondary-ntp)=(\S+)", ntp)
    logging = "\n".join(sections.get("/system logging action", []))
    return DeviceConfig(
        ntp_servers=[s for value in servers for s in value.split(",") if s and s != "0.0.0.0"],
        syslog_hosts=[a or b for a, b in re.findall(r"target=remote.*?remote=(\S+)|remote=(\S+).*?target=remote",
                                                    logging)],
        aaa=bool(sections.get("/radius")) and any(line.startswith("add ") for line in sections["/radius"]),
        plaintext_management=plaintext,
        snmp_communities=communities if snmp_on else [],
        # RouterOS keeps user passwords hashed and never exports them.
        password_encryption=True,
        banner=any("show-at-login=yes" in line for line in sections.get("/system note", [])),
        not_exposed={"unused_interfaces": "RouterOS does not show link state in the export"},
    )


def parse_frr(text: str) -> DeviceConfig:
    host = "FRRouting runs on a Linux host: the host's own policy covers it"
    return DeviceConfig(
        syslog_hosts=["the host's syslog (log syslog)"] if _has(r"^log syslog", text) else [],
        plaintext_management=[],  # vtysh over SSH; the daemons' vty ports are set outside the running config
        password_encryption=_has(r"^service password-encryption", text) or not _has(r"^\s*(?:enable )?password ", text),
        not_exposed={"ntp_servers": f"time sync: {host}", "aaa": f"logins (PAM): {host}",
                     "banner": f"the login banner (sshd's Banner; vtysh's motd is not in the running config): {host}",
                     "snmp_communities": f"SNMP (snmpd via agentx): {host}",
                     "unused_interfaces": "FRRouting lists only the interfaces it configures"},
    )


PARSERS: dict[str, Callable[[str], DeviceConfig]] = {
    "ios": parse_ios, "eos": parse_eos, "junos": parse_junos, "vyos": parse_vyos,
    "fortios": parse_fortios, "routeros": parse_routeros, "frr": parse_frr,
}

_VERSIONS: dict[str, tuple[str, str | None]] = {
    "ios": (r"Cisco IOS.*?Version ([^,\s]+)", r"^cisco (\S+) .*processor"),
    "eos": (r"^Software image version:\s*(\S+)", r"^Arista (\S+)"),
    "junos": (r"^Junos: (\S+)|JUNOS .*?\[(\S+)\]", r"^Model: (\S+)"),
    "vyos": (r"^Version:\s*VyOS (\S+)", r"^Hardware model:\s*(.+?)\s*$"),
    "fortios": (r"^Version: \S+ v([\d.]+)", r"^Version: (\S+) v"),
    "routeros": (r"^\s*version: ([\d.]+)", r"^\s*board-name: (.+?)\s*$"),
    "frr": (r"^FRRouting (\S+)", None),
}


def parse_version(platform: str, text: str) -> DeviceVersion:
    version_re, model_re = _VERSIONS[platform]
    match = re.search(version_re, text, re.MULTILINE)
    version = next((g for g in match.groups() if g), None) if match else None
    model_match = re.search(model_re, text, re.MULTILINE) if model_re else None
    return DeviceVersion(version=version, model=model_match.group(1) if model_match else None)
