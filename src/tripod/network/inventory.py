"""Inventory rules for network devices, checked by `tripod validate` and before every run.

A network device is a host of the `network_devices` group, in the tier `tier_network` (its own
policy: cadence, backup retention, checks), with `ansible_network_os` naming a supported
platform. The Linux and Windows areas never run on it: it is in neither the `linux` nor the
`windows` group, and its policy enables none of their areas.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

from tripod.network.platforms import platform_of, supported
from tripod.policy.origin import ansible_origin
from tripod.policy.resolve import Problem, Resolution

GROUP = "network_devices"
TIER = "tier_network"
#: Inventory variables the rules read (besides the policy layers and the client).
NETWORK_VARS: tuple[str, ...] = ("ansible_network_os",)
HOST_OS_GROUPS = ("linux", "windows")


class _Host(Protocol):
    name: str
    groups: list[str]
    vars: dict[str, Any]
    origin: str | None


def network_problems(hosts: Sequence[_Host], resolutions: Sequence[Resolution], notes: list[str]) -> list[Problem]:
    """One problem per broken rule, naming the file and the key; a note naming the network devices."""
    policies = {resolution.host: resolution.policy for resolution in resolutions}
    problems: list[Problem] = []
    devices = []
    for host in hosts:
        in_group, in_tier = GROUP in host.groups, TIER in host.groups
        if in_tier and not in_group:
            problems.append(Problem(host.name, "tier", f"{TIER} is the tier of network devices: add the host to the "
                                                       f"{GROUP} group, or put it in another tier", host.origin))
        if not in_group:
            continue
        devices.append(host.name)
        network_os = host.vars.get("ansible_network_os")
        if not network_os:
            problems.append(Problem(host.name, "ansible_network_os", f"must be set for a host of {GROUP}; one of: "
                                                                     f"{', '.join(supported())}", host.origin))
        elif platform_of(str(network_os)) is None:
            problems.append(Problem(host.name, "ansible_network_os", f"'{network_os}' is not a supported network "
                                                                     f"platform; one of: {', '.join(supported())}",
                                    ansible_origin(network_os) or host.origin))
        if not in_tier and any(group.startswith("tier_") for group in host.groups):
            problems.append(Problem(host.name, "tier", f"a host of {GROUP} must be in {TIER} (the network policy: "
                                                       "backup, drift, checks), not in a server or workstation tier",
                                    host.origin))
        for group in HOST_OS_GROUPS:
            if group in host.groups:
                problems.append(Problem(host.name, "groups", f"a network device cannot also be in '{group}': the "
                                                             "Linux and Windows areas never run on it", host.origin))
        policy = policies.get(host.name)
        if policy:
            for area, settings in policy["areas"].items():
                if settings.get("enabled"):
                    problems.append(Problem(host.name, f"areas.{area}.enabled", "must be false on a network device: "
                                            f"{area.replace('_', ' ')} is a Linux/Windows area and never runs on it"))
    if devices:
        notes.append(f"{len(devices)} network device(s) ({', '.join(devices[:5])}{', ...' if len(devices) > 5 else ''}):"
                     " only playbooks/network.yml runs on them (backup, drift, checks); the Linux and Windows areas "
                     "never do")
    return problems
