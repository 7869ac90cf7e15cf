"""Which hosts of a batch reboot, and in which order, so that no two hosts of one reboot group are down at once.

The role computes this once per batch (run_once, on the controller) from every host's policy
and its facts after the upgrade, then reboots slot by slot: all hosts of slot 0 at once, then
all of slot 1, and so on. Hosts of the same `patch.reboot_group` get consecutive slots; a host
without a group (empty string) is in no group and reboots in slot 0. Batches (serial) run one
after the other, so two batches never reboot at once either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from tripod.patching.schedule import reboot_allowed


@dataclass(frozen=True)
class RebootInput:
    """What the decision needs about one host of the batch."""

    host: str
    policy: Mapping[str, Any]
    facts: Mapping[str, Any]
    active: bool  # the window guard let it patch in this run
    apply: bool  # changes are made (not check mode, patching mode enforce)
    updated: bool  # packages changed in this run
    override: bool = False  # the engineer overrode the window guard


@dataclass
class RebootDecision:
    reboot: bool = False  # reboot now (slot >= 0)
    planned: bool = False  # would reboot (check mode or audit mode)
    needed: bool = False
    reason: str = ""
    deferred: str = ""  # why a needed reboot is not done
    group: str = ""
    slot: int = -1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RebootPlan:
    decisions: dict[str, RebootDecision] = field(default_factory=dict)

    @property
    def slots(self) -> int:
        return max((d.slot for d in self.decisions.values()), default=-1) + 1

    def to_dict(self) -> dict[str, Any]:
        return {"slots": self.slots, "decisions": {host: d.to_dict() for host, d in self.decisions.items()}}


def _needed(item: RebootInput) -> tuple[bool, str]:
    patches = item.facts.get("patches") or {}
    required = bool(patches.get("reboot_required"))
    reasons = "; ".join(patches.get("reboot_reasons") or []) or "reboot required"
    mode = item.policy["patch"]["reboot"]
    if mode == "always" and item.updated:
        return True, "policy reboots after every update" + (f" ({reasons})" if required else "")
    return required, reasons if required else ""


def decide(item: RebootInput, now: datetime | None = None) -> RebootDecision:
    """One host's reboot decision, without its slot."""
    decision = RebootDecision(group=str(item.policy["patch"]["reboot_group"] or ""))
    if not item.active:
        return decision
    decision.needed, decision.reason = _needed(item)
    if not decision.needed:
        return decision
    if item.policy["patch"]["reboot"] == "never":
        decision.deferred = "policy: reboot never"
        return decision
    allowed, why = reboot_allowed(item.policy, now)
    if not allowed and not item.override:
        decision.deferred = why
        return decision
    if item.apply:
        decision.reboot = True
    else:
        decision.planned = True
    return decision


def plan_reboots(batch: Sequence[RebootInput], now: datetime | None = None) -> RebootPlan:
    """Decisions and slots for every host of the batch, in batch order."""
    plan = RebootPlan()
    taken: dict[str, int] = {}
    for item in batch:
        decision = decide(item, now)
        if decision.reboot:
            if decision.group:
                decision.slot = taken.get(decision.group, 0)
                taken[decision.group] = decision.slot + 1
            else:
                decision.slot = 0
        plan.decisions[item.host] = decision
    return plan
