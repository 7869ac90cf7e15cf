"""Policy merging and every validation failure, each asserting its message."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tripod.policy import deep_merge, in_window, next_window_start, resolve_host, tier_policy
from tripod.policy.schema import SCHEMA, check


def resolve(groups, **layers):
    host_vars = {"tripod_client": "acme", **layers}
    return resolve_host("web01", groups, host_vars)


def test_deep_merge_merges_mappings_and_replaces_everything_else():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    merged = deep_merge(base, {"a": {"c": [3]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}, "the base is never modified"


def test_every_tier_default_is_complete_and_valid():
    for tier in ("tier_scheduled_support", "tier_srp_server", "tier_srp_workstation"):
        assert check(tier_policy(tier), SCHEMA, require_all=True) == [], tier


def test_tiers_differ_as_the_service_model_says():
    server, workstation, scheduled = (tier_policy(t) for t in ("tier_srp_server", "tier_srp_workstation", "tier_scheduled_support"))
    assert server["patch"]["classes"] == "security" and server["patch"]["approval"] == "automatic"
    assert server["report"]["engineer_review"] is True
    assert workstation["alerts"]["service_desk_tier"] == 1
    assert server["alerts"]["service_desk_tier"] == 2
    assert scheduled["areas"]["patching"]["cadence"] == "on_visit"
    assert scheduled["patch"]["approval"] == "approved_only"


def test_layers_merge_in_order_client_group_host():
    result = resolve(
        ["tier_srp_server"],
        tripod_client_policy={"health": {"disk_warning_percent": 70}, "patch": {"exclude": ["a"]}},
        tripod_group_policy={"health": {"disk_warning_percent": 75}, "patch": {"exclude": ["b"]}},
        tripod_host_policy={"patch": {"exclude": ["c"]}},
    )
    assert result.ok, result.problems
    assert result.tier == "tier_srp_server" and result.client == "acme"
    assert result.policy["health"]["disk_warning_percent"] == 75, "group beats client"
    assert result.policy["patch"]["exclude"] == ["c"], "host beats group; lists replace"
    assert result.policy["health"]["disk_critical_percent"] == 90, "untouched keys keep the tier default"


def test_host_in_no_tier_is_an_error():
    result = resolve(["linux"])
    assert not result.ok
    assert [str(p) for p in result.problems] == [
        "host web01: tier: the host is in no tier group; add it to exactly one of: "
        "tier_scheduled_support, tier_srp_server, tier_srp_workstation, tier_network"
    ]


def test_host_in_two_tiers_is_an_error():
    result = resolve(["tier_srp_server", "tier_srp_workstation"])
    assert [str(p) for p in result.problems] == [
        "host web01: tier: the host is in 2 tier groups (tier_srp_server, tier_srp_workstation); it must be in exactly one"
    ]


def test_missing_client_is_an_error():
    result = resolve_host("web01", ["tier_srp_server"], {})
    assert [p.key for p in result.problems] == ["tripod_client"]
    assert "client's name" in result.problems[0].message


def test_misspelled_key_suggests_the_right_one():
    result = resolve(["tier_srp_server"], tripod_client_policy={"maintenance_window": {"strat": "02:00"}})
    assert [(p.key, p.message) for p in result.problems] == [
        ("tripod_client_policy.maintenance_window.strat", "unknown key; did you mean 'start'?")
    ]


def test_unknown_key_lists_the_known_ones():
    result = resolve(["tier_srp_server"], tripod_host_policy={"colour": "blue"})
    problem = result.problems[0]
    assert problem.key == "tripod_host_policy.colour"
    assert problem.message.startswith("unknown key; known keys: alerts, areas, ")
    assert "hardening, health" in problem.message


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ({"patch": {"retries": "three"}}, ("tripod_group_policy.patch.retries", "must be an integer, got string 'three'")),
        ({"patch": {"reboot": "sometimes"}}, ("tripod_group_policy.patch.reboot", "'sometimes' is not one of: never, if_required, always")),
        ({"report": {"monthly": "yes"}}, ("tripod_group_policy.report.monthly", "must be a boolean, got string 'yes'")),
        ({"health": {"disk_warning_percent": True}}, ("tripod_group_policy.health.disk_warning_percent", "must be an integer or number, got boolean True")),
        ({"health": {"disk_critical_percent": 120}}, ("tripod_group_policy.health.disk_critical_percent", "120 is above the maximum 100")),
        ({"patch": {"batch_size": "lots"}}, ("tripod_group_policy.patch.batch_size", "'lots' must be a host count or a percentage like '25%'")),
        ({"patch": {"exclude": "openssl"}}, ("tripod_group_policy.patch.exclude", "must be a list, got string 'openssl'")),
        ({"patch": {"exclude": ["ok", 5]}}, ("tripod_group_policy.patch.exclude[1]", "must be a string, got integer 5")),
        ({"health": {"certificate_paths": ["certs"]}}, ("tripod_group_policy.health.certificate_paths[0]", "'certs' is not an absolute path")),
        ({"areas": {"hardening": {"mode": "fix"}}}, ("tripod_group_policy.areas.hardening.mode", "'fix' is not one of: audit, enforce")),
        ({"patch": "security"}, ("tripod_group_policy.patch", "must be a mapping, got string")),
    ],
)
def test_wrong_types_and_values_name_the_key(layer, expected):
    result = resolve(["tier_srp_server"], tripod_group_policy=layer)
    assert [(p.key, p.message) for p in result.problems] == [expected]


def test_a_layer_that_is_not_a_mapping():
    result = resolve(["tier_srp_server"], tripod_client_policy=["patch"])
    assert [(p.key, p.message) for p in result.problems] == [("tripod_client_policy", "must be a mapping, got list")]


@pytest.mark.parametrize(
    ("window", "key", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "'Mars/Olympus' is not a known IANA timezone (for example Europe/Berlin or UTC)"),
        ({"start": "25:00"}, "start", "'25:00' is not a time of day HH:MM (00:00-23:59)"),
        ({"start": "2am"}, "start", "'2am' is not a time of day HH:MM (00:00-23:59)"),
        ({"days": ["sunday"]}, "days[0]", "'sunday' is not one of: mon, tue, wed, thu, fri, sat, sun"),
        ({"duration_minutes": 0}, "duration_minutes", "0 is below the minimum 1"),
    ],
)
def test_invalid_window_or_timezone(window, key, message):
    result = resolve(["tier_srp_server"], tripod_host_policy={"maintenance_window": window})
    assert [(p.key, p.message) for p in result.problems] == [(f"tripod_host_policy.maintenance_window.{key}", message)]


def test_problems_from_several_layers_are_all_reported():
    result = resolve(
        ["tier_srp_server"],
        tripod_client_policy={"patch": {"reboot": "maybe"}},
        tripod_host_policy={"health": {"uptime_max_days": "long"}},
    )
    assert [p.key for p in result.problems] == ["tripod_client_policy.patch.reboot", "tripod_host_policy.health.uptime_max_days"]


def test_warning_must_be_below_critical():
    result = resolve(["tier_srp_server"], tripod_host_policy={"health": {"disk_warning_percent": 95}})
    assert [(p.key, p.message) for p in result.problems] == [
        ("health.disk_warning_percent", "95 must be below disk_critical_percent (90)")
    ]


def test_problem_names_the_file_when_known():
    origins = {}

    class Tagged(dict):
        pass

    layer = Tagged({"patch": {"reboot": "maybe"}})
    origins[id(layer["patch"])] = "group_vars/all.yml:4"
    result = resolve_host("web01", ["tier_srp_server"], {"tripod_client": "acme", "tripod_client_policy": layer},
                          lambda value: origins.get(id(value)))
    assert str(result.problems[0]) == (
        "group_vars/all.yml:4: host web01: tripod_client_policy.patch.reboot: 'maybe' is not one of: never, if_required, always"
    )


BERLIN_SAT_NIGHT = {"timezone": "Europe/Berlin", "days": ["sat"], "start": "22:00", "duration_minutes": 360}


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        ("2026-11-28T20:59:00", False),  # Sat 21:59 Berlin (UTC+1)
        ("2026-11-28T21:00:00", True),  # Sat 22:00 Berlin: opens
        ("2026-11-29T01:30:00", True),  # Sun 02:30 Berlin: past midnight, still open
        ("2026-11-29T03:00:00", False),  # Sun 04:00 Berlin: closed
        ("2026-11-27T21:30:00", False),  # Fri 22:30 Berlin: wrong day
        ("2026-07-04T20:30:00", True),  # Sat 22:30 Berlin in summer (UTC+2)
    ],
)
def test_weekly_window_crossing_midnight_in_the_hosts_timezone(utc, inside):
    now = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    assert in_window(BERLIN_SAT_NIGHT, now) is inside


def test_daily_window_and_next_opening():
    daily = {"timezone": "America/New_York", "days": [], "start": "23:00", "duration_minutes": 120}
    assert in_window(daily, datetime(2026, 11, 27, 4, 30, tzinfo=timezone.utc))  # 23:30 New York
    assert not in_window(daily, datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc))  # 01:00, closed
    assert next_window_start(daily, datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc)) == datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)


def test_window_needs_an_aware_time():
    with pytest.raises(ValueError):
        in_window(BERLIN_SAT_NIGHT, datetime(2026, 11, 28, 22, 0))


def test_policy_reference_is_current():
    from pathlib import Path

    from tripod.policy.docs import render_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "policy.md"
    assert doc.read_text() == render_markdown(), "regenerate: python -m tripod.policy.docs > docs/policy.md"


def test_old_area_name_health_check_is_read_as_health_with_a_warning():
    result = resolve(["tier_srp_server"], tripod_client_policy={"areas": {"health_check": {"enabled": False}}})
    assert result.ok, result.problems
    assert result.policy["areas"]["health"]["enabled"] is False
    assert "health_check" not in result.policy["areas"]
    assert result.warnings == ["tripod_client_policy.areas.health_check: renamed areas.health (the area's name in "
                               "findings and reports); the old name is still read, rename it"]


def test_old_and_new_area_name_together_is_a_problem():
    result = resolve(["tier_srp_server"], tripod_group_policy={
        "areas": {"health_check": {"enabled": False}, "health": {"enabled": True}}})
    assert [p.key for p in result.problems] == ["tripod_group_policy.areas.health_check"]


def test_policy_areas_are_named_as_in_findings():
    from tripod.checks import CHECKS

    areas = set(tier_policy("tier_srp_server")["areas"])
    assert {"health", "patching", "hardening"} <= areas and set(CHECKS) <= areas | {"housekeeping"}
