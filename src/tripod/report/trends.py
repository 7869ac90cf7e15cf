"""Trends from a host's fact history: days until a filesystem is full, and how long security
updates have been waiting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tripod.report.gather import Sample
from tripod.report.period import parse_time

#: A projection needs at least this much history between its first and last point.
MIN_SPAN_DAYS = 1.0


@dataclass(frozen=True)
class Projection:
    """A least-squares line through (time, used bytes): growth per day and days until full."""

    points: int
    span_days: float
    growth_bytes_per_day: float | None
    days_to_full: int | None  # None: not growing, or not enough history

    @property
    def note(self) -> str | None:
        """Why there is no projection: `too little history` or `not growing`; None when there is one."""
        if self.days_to_full is not None:
            return None
        return "too little history" if self.growth_bytes_per_day is None else "not growing"


def days_to_full(history: Sequence[Sample], mount: str, free_bytes: int | None) -> Projection:
    """Project when `mount` fills: fit used bytes over time, then free bytes / growth per day.

    Points are the mount's used bytes in each snapshot of `history`. With fewer than two
    points, under MIN_SPAN_DAYS of history, or no growth, there is no projection.
    """
    points = [(s.day, s.filesystems[mount].used_bytes) for s in history if mount in s.filesystems]
    if len(points) < 2:
        return Projection(len(points), 0.0, None, None)
    span = points[-1][0] - points[0][0]
    if span < MIN_SPAN_DAYS:
        return Projection(len(points), round(span, 2), None, None)
    mean_x = sum(x for x, _y in points) / len(points)
    mean_y = sum(y for _x, y in points) / len(points)
    denominator = sum((x - mean_x) ** 2 for x, _y in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / denominator
    if slope <= 0 or free_bytes is None:
        return Projection(len(points), round(span, 2), round(slope, 1), None)  # free space unknown: no projection
    return Projection(len(points), round(span, 2), round(slope, 1), int(free_bytes / slope))


@dataclass(frozen=True)
class PendingAge:
    name: str
    first_seen: str
    age_days: int
    at_least: bool  # pending since before the history the report reads


def pending_ages(history: Sequence[Sample], recorded: Mapping[str, str] | None = None) -> list[PendingAge]:
    """For each security update pending in the latest sample: since when it has been pending
    without a break (walking back over the samples), oldest first.

    `recorded`: first-seen times the facts themselves carry (`patches.pending[].first_seen`, as
    the patching role records them from the whole history); an earlier one wins."""
    if not history or history[-1].pending_security is None:
        return []
    latest = history[-1]
    pending = latest.pending_security or frozenset()
    now = parse_time(latest.collected_at)
    ages = []
    for name in sorted(pending):
        first = latest.collected_at
        reached_start = True
        for sample in reversed(history[:-1]):
            if sample.pending_security is None:
                continue  # not assessed that time: no evidence either way
            if name not in sample.pending_security:
                reached_start = False
                break
            first = sample.collected_at
        known = (recorded or {}).get(name)
        if known and known < first:
            first, reached_start = known, False
        ages.append(PendingAge(name, first, (now - parse_time(first)).days, reached_start))
    return sorted(ages, key=lambda a: (-a.age_days, a.name))
