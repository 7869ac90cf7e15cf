"""Container set-up for the hardening tests and benchmark: a network namespace the host may harden.

A podman container mounts /proc/sys read-only, so no sysctl can be set inside it, and the
hardening catalog reports its kernel and network parameters as not applicable. A container does
own its network namespace, though. `open_network_sysctls()` bind-mounts the container's own
/proc/sys/net read-write inside its mount namespace (from the host, with nsenter), and the
container runs with CAP_NET_ADMIN (NETWORK_ADMIN_ARGS): the network parameters (net.ipv4.*,
net.ipv6.*) of its namespace can then be hardened and verified, while kernel.*, fs.* and vm.*
(the host's) stay read-only. The facts probe sees exactly this (capabilities.sysctl_net_writable).
"""

from __future__ import annotations

from tests.fleet import fleet as fleet_lib

# Extra `podman run` options: the container may manage its own network namespace (nftables, sysctl).
NETWORK_ADMIN_ARGS: tuple[str, ...] = ("--cap-add=NET_ADMIN",)

_REMOUNT = "mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net"


def open_network_sysctls(name: str) -> None:
    """Make the container's /proc/sys/net writable (its network namespace only)."""
    pid = fleet_lib.podman("inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
    if not pid.isdigit() or pid == "0":
        raise fleet_lib.FleetError(f"{name}: not running (pid {pid!r})")
    fleet_lib.run(["nsenter", f"--target={pid}", "--mount", "--", "sh", "-c", _REMOUNT])
