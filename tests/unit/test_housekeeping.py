"""Housekeeping on the controller: the journal vacuum estimate, the plan, and the actions recorded
from the steps' results (Linux, and Windows from hand-written results: no Windows host here)."""

from __future__ import annotations

import copy

import pytest

from tripod.housekeeping.actions import linux_actions, windows_actions
from tripod.housekeeping.journal import freed_by_vacuum, vacuum_command, vacuum_estimate
from tripod.housekeeping.plan import build_plan
from tripod.housekeeping.sizes import human_size, parse_size
from tripod.models import Action
from tripod.policy import tier_policy
from tripod.policy.schema import check

MIB = 1024 * 1024
DAY = 86400
NOW = 1_800_000_000.0
POLICY = tier_policy("tier_srp_server")["housekeeping"]

# Recorded on the fleet's Debian 12 container: `journalctl --vacuum-size=1M --vacuum-time=1s`
# after two rotations (journalctl writes this to stderr).
VACUUM_OUTPUT_12 = """\
Vacuuming done, freed 0B of archived journals from /run/log/journal.
Vacuuming done, freed 0B of archived journals from /var/log/journal.
Deleted archived journal /var/log/journal/caaf1b6e/system@b2701ef2-0000000000000001-0006614ac859a861.journal (3.6M).
Deleted archived journal /var/log/journal/caaf1b6e/system@b2701ef2-0000000000000037-0006614acb1fc989.journal (3.5M).
Deleted archived journal /var/log/journal/caaf1b6e/system@b2701ef2-0000000000000039-0006614acb230035.journal (3.5M).
Vacuuming done, freed 10.7M of archived journals from /var/log/journal/caaf1b6e.
"""


def journal_dir(path: str, *files: tuple[str, int, bool, float]) -> dict:
    return {"path": path, "files": [{"name": n, "bytes": b, "archived": a, "realtime": t} for n, b, a, t in files]}


# -- sizes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [("0B", 0), ("512", 512), ("8M", 8 * MIB), ("10.7M", int(10.7 * MIB)),
                                            ("1.5G", int(1.5 * 1024 * MIB)), ("3.5 MiB", int(3.5 * MIB))])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


def test_parse_size_rejects_garbage():
    with pytest.raises(ValueError, match="is not a size"):
        parse_size("lots")


def test_human_size():
    assert (human_size(None), human_size(0), human_size(200 * MIB), human_size(3 * 1024 * MIB)) == \
        ("unknown size", "0 B", "200.0 MiB", "3.0 GiB")


# -- journal --------------------------------------------------------------------------------

def test_freed_by_vacuum_sums_every_directory():
    assert freed_by_vacuum(VACUUM_OUTPUT_12) == parse_size("10.7M")
    assert freed_by_vacuum("Vacuuming done, freed 0B of archived journals from /var/log/journal.\n") == 0
    assert freed_by_vacuum("") == 0


def test_vacuum_command():
    assert vacuum_command(500, 30) == ["journalctl", "--vacuum-size=500M", "--vacuum-time=30d"]
    assert vacuum_command(0, 30) == ["journalctl", "--vacuum-time=30d"]


def test_vacuum_by_size_takes_the_oldest_archived_files_and_counts_the_active_one():
    directory = journal_dir("/var/log/journal/m",
                            ("system.journal", 8 * MIB, False, NOW),
                            ("system@a-1-1.journal", 4 * MIB, True, NOW - 3 * DAY),
                            ("system@a-2-2.journal", 4 * MIB, True, NOW - 2 * DAY),
                            ("system@a-3-3.journal", 4 * MIB, True, NOW - 1 * DAY))
    # 20 MiB used; limit 13 MiB: the two oldest go (20 -> 16 -> 12).
    assert vacuum_estimate([directory], 13 * MIB, 0, NOW) == 8 * MIB
    # A limit below the active file removes every archived file, never the active one.
    assert vacuum_estimate([directory], 1 * MIB, 0, NOW) == 12 * MIB
    assert vacuum_estimate([directory], 20 * MIB, 0, NOW) == 0


def test_vacuum_by_age_stops_at_the_first_file_within_both_limits():
    directory = journal_dir("/var/log/journal/m",
                            ("system@a-1-1.journal", 2 * MIB, True, NOW - 100 * DAY),
                            ("system@a-2-2.journal", 2 * MIB, True, NOW - 10 * DAY),
                            ("user-1000@a-3-3.journal", 2 * MIB, True, NOW - 95 * DAY))
    # Sorted by first entry: 100 d, 95 d (both older than 90 d), then 10 d stops the vacuum.
    assert vacuum_estimate([directory], 1024 * MIB, 90, NOW) == 4 * MIB
    assert vacuum_estimate([directory], 0, 0, NOW) == 0


def test_vacuum_is_per_directory():
    small = journal_dir("/run/log/journal/m", ("system@a-1-1.journal", 2 * MIB, True, NOW))
    big = journal_dir("/var/log/journal/m", ("system.journal", 8 * MIB, False, NOW),
                      ("system@a-1-1.journal", 8 * MIB, True, NOW))
    assert vacuum_estimate([small, big], 10 * MIB, 0, NOW) == 8 * MIB


# -- plan -----------------------------------------------------------------------------------

SURVEY = {  # housekeeping_facts on a container (no kernel packages), with something to do
    "package_manager": "apt",
    "package_cache": {"paths": ["/var/cache/apt/archives", "/var/cache/apt/archives/partial"], "files": 3,
                      "bytes": 42 * MIB},
    "autoremove": {"packages": [{"name": "iproute2", "bytes": 3 * MIB}], "bytes": 3 * MIB},
    "kernels": {"running": "6.18.44-fc-v657", "installed": []},
    "journal": {"directories": [journal_dir("/var/log/journal/m", ("system.journal", 8 * MIB, False, NOW),
                                            ("system@a-1-1.journal", 4 * MIB, True, NOW - 200 * DAY))],
                "bytes": 12 * MIB},
    "errors": [],
}
NO_KERNELS = {"remove": [], "remove_releases": [], "keep_releases": [], "bytes": 0, "reason": "none installed"}


def test_plan_selects_the_steps_with_something_to_reclaim():
    plan = build_plan(SURVEY, POLICY, NO_KERNELS, ["/var/lib/systemd/coredump", "/var/crash"], NOW)
    assert [(e["path"], e["max_age_days"], e["label"]) for e in plan["clean_paths"]] == [
        ("/tmp", 10, "old files"), ("/var/tmp", 30, "old files"), ("/var/log", 90, "old files"),
        ("/var/lib/systemd/coredump", 14, "core dumps"), ("/var/crash", 14, "core dumps")]
    assert plan["clean_paths"][0]["patterns"] == ["*"]
    assert "*.gz" in plan["clean_paths"][2]["patterns"]
    assert plan["package_cache"] == {"run": True, "command": ["apt-get", "clean"], "files": 3, "bytes": 42 * MIB}
    assert plan["autoremove"] == {"run": True, "packages": ["iproute2"], "bytes": 3 * MIB}
    assert plan["kernels"]["run"] is False
    assert plan["journal"]["run"] and plan["journal"]["bytes"] == 4 * MIB  # older than 90 days
    assert plan["journal"]["command"] == ["journalctl", "--vacuum-size=1024M", "--vacuum-time=90d"]
    assert plan["summary"] == ("clean 5 path(s); package cache 42.0 MiB; autoremove 1 package(s) (3.0 MiB); "
                               "vacuum the journal (~4.0 MiB)")


def test_plan_on_a_clean_host_selects_nothing_but_the_file_scan():
    survey = copy.deepcopy(SURVEY)
    survey["package_cache"].update(files=0, bytes=0)
    survey["autoremove"] = {"packages": [], "bytes": 0}
    survey["journal"]["directories"][0]["files"].pop()
    plan = build_plan(survey, POLICY, NO_KERNELS, [], NOW)
    assert not any(plan[step]["run"] for step in ("package_cache", "autoremove", "kernels", "journal"))
    assert plan["summary"] == "clean 3 path(s)"


def test_plan_follows_the_policy_switches_and_reports_survey_errors():
    policy = {**POLICY, "package_cache_clean": False, "autoremove": False, "journald_max_size_mb": 0,
              "journald_max_age_days": 0}
    survey = {**SURVEY, "errors": [{"part": "autoremove", "message": "apt-get -s autoremove exited 100: E: lock"}]}
    plan = build_plan(survey, policy, None, [], NOW)
    assert not any(plan[step]["run"] for step in ("package_cache", "autoremove", "kernels", "journal"))
    assert plan["kernels"]["reason"].startswith("kernel removal is disabled by the policy")
    assert plan["warnings"] == ["housekeeping survey, autoremove: apt-get -s autoremove exited 100: E: lock"]


def test_removing_kernels_runs_autoremove_for_what_they_leave_behind():
    survey = {**SURVEY, "autoremove": {"packages": [], "bytes": 0}}
    kernels = {**NO_KERNELS, "remove": ["linux-image-6.1.0-9-amd64"], "remove_releases": ["6.1.0-9-amd64"],
               "keep_releases": ["6.1.0-17-amd64", "6.1.0-18-amd64"], "bytes": 400 * MIB}
    plan = build_plan(survey, POLICY, kernels, [], NOW)
    assert plan["kernels"]["run"] and plan["autoremove"]["run"]


# -- actions --------------------------------------------------------------------------------

PLAN = build_plan(SURVEY, POLICY, NO_KERNELS, ["/var/lib/systemd/coredump"], NOW)
CLEANED = {"changed": True, "files": 2, "bytes": 200 * MIB + 4096, "paths": [
    {"path": "/tmp", "label": "old files", "max_age_days": 10, "files": 1, "bytes": 200 * MIB, "skipped": None},
    {"path": "/var/tmp", "label": "old files", "max_age_days": 30, "files": 0, "bytes": 0, "skipped": None},
    {"path": "/var/lib/systemd/coredump", "label": "core dumps", "max_age_days": 14, "files": 1, "bytes": 4096,
     "skipped": None},
    {"path": "/var/crash", "label": "core dumps", "max_age_days": 14, "files": 0, "bytes": 0,
     "skipped": "does not exist"}]}


def valid(actions: list[dict]) -> list[dict]:
    for action in actions:
        Action.from_dict(action)  # the shape tripod.maintenance.emit accepts
    return actions


def test_a_dry_run_reports_what_every_planned_step_would_reclaim():
    actions = valid(linux_actions(PLAN, {"files": CLEANED}, dry_run=True))
    assert [(a["detail"], a["bytes"], a["changed"]) for a in actions] == [
        ("old files: 1 file(s) older than 10 day(s) under /tmp", 200 * MIB, False),
        ("core dumps: 1 file(s) older than 14 day(s) under /var/lib/systemd/coredump", 4096, False),
        ("package cache: 3 downloaded package file(s) (apt-get clean)", 42 * MIB, False),
        ("unused packages (autoremove): iproute2", 3 * MIB, False),
        ("journal: archived files vacuumed (journalctl --vacuum-size=1024M --vacuum-time=90d)", 4 * MIB, False),
    ]


def test_a_real_run_records_what_the_steps_did():
    steps = {"files": CLEANED,
             "package_cache": {"changed": True, "rc": 0},
             "autoremove": {"changed": True, "stdout": "Removing iproute2 (6.1.0-3) ..."},
             "journal": {"changed": True, "stdout": "", "stderr": VACUUM_OUTPUT_12}}
    actions = valid(linux_actions(PLAN, steps, dry_run=False))
    assert all(a["changed"] and a["kind"] == "space_reclaimed" and a["area"] == "housekeeping" for a in actions)
    assert [a["bytes"] for a in actions] == [200 * MIB, 4096, 42 * MIB, 3 * MIB, parse_size("10.7M")]


def test_failed_skipped_or_unreached_steps_record_nothing():
    steps = {"files": {"skipped": True}, "package_cache": {"failed": True, "rc": 100},
             "autoremove": {"changed": False}, "journal": {}}
    assert linux_actions(PLAN, steps, dry_run=False) == []


def test_windows_actions_from_the_scripts_results():
    steps = {
        "files": {"changed": True, "result": {"paths": [
            {"path": "C:\\Windows\\Temp", "label": "old files", "max_age_days": 14, "files": 12, "bytes": 5 * MIB,
             "skipped": None, "error_count": 1, "errors": ["C:\\Windows\\Temp\\x.log: in use"]}]}},
        "component_cleanup": {"changed": True, "result": {"acted": True, "bytes": 700 * MIB,
                                                          "detail": "4 reclaimable package(s)"}},
        "recycle_bin": {"changed": False, "result": {"acted": False, "bytes": 0, "items": 0, "detail": "0 item(s)"}},
        "event_logs": {"changed": True, "results": [
            {"item": "Application", "changed": True, "maximum_size_kb": 131072},
            {"item": "System", "changed": False, "maximum_size_kb": 131072},
            {"item": "Security", "skipped": True}]},
    }
    actions = valid(windows_actions(steps, dry_run=False))
    assert [(a["kind"], a["detail"], a["bytes"]) for a in actions] == [
        ("space_reclaimed", "old files: 12 file(s) older than 14 day(s) under C:\\Windows\\Temp", 5 * MIB),
        ("space_reclaimed", "Windows Update component store cleanup (DISM): 4 reclaimable package(s)", 700 * MIB),
        ("setting_changed", "event log Application: maximum size set to 131072 KB", None),
    ]


def test_windows_dry_run_component_cleanup_has_no_byte_count():
    steps = {"component_cleanup": {"changed": True, "result": {"acted": True, "bytes": None, "detail": "2 reclaimable package(s)"}}}
    (action,) = valid(windows_actions(steps, dry_run=True))
    assert (action["bytes"], action["changed"]) == (None, False)


# -- policy ---------------------------------------------------------------------------------

@pytest.mark.parametrize("entry, message", [
    ({"path": "/etc", "max_age_days": 3}, "path: '/etc' is a system directory"),
    ({"path": "/var/lib/mysql", "max_age_days": 3}, "path: '/var/lib/mysql' is a system directory"),
    ({"path": "/usr/../var", "max_age_days": 3}, "is a system directory"),
    ({"path": "/", "max_age_days": 3}, "is a system directory"),
    ({"path": "tmp", "max_age_days": 3}, "path: 'tmp' is not an absolute path"),
    ({"max_age_days": 3}, "path: is required"),
    ({"path": "/tmp", "max_age_days": 0}, "max_age_days: must be a whole number of days, at least 1, got 0"),
    ({"path": "/tmp", "max_age_days": True}, "max_age_days: must be a whole number of days"),
    ({"path": "/tmp", "age": 3}, "age: unknown key (allowed: path, max_age_days, patterns)"),
    ({"path": "/tmp", "max_age_days": 3, "patterns": ["../*"]}, "patterns: must be a non-empty list"),
    ({"path": "/tmp", "max_age_days": 3, "patterns": []}, "patterns: must be a non-empty list"),
])
def test_clean_paths_are_validated_naming_the_key(entry, message):
    (problem,) = check({"housekeeping": {"clean_paths": [{"path": "/var/tmp", "max_age_days": 1}, entry]}})
    assert problem.key == "housekeeping.clean_paths[1]"
    assert message in problem.message


@pytest.mark.parametrize("path, ok", [("C:\\Windows\\Temp", True), ("D:\\Logs\\app", True), ("C:\\", False),
                                      ("c:\\windows", False), ("C:\\Windows\\System32\\LogFiles", False),
                                      ("/tmp", False)])
def test_windows_clean_paths(path, ok):
    problems = check({"housekeeping": {"windows": {"clean_paths": [{"path": path, "max_age_days": 7}]}}})
    assert (problems == []) is ok, problems


def test_every_tier_has_a_valid_housekeeping_policy():
    for tier in ("tier_scheduled_support", "tier_srp_server", "tier_srp_workstation"):
        policy = tier_policy(tier)
        assert check(policy, require_all=True) == []
        assert policy["housekeeping"]["kernels_keep"] >= 2
    assert tier_policy("tier_srp_workstation")["housekeeping"]["journald_max_size_mb"] < POLICY["journald_max_size_mb"]
