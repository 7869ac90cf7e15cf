"""The patch window: maintenance window in the host's timezone, on a patch day of the schedule."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest

from tripod.patching.schedule import (
    decide,
    is_patch_day,
    is_scheduled,
    next_patch_window,
    patch_tuesday,
    reboot_allowed,
)
from tripod.policy import tier_policy


def policy(tier: str = "tier_srp_server", **changes: dict) -> dict:
    result = copy.deepcopy(tier_policy(tier))
    for section, values in changes.items():
        result[section].update(values)
    return result


@pytest.mark.parametrize(("year", "month", "expected"), [
    (2026, 11, date(2026, 11, 10)),  # the 1st is a Sunday
    (2026, 12, date(2026, 12, 8)),  # the 1st is a Tuesday: second Tuesday is the 8th
    (2027, 2, date(2027, 2, 9)),
])
def test_patch_tuesday_is_the_second_tuesday(year, month, expected):
    assert patch_tuesday(year, month) == expected


def test_patch_tuesday_plus_offset_may_fall_in_the_next_month():
    schedule = {"kind": "patch_tuesday", "offset_days": 27, "weekday": "sun", "monthday": 1}
    assert is_scheduled(schedule, date(2026, 12, 7))  # 10 Nov + 27 days
    assert not is_scheduled(schedule, date(2026, 12, 6))


def test_srp_server_patches_on_the_sunday_after_patch_tuesday():
    # Tier default: Patch Tuesday + 5 days, window Sunday 02:00 for 4 hours, UTC.
    server = policy()
    inside = decide(server, datetime(2026, 11, 15, 3, 0, tzinfo=UTC))
    assert inside.allowed and inside.reason == "in_window"
    not_patch_day = decide(server, datetime(2026, 11, 22, 3, 0, tzinfo=UTC))
    assert (not_patch_day.allowed, not_patch_day.reason) == (False, "not_patch_day")
    assert not_patch_day.next_window == datetime(2026, 12, 13, 2, 0, tzinfo=UTC)
    outside = decide(server, datetime(2026, 11, 15, 6, 0, tzinfo=UTC))
    assert (outside.allowed, outside.reason) == (False, "outside_window")
    assert "outside maintenance window (sun 02:00 for 240 min, UTC)" in outside.detail


def test_window_crossing_midnight_belongs_to_the_day_it_opened_in_the_hosts_timezone():
    # Fridays 22:00 for 4 hours in New York: Saturday 01:30 local is still Friday's window.
    friday = policy(maintenance_window={"timezone": "America/New_York", "days": ["fri"], "start": "22:00",
                                        "duration_minutes": 240})
    friday["patch"]["schedule"] = {"kind": "weekly", "weekday": "fri", "monthday": 1, "offset_days": 0}
    saturday_0130_local = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
    assert decide(friday, saturday_0130_local).allowed
    assert not decide(friday, datetime(2026, 11, 28, 7, 30, tzinfo=UTC)).allowed  # 02:30 local: closed


def test_a_scheduled_day_without_a_window_moves_to_the_next_day_the_window_opens():
    # Monthly on the 1st, window Monday to Friday: 1 Nov 2026 is a Sunday, so Monday the 2nd.
    scheduled = policy("tier_scheduled_support")
    assert is_patch_day(scheduled, datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    assert not is_patch_day(scheduled, datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    assert decide(scheduled, datetime(2026, 11, 2, 10, 0, tzinfo=UTC)).allowed
    assert next_patch_window(scheduled, datetime(2026, 11, 3, 10, 0, tzinfo=UTC)) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_daily_schedule_and_always_open_window():
    always = policy("tier_srp_workstation", maintenance_window={"days": [], "start": "00:00", "duration_minutes": 1440})
    for hour in (0, 11, 23):
        assert decide(always, datetime(2026, 11, 27, hour, 59, tzinfo=UTC)).allowed


def test_disabled_patching_is_skipped_whatever_the_window():
    disabled = policy(areas={"patching": {"enabled": False, "mode": "enforce", "cadence": "weekly"}})
    decision = decide(disabled, datetime(2026, 11, 15, 3, 0, tzinfo=UTC))
    assert (decision.allowed, decision.reason) == (False, "disabled")


def test_reboots_follow_the_maintenance_window_unless_a_reboot_window_is_set():
    server = policy()
    assert reboot_allowed(server, datetime(2026, 11, 15, 3, 0, tzinfo=UTC)) == (True, "inside maintenance window")
    assert not reboot_allowed(server, datetime(2026, 11, 15, 7, 0, tzinfo=UTC))[0]
    server["patch"]["reboot_window"] = {"days": ["sun"], "start": "04:00", "duration_minutes": 60}
    assert not reboot_allowed(server, datetime(2026, 11, 15, 3, 0, tzinfo=UTC))[0]
    allowed, why = reboot_allowed(server, datetime(2026, 11, 15, 4, 30, tzinfo=UTC))
    assert (allowed, why) == (True, "inside reboot window")


def test_the_guard_needs_an_aware_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(policy(), datetime(2026, 11, 15, 3, 0))
