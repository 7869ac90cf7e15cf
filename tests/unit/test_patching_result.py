"""A host's patch run as findings and actions, from recorded package listings and module results."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

from tripod.models import Action, Finding
from tripod.patching import outcome
from tripod.patching.reboot import RebootInput, plan_reboots
from tripod.patching.result import HostRun, build
from tripod.patching.versions import diff, parse_listing
from tripod.policy import tier_policy

DATA = Path(__file__).resolve().parents[1] / "data" / "patching"
NOW = datetime(2026, 11, 28, 0, 10, tzinfo=UTC)
POLICY = tier_policy("tier_srp_server")
GUARD = {"allowed": True, "apply": True, "override": False, "started_at": "2026-11-28T00:08:40Z"}
HEALTHY = {"capacity": {"filesystems": [{"mount": "/", "used_percent": 25.0}]},
           "services": {"failed": [], "watched": {}}, "patches": {"reboot_required": False}, "errors": []}
PLAN = {"manager": "apt", "install": ["apt", "libssl3", "openssl"], "hold": ["tzdata"], "excluded": ["tzdata"],
        "updates": [{"name": "libssl3", "origin": "bookworm-security/main"}], "held_already": []}


def listing(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def valid(result) -> None:
    for finding in result.findings:
        Finding.from_dict(finding)
    for action in result.actions:
        Action.from_dict(action)


def test_recorded_dpkg_listings_give_every_update_with_its_versions():
    before, after = parse_listing(listing("debian12-dpkg-before.txt")), parse_listing(listing("debian12-dpkg-after.txt"))
    assert len(before) == 154 and before["dpkg"]
    changes = diff(before, after)
    assert len(changes) == 13
    assert {c.kind for c in changes} == {"package_updated"}
    ssl = next(c for c in changes if c.name == "libssl3")
    assert ssl.detail("bookworm-security/main") == "libssl3 3.0.20-1~deb12u2 -> 3.0.22-1~deb12u2 (bookworm-security/main)"
    assert "tzdata" not in {c.name for c in changes}, "held for the run"


def test_listing_names_foreign_architectures_and_skips_removed_packages():
    text = ("dpkg\tamd64\t1.21.22\tii \nlibc6\ti386\t2.36-9\tii \nlibc6\tamd64\t2.36-9\tii \n"
            "old\tamd64\t1.0\trc \ntzdata\tall\t2026b\thi \n")
    assert parse_listing(text) == {"dpkg": "1.21.22", "libc6:i386": "2.36-9", "libc6": "2.36-9", "tzdata": "2026b"}
    rpm = "rpm\tx86_64\t0:4.16.1.3-29.el9\tii \nopenssl\tx86_64\t1:3.0.7-27.el9\tii \n"
    assert parse_listing(rpm) == {"rpm": "4.16.1.3-29.el9", "openssl": "1:3.0.7-27.el9"}


def test_a_patched_host_records_versions_reboot_health_gate_and_duration():
    run = HostRun(policy=POLICY, guard=GUARD, plan=PLAN, facts=HEALTHY,
                  versions_before=listing("debian12-dpkg-before.txt"), versions_after=listing("debian12-dpkg-after.txt"),
                  reboot={"reboot": True, "rebooted": True, "elapsed": 4, "reason": "reboot-required flag is set",
                          "boot_before": "1795823677", "boot_after": "1795824375"})
    result = build(run, NOW)
    valid(result)
    assert result.outcome == outcome.PATCHED and not result.failed
    kinds = [a["kind"] for a in result.actions]
    assert kinds.count("package_updated") == 13 and kinds[-1] == "reboot"
    assert all(a["changed"] for a in result.actions)
    assert "libssl3 3.0.20-1~deb12u2 -> 3.0.22-1~deb12u2 (bookworm-security/main)" in [a["detail"] for a in result.actions]
    assert result.actions[-1]["detail"] == ("rebooted, back after 4 s (reboot-required flag is set); "
                                            "boot time 1795823677 -> 1795824375")
    first, gate = result.findings
    assert first["check_id"] == "TRP-PATCH-004" and first["status"] == "pass"
    assert outcome.parse(first["evidence"])[0] == "patched"
    assert "held for the run and released: tzdata" in first["evidence"]
    assert result.held == ["tzdata"] and len(result.updated) == 13, "the same facts as lists"
    assert first["evidence"].endswith("; 80 s"), "duration from the guard's start"
    assert (gate["check_id"], gate["status"]) == ("TRP-PATCH-005", "pass")


def test_check_mode_records_the_plan_unchanged():
    plan = {**PLAN, "updates": [{"name": "libssl3", "installed": "3.0.20", "candidate": "3.0.22",
                                 "origin": "bookworm-security/main"}]}
    result = build(HostRun(policy=POLICY, guard={**GUARD, "apply": False}, plan=plan,
                           reboot={"planned": True, "reason": "reboot-required flag is set"}), NOW)
    valid(result)
    assert result.outcome == outcome.PLANNED
    assert [(a["kind"], a["detail"], a["changed"]) for a in result.actions] == [
        ("package_updated", "libssl3 3.0.20 -> 3.0.22 (bookworm-security/main)", False),
        ("reboot", "would reboot (reboot-required flag is set)", False)]
    assert result.findings[0]["status"] == "not_assessed"
    assert len(result.findings) == 1, "no health gate without a change"


def test_nothing_to_do_and_a_deferred_reboot():
    result = build(HostRun(policy=POLICY, guard=GUARD, plan={"manager": "apt", "install": [], "excluded": ["tzdata"]},
                           reboot={"needed": True, "deferred": "outside reboot window (sun 04:00 for 60 min, UTC)",
                                   "reason": "kernel: running 6.1.0-39, newest installed 6.1.0-40"}), NOW)
    assert result.outcome == outcome.NOTHING_TO_DO and result.actions == []
    evidence = result.findings[0]["evidence"]
    assert evidence.startswith("nothing to do: excluded by policy: tzdata; reboot needed, not done: outside reboot window")


def test_a_lock_failure_is_one_clear_sentence_and_fails_the_host():
    failure = {"task": "Patching | Install the selected updates", "result": {
        "msg": "failed: E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 88 (python3)",
        "attempts": 3}}
    result = build(HostRun(policy=POLICY, guard=GUARD, plan=PLAN, failure=failure), NOW)
    valid(result)
    assert result.failed and result.outcome == outcome.FAILED
    finding = result.findings[0]
    assert (finding["status"], finding["severity"]) == ("error", "high")
    assert finding["evidence"].startswith("failed: package database locked by another process (process 88, python3) "
                                          "after 4 attempt(s); nothing was installed"), "patch.retries 3: four attempts"
    assert finding["remediation"]


def test_a_failed_health_gate_fails_the_host():
    policy = copy.deepcopy(POLICY)
    policy["health"]["required_services"] = ["nginx"]
    facts = {**HEALTHY, "services": {"failed": [], "watched": {"nginx": {"active": False, "state": "failed"}}},
             "capacity": {"filesystems": [{"mount": "/", "used_percent": 97.0}]}}
    result = build(HostRun(policy=policy, guard=GUARD, plan=PLAN, facts=facts,
                           versions_before="dpkg\tamd64\t1\tii \nopenssl\tamd64\t1\tii \n",
                           versions_after="dpkg\tamd64\t1\tii \nopenssl\tamd64\t2\tii \n"), NOW)
    assert result.failed and result.outcome == outcome.FAILED
    gate = next(f for f in result.findings if f["check_id"] == "TRP-PATCH-005")
    assert (gate["status"], gate["severity"]) == ("fail", "critical")
    assert "nginx (failed)" in gate["evidence"] and "/ 97%" in gate["evidence"]
    assert result.findings[0]["evidence"].startswith("failed: health gate after patching: ")


def test_windows_results_from_recorded_win_updates():
    plan = {"manager": "windows_update", "updates": [], "install": ["x"]}
    installed = json.loads(listing("win_updates/installed.json"))
    result = build(HostRun(policy=POLICY, guard=GUARD, plan=plan, install=installed), NOW)
    valid(result)
    assert [a["detail"] for a in result.actions] == [
        ("KB5071547 2026-11 Cumulative Update for Microsoft server operating system version 21H2 for x64-based "
         "Systems (KB5071547)")]
    assert result.failed, "an update that failed to install fails the host"
    assert "1 update(s) failed: KB5071226 Security Update for SQL Server 2019 RTM GDR (KB5071226) " \
           "(Exception from HRESULT: 0x80240017 (WU_E_NOT_APPLICABLE))" in result.findings[0]["evidence"]
    searched = json.loads(listing("win_updates/searched.json"))
    planned = build(HostRun(policy=POLICY, guard={**GUARD, "apply": False}, plan=plan, install=searched), NOW)
    assert planned.outcome == outcome.PLANNED
    assert [a["changed"] for a in planned.actions] == [False, False]


def reboot_input(host: str, group: str = "", required: bool = True, **kwargs: object) -> RebootInput:
    policy = copy.deepcopy(POLICY)
    policy["patch"]["reboot_group"] = group
    policy["maintenance_window"].update(days=[], start="00:00", duration_minutes=1440)
    for key, value in kwargs.pop("patch", {}).items():  # type: ignore[union-attr]
        policy["patch"][key] = value
    values = {"active": True, "apply": True, "updated": True, **kwargs}
    return RebootInput(host=host, policy=policy, facts={"patches": {"reboot_required": required,
                                                                    "reboot_reasons": ["reboot-required flag is set"]}},
                       **values)  # type: ignore[arg-type]


def test_hosts_of_one_reboot_group_get_consecutive_slots():
    plan = plan_reboots([
        reboot_input("db1", "db"), reboot_input("web1", "web"), reboot_input("db2", "db"),
        reboot_input("app1"), reboot_input("db3", "db", required=False), reboot_input("app2"),
    ], NOW)
    slots = {host: d.slot for host, d in plan.decisions.items()}
    assert slots == {"db1": 0, "web1": 0, "db2": 1, "app1": 0, "db3": -1, "app2": 0}
    assert plan.slots == 2
    assert plan.to_dict()["decisions"]["db2"]["reason"] == "reboot-required flag is set"


def test_reboot_policy_window_and_mode():
    never = plan_reboots([reboot_input("a", patch={"reboot": "never"})], NOW).decisions["a"]
    assert (never.reboot, never.needed, never.deferred) == (False, True, "policy: reboot never")
    always = plan_reboots([reboot_input("a", required=False, patch={"reboot": "always"})], NOW).decisions["a"]
    assert always.reboot and always.reason == "policy reboots after every update"
    closed = {"days": ["mon"], "start": "04:00", "duration_minutes": 60}  # NOW is a Saturday
    deferred = plan_reboots([reboot_input("a", patch={"reboot_window": closed})], NOW).decisions["a"]
    assert not deferred.reboot and deferred.deferred.startswith("outside reboot window (mon 04:00 for 60 min")
    overridden = plan_reboots([reboot_input("a", override=True, patch={"reboot_window": closed})], NOW).decisions["a"]
    assert overridden.reboot
    planned = plan_reboots([reboot_input("a", apply=False)], NOW).decisions["a"]
    assert (planned.reboot, planned.planned, planned.slot) == (False, True, -1)
    skipped = plan_reboots([reboot_input("a", active=False)], NOW).decisions["a"]
    assert not skipped.needed and not skipped.reboot


def test_a_selected_update_apt_kept_back_is_named():
    plan = {**PLAN, "install": ["openssl", "libssl3"], "hold": ["libc6"]}
    result = build(HostRun(policy=POLICY, guard=GUARD, plan=plan, facts=HEALTHY,
                           versions_before="dpkg\tamd64\t1\tii \nopenssl\tamd64\t1\tii \nlibssl3\tamd64\t1\tii \n",
                           versions_after="dpkg\tamd64\t1\tii \nopenssl\tamd64\t2\tii \nlibssl3\tamd64\t1\tii \n"), NOW)
    assert result.outcome == outcome.PATCHED
    assert "kept back by apt: libssl3" in result.findings[0]["evidence"]
    assert [a["detail"] for a in result.actions] == ["openssl 1 -> 2"]
