"""Serial batches and the failure limit of a patch rollout, from the policies of its hosts.

Ansible evaluates a play's `serial` before the play starts, when no host has facts yet. So
playbooks/patch.yml has a first play that resolves every targeted host's policy on the
controller (no host is contacted) and calls `tripod.maintenance.patch_rollout`, which stores
the result as a fact of `localhost`; the patching play reads `serial` and
`max_fail_percentage` from there. This works the same under ansible-playbook, `tripod run`,
AWX and ansible-runner.

A play has one batch size. When the targeted hosts' policies differ, the strictest wins: the
smallest batch (a percentage is turned into a host count the way Ansible does it, against the
number of targeted hosts) and the smallest failure percentage. Run the playbook once per tier
(`--limit tier_srp_server`) to roll each tier with its own settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


def batch_hosts(batch_size: int | str, host_count: int) -> int:
    """A batch size as a host count: `25%` of 10 hosts is 2 (Ansible floors, with at least 1)."""
    if isinstance(batch_size, str) and batch_size.endswith("%"):
        return max(1, int(int(batch_size[:-1]) / 100.0 * host_count))
    return max(1, int(batch_size))


@dataclass(frozen=True)
class Rollout:
    serial: int
    max_fail_percentage: int
    hosts: int
    serial_from: str  # the host whose policy set the batch size
    max_fail_from: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        batches = -(-self.hosts // self.serial) if self.hosts else 0
        return (f"{self.hosts} host(s) in {batches} batch(es) of at most {self.serial} (policy of {self.serial_from}); "
                f"the rollout stops when more than {self.max_fail_percentage}% of a batch fails "
                f"(policy of {self.max_fail_from})")


def rollout(policies: Mapping[str, Mapping[str, Any]]) -> Rollout:
    """The strictest batch size and failure limit among the hosts' effective policies (host -> policy)."""
    if not policies:
        raise ValueError("no hosts to roll out to")
    count = len(policies)
    serial_host = min(policies, key=lambda h: (batch_hosts(policies[h]["patch"]["batch_size"], count), h))
    fail_host = min(policies, key=lambda h: (int(policies[h]["patch"]["max_fail_percentage"]), h))
    return Rollout(
        serial=batch_hosts(policies[serial_host]["patch"]["batch_size"], count),
        max_fail_percentage=int(policies[fail_host]["patch"]["max_fail_percentage"]),
        hosts=count,
        serial_from=serial_host,
        max_fail_from=fail_host,
    )
