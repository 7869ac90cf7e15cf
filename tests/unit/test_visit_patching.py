"""Patching during an engineer's visit and the dry-run preview of the next window (result side)."""

from __future__ import annotations

from datetime import UTC, datetime

from tripod.models import Finding
from tripod.patching import outcome
from tripod.patching.result import HostRun, build
from tripod.policy import tier_policy

NOW = datetime(2026, 11, 28, 0, 10, tzinfo=UTC)
POLICY = tier_policy("tier_scheduled_support")
PLAN = {"manager": "apt", "install": ["libssl3", "openssl"], "hold": [], "excluded": [],
        "updates": [{"name": "libssl3", "origin": "bookworm-security/main"},
                    {"name": "openssl", "origin": "bookworm-security/main"}], "held_already": []}
FACTS = {"capacity": {"filesystems": []}, "services": {"failed": [], "watched": {}},
         "patches": {"reboot_required": False}, "errors": []}
NO_REBOOT = {"reboot": False}


def run(guard: dict, plan: dict = PLAN) -> HostRun:
    return HostRun(policy=POLICY, guard={"started_at": "2026-11-28T00:08:40Z", **guard}, plan=plan, facts=FACTS,
                   versions_before="", versions_after="", reboot=NO_REBOOT)


def test_a_dry_run_outside_the_window_plans_the_next_window_with_packages_and_count():
    guard = {"allowed": True, "apply": False, "preview": True, "next_window": "2026-12-01T02:00:00Z"}
    result = build(run(guard), NOW)
    first = result.findings[0]
    Finding.from_dict(first)
    assert result.outcome == outcome.PLANNED
    assert first["status"] == "not_assessed", "a plan for later is not a pass today"
    assert "at the next patch window (2026-12-01T02:00:00Z)" in first["evidence"]
    assert "2 package(s) to update: libssl3, openssl" in first["evidence"]
    assert not any(action["changed"] for action in result.actions)


def test_an_empty_preview_is_still_a_plan_not_a_pass():
    guard = {"allowed": True, "apply": False, "preview": True, "next_window": None}
    result = build(run(guard, {**PLAN, "install": [], "updates": []}), NOW)
    assert result.outcome == outcome.PLANNED and result.findings[0]["status"] == "not_assessed"
    assert "none scheduled" in result.findings[0]["evidence"]


def test_without_the_preview_an_empty_dry_run_is_nothing_to_do():
    guard = {"allowed": True, "apply": False}
    assert build(run(guard, {**PLAN, "install": [], "updates": []}), NOW).outcome == outcome.NOTHING_TO_DO


def test_a_visit_says_so_in_the_outcome_not_as_an_override():
    guard = {"allowed": True, "apply": False, "visit": True}
    evidence = build(run(guard), NOW).findings[0]["evidence"]
    assert "engineer's visit" in evidence and "overridden" not in evidence
