"""Maintenance windows: weekly or daily, in the host's own timezone, possibly crossing midnight.

A window opens at `start` (local time) on each of `days` (every day when empty) and
stays open for `duration_minutes`. Durations are real elapsed time, so a window that
spans a DST change still lasts exactly as long as configured.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from tripod.policy.schema import WEEKDAYS


def _openings(window: Mapping[str, Any], around: datetime, days_back: int, days_ahead: int):
    """Yield (opens, closes) as aware UTC datetimes for openings near `around`."""
    tz = ZoneInfo(window["timezone"])
    hour, minute = (int(part) for part in window["start"].split(":"))
    allowed = {WEEKDAYS.index(day) for day in window["days"]} or set(range(7))
    duration = timedelta(minutes=int(window["duration_minutes"]))
    local_today = around.astimezone(tz).date()
    for offset in range(-days_back, days_ahead + 1):
        day = local_today + timedelta(days=offset)
        if day.weekday() not in allowed:
            continue
        opens = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(timezone.utc)
        yield opens, opens + duration


def _as_utc(now: datetime | None) -> datetime:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def in_window(window: Mapping[str, Any], now: datetime | None = None) -> bool:
    """True when `now` (aware; default: the current time) falls inside the window."""
    now = _as_utc(now)
    return any(opens <= now < closes for opens, closes in _openings(window, now, days_back=8, days_ahead=0))


def next_window_start(window: Mapping[str, Any], now: datetime | None = None) -> datetime:
    """The next opening strictly after `now`, in UTC."""
    now = _as_utc(now)
    return min(opens for opens, _closes in _openings(window, now, days_back=0, days_ahead=8) if opens > now)
