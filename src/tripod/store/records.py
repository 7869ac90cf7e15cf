"""The plain records the evidence store takes and gives back."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tripod.models import Action, Finding

HOST_STATUSES: tuple[str, ...] = ("ok", "changed", "failed", "unreachable", "skipped")
#: `aborted`: interrupted, killed, or its controller process gone (tripod.store.runstate).
RUN_STATUSES: tuple[str, ...] = ("running", "ok", "failed", "aborted")
COUNT_KEYS: tuple[str, ...] = ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored")

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[str, str]:
    """`YYYY-MM` -> (first instant of the month, first instant of the next), as UTC text."""
    match = _MONTH.match(month)
    if not match:
        raise ValueError(f"month: {month!r} is not YYYY-MM")
    year, number = int(match.group(1)), int(match.group(2))
    following = f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"
    return f"{month}-01T00:00:00Z", f"{following}-01T00:00:00Z"


def add_months(month: str, delta: int) -> str:
    """`YYYY-MM` shifted by `delta` months."""
    month_bounds(month)
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def host_status(counts: Mapping[str, int]) -> str:
    """A host's final status from Ansible's per-host stats (`AggregateStats.summarize`).

    The one rule, used by the evidence recorder and by the CLI's run table
    (tripod.runner.HostOutcome.status): a host whose every task was skipped, or that ran
    none, is `skipped`, never `ok`."""
    if counts.get("unreachable", 0):
        return "unreachable"
    if counts.get("failures", 0):
        return "failed"
    if counts.get("changed", 0):
        return "changed"
    if counts.get("ok", 0):
        return "ok"
    return "skipped"


@dataclass
class HostResult:
    """Everything one host produced in one run (or one play of it): written in one transaction."""

    host: str
    status: str
    client: str | None = None
    tier: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    message: str | None = None
    finished_at: str | None = None
    #: ansible_facts.tripod_compliance snapshots, oldest first (usually one).
    facts: Sequence[Mapping[str, Any]] = field(default_factory=list)
    findings: Sequence[Finding] = field(default_factory=list)
    actions: Sequence[Action] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("host: is required")
        if self.status not in HOST_STATUSES:
            raise ValueError(f"status: {self.status!r} is not one of {', '.join(HOST_STATUSES)}")
        unknown = set(self.counts) - set(COUNT_KEYS)
        if unknown:
            raise ValueError(f"counts: unknown key {sorted(unknown)[0]!r} (allowed: {', '.join(COUNT_KEYS)})")


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    playbook: str | None
    inventory: list[str]
    clients: list[str]
    check_mode: bool
    started_at: str
    ended_at: str | None
    status: str


@dataclass(frozen=True)
class HostRun:
    """One host's row of one run."""

    run_id: str
    host: str
    client: str | None
    tier: str | None
    status: str
    counts: dict[str, int]
    message: str | None
    finished_at: str


@dataclass(frozen=True)
class FactSnapshot:
    run_id: str
    host: str
    client: str | None
    collected_at: str
    facts: dict[str, Any]


@dataclass(frozen=True)
class MonthlySummary:
    """A host's month in one area: the latest result of each check, counted by status."""

    client: str
    host: str
    month: str
    area: str
    counts: dict[str, int]
    score: float | None
    findings: int
    actions: int
    actions_changed: int
    bytes_reclaimed: int
    rolled_up: bool  # True: from monthly_summaries (raw rows pruned); False: computed live


@dataclass(frozen=True)
class PruneResult:
    cutoff: str
    months: list[str]
    fact_snapshots: int
    findings: int
    actions: int
