"""When a host may patch: its maintenance window, on a day its patch schedule names.

The **patch day** is the day the schedule names (every day; a weekday; a day of the month;
Patch Tuesday + N days), in the window's timezone. When the maintenance window does not
open on that day, the patch day moves to the next day on which it opens (a monthly
schedule on the 1st with a Monday-to-Friday window patches on Monday when the 1st is a
Saturday). A patch run may change a host only while a maintenance window that opened on
the patch day is open. A window that crosses midnight belongs to the day it opened.

Everything here is a pure function of the policy and a time, so it is unit tested with
fixed times; `tripod.maintenance.patch_guard` calls it with the current time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tripod.policy.schema import WEEKDAYS
from tripod.policy.window import in_window, next_window_start

# How far to look for the scheduled day before a window's date, and for the next patch window.
_LOOKBACK_DAYS = 62
_MAX_OPENINGS = 400


def patch_tuesday(year: int, month: int) -> date:
    """The second Tuesday of the month (Microsoft's monthly security release)."""
    first = date(year, month, 1)
    first_tuesday = first + timedelta(days=(1 - first.weekday()) % 7)
    return first_tuesday + timedelta(days=7)


def is_scheduled(schedule: Mapping[str, Any], day: date) -> bool:
    """True when `day` is a day the schedule names (before moving to the next window)."""
    kind = schedule["kind"]
    if kind == "daily":
        return True
    if kind == "weekly":
        return day.weekday() == WEEKDAYS.index(schedule["weekday"])
    if kind == "monthly":
        return day.day == int(schedule["monthday"])
    if kind == "patch_tuesday":
        offset = timedelta(days=int(schedule["offset_days"]))
        previous = (day.replace(day=1) - timedelta(days=1))
        return day in (patch_tuesday(day.year, day.month) + offset, patch_tuesday(previous.year, previous.month) + offset)
    raise ValueError(f"patch.schedule.kind: unknown kind {kind!r}")


def _local_date(moment: datetime, window: Mapping[str, Any]) -> date:
    return moment.astimezone(ZoneInfo(window["timezone"])).date()


def _first_opening_on_or_after(window: Mapping[str, Any], day: date) -> datetime:
    midnight = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(window["timezone"]))
    return next_window_start(window, midnight - timedelta(seconds=1))


def is_patch_day(policy: Mapping[str, Any], opening: datetime) -> bool:
    """True when the maintenance window that opened at `opening` falls on a patch day."""
    window, schedule = policy["maintenance_window"], policy["patch"]["schedule"]
    opened_on = _local_date(opening, window)
    for back in range(_LOOKBACK_DAYS):
        day = opened_on - timedelta(days=back)
        if is_scheduled(schedule, day):
            # The patch day is the first day on or after `day` on which the window opens.
            return _local_date(_first_opening_on_or_after(window, day), window) == opened_on
    return False


def current_opening(window: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the maintenance window that is open at `now` opened; None when it is closed."""
    if not in_window(window, now):
        return None
    duration = timedelta(minutes=int(window["duration_minutes"]))
    return next_window_start(window, now - duration)


def next_patch_window(policy: Mapping[str, Any], now: datetime) -> datetime | None:
    """The next maintenance-window opening after `now` that falls on a patch day."""
    window = policy["maintenance_window"]
    moment = now
    for _opening in range(_MAX_OPENINGS):
        moment = next_window_start(window, moment)
        if is_patch_day(policy, moment):
            return moment
    return None


def describe_window(window: Mapping[str, Any]) -> str:
    """`sun 02:00 for 240 min, UTC` (every day when no days are listed)."""
    days = ",".join(window["days"]) or "every day"
    return f"{days} {window['start']} for {window['duration_minutes']} min, {window['timezone']}"


@dataclass(frozen=True)
class WindowDecision:
    """May the host patch now, and if not, why not and when next."""

    allowed: bool
    reason: str  # in_window | outside_window | not_patch_day | disabled
    detail: str
    opened_at: datetime | None = None
    next_window: datetime | None = None


def _utc(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(UTC)


def decide(policy: Mapping[str, Any], now: datetime | None = None) -> WindowDecision:
    """The window guard: patching enabled, maintenance window open, and opened on a patch day."""
    now = _utc(now)
    window = policy["maintenance_window"]
    if not policy["areas"]["patching"]["enabled"]:
        return WindowDecision(False, "disabled", "patching is disabled by policy (areas.patching.enabled: false)")
    opening = current_opening(window, now)
    if opening is None:
        upcoming = next_patch_window(policy, now)
        return WindowDecision(False, "outside_window", f"outside maintenance window ({describe_window(window)})",
                              next_window=upcoming)
    if not is_patch_day(policy, opening):
        upcoming = next_patch_window(policy, now)
        kind = policy["patch"]["schedule"]["kind"].replace("_", " ")
        return WindowDecision(False, "not_patch_day",
                              f"maintenance window open, but not a patch day (schedule: {kind})",
                              opened_at=opening, next_window=upcoming)
    return WindowDecision(True, "in_window", f"inside maintenance window ({describe_window(window)})", opened_at=opening)


def reboot_allowed(policy: Mapping[str, Any], now: datetime | None = None) -> tuple[bool, str]:
    """May a reboot start now? The reboot window, or the maintenance window when none is set."""
    now = _utc(now)
    maintenance = policy["maintenance_window"]
    reboot = policy["patch"]["reboot_window"]
    if not reboot["start"]:
        if in_window(maintenance, now):
            return True, "inside maintenance window"
        return False, f"maintenance window closed ({describe_window(maintenance)})"
    window = {"timezone": maintenance["timezone"], "days": reboot["days"], "start": reboot["start"],
              "duration_minutes": reboot["duration_minutes"]}
    if int(reboot["duration_minutes"]) > 0 and in_window(window, now):
        return True, "inside reboot window"
    return False, f"outside reboot window ({describe_window(window)})"
