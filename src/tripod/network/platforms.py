"""The network platforms Tripod knows: how to read each one's running configuration and version."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    """One network OS: the CLI commands that read its configuration and version."""

    name: str
    network_os: str  # the FQCN an inventory sets as ansible_network_os
    config_command: str
    version_command: str
    vendor: str


PLATFORMS: dict[str, Platform] = {
    platform.name: platform
    for platform in (
        Platform("ios", "cisco.ios.ios", "show running-config", "show version", "Cisco"),
        Platform("eos", "arista.eos.eos", "show running-config", "show version", "Arista"),
        Platform("junos", "junipernetworks.junos.junos", "show configuration | display set", "show version", "Juniper"),
        Platform("vyos", "vyos.vyos.vyos", "show configuration commands", "show version", "VyOS"),
        Platform("fortios", "fortinet.fortios.fortios", "show full-configuration", "get system status", "Fortinet"),
        Platform("routeros", "community.routeros.routeros", "/export", "/system resource print", "MikroTik"),
        Platform("frr", "tripod.maintenance.frr", "show running-config", "show version", "FRRouting"),
    )
}


def platform_of(network_os: str) -> Platform | None:
    """The platform of an `ansible_network_os` value (FQCN or short name); None when unknown."""
    short = str(network_os or "").rsplit(".", 1)[-1]
    return PLATFORMS.get(short)


def supported() -> list[str]:
    return [platform.network_os for platform in PLATFORMS.values()]
