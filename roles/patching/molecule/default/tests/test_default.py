"""Testinfra checks of the patching scenario (run by verify.yml through pytest).

converge.yml kept the role's recorded result of the check run (result-check-HOST.json) and of
the first real run (result-HOST.json) in $PATCHING_RESULTS. Everything is checked against apt's
own answer (dpkg-query, apt-cache policy, apt-mark) on the host, and against what prepare.yml
measured before the run (/root/upgradable-before.txt): the mirror moves, so no package list is
written into this test. $PATCHING_EXCLUDE holds the scenario policy's exclusions.
"""

import fnmatch
import json
import os
import re
from pathlib import Path

import pytest

RESULTS = Path(os.environ.get("PATCHING_RESULTS", "."))
EXCLUDE = [glob for glob in os.environ.get("PATCHING_EXCLUDE", "").split(",") if glob]
UPDATED = re.compile(r"^(?P<name>\S+) (?P<before>\S+) -> (?P<after>\S+)(?: \((?P<origin>[^)]*)\))?$")


def release(host):
    return host.file("/etc/debian_version").content_string.split(".")[0].strip()


def upgradable(text):
    """`apt list --upgradable` lines as {name: [suites]}."""
    found = {}
    for line in text.splitlines():
        if "/" in line:
            name, rest = line.split("/", 1)
            found[name] = rest.split(" ", 1)[0].split(",")
    return found


def pending_before(host):
    return upgradable(host.file("/root/upgradable-before.txt").content_string)


def excluded_before(host):
    """The packages pending before the run that the policy excludes, as measured then."""
    return sorted(name for name in pending_before(host) if any(fnmatch.fnmatch(name, glob) for glob in EXCLUDE))


def result(host, check=False):
    name = host.backend.get_hostname()
    return json.loads((RESULTS / f"result-{'check-' if check else ''}{name}.json").read_text())


def updates(recorded):
    parsed = {}
    for action in recorded["result"]["tripod_actions"]:
        if action["kind"] == "package_updated":
            match = UPDATED.match(action["detail"])
            assert match, action["detail"]
            parsed[match["name"]] = match
    return parsed


def policy_of(host, package):
    out = host.check_output(f"apt-cache policy {package}")
    installed = re.search(r"Installed: (\S+)", out).group(1)
    candidate = re.search(r"Candidate: (\S+)", out).group(1)
    return installed, candidate


def test_security_updates_were_installed_and_recorded_with_their_versions(host):
    recorded = updates(result(host))
    assert recorded, "the run recorded the packages it updated"
    before = dict(line.split(" ", 1) for line in host.file("/root/versions-before.txt").content_string.splitlines())
    for name, match in recorded.items():
        installed, candidate = policy_of(host, name)
        assert installed == candidate == match["after"], f"{name}: apt says {installed}/{candidate}"
        assert before[name.split(":")[0]] == match["before"], f"{name}: the recorded version before is dpkg's"
        assert match["origin"].endswith("-security/main"), f"{name} came from the security suite"
    assert result(host)["result"]["outcome"] == "patched"


def test_only_the_excluded_and_non_security_updates_are_still_pending(host):
    before = pending_before(host)
    assert any(any(s.endswith("-security") for s in suites) for suites in before.values()), \
        "prepare measured pending security updates"
    not_security = {name for name, suites in before.items() if not any(s.endswith("-security") for s in suites)}
    pending = upgradable(host.check_output("apt list --upgradable 2>/dev/null"))
    assert sorted(pending) == sorted(set(excluded_before(host)) | not_security)


def test_the_excluded_packages_kept_their_versions_and_their_holds_were_released(host):
    excluded = excluded_before(host)
    if not excluded:
        pytest.skip(f"the mirror has no pending update matching {EXCLUDE} today (measured before the run)")
    before = dict(line.split(" ", 1) for line in host.file("/root/versions-before.txt").content_string.splitlines())
    recorded = result(host)["result"]
    for name in excluded:
        installed, candidate = policy_of(host, name)
        assert installed == before[name] != candidate, name
        assert name not in updates(result(host)), name
    assert host.check_output("apt-mark showhold") == "", "no hold is left behind"
    assert set(excluded) <= set(recorded["held"]), "held for the run and released, as the structured result says"
    assert set(excluded) <= set(recorded["excluded"])


def test_the_check_run_planned_exactly_what_the_real_run_installed(host):
    planned = result(host, check=True)
    assert planned["result"]["outcome"] == "planned"
    assert all(not a["changed"] for a in planned["result"]["tripod_actions"])
    assert {n: m["after"] for n, m in updates(planned).items()} == {n: m["after"] for n, m in updates(result(host)).items()}


def test_only_the_host_that_needed_a_reboot_was_restarted(host):
    boot_before = host.file("/root/boot-before.txt").content_string.strip()
    boot_now = host.check_output("stat -c %Z /proc/1")
    reboots = [a for a in result(host)["result"]["tripod_actions"] if a["kind"] == "reboot"]
    if release(host) == "12":
        assert boot_now != boot_before, "PID 1 started again: the container really restarted"
        assert len(reboots) == 1 and reboots[0]["changed"]
        assert f"boot time {boot_before} -> {boot_now}" in reboots[0]["detail"]
        assert not host.file("/var/run/reboot-required").exists
        assert host.check_output("systemctl is-system-running || true") in ("running", "degraded")
    else:
        assert boot_now == boot_before
        assert reboots == []


def test_the_health_gate_passed_after_the_change(host):
    gate = [f for f in result(host)["result"]["tripod_findings"] if f["check_id"] == "TRP-PATCH-005"]
    assert [g["status"] for g in gate] == ["pass"]


def test_the_pre_and_post_hooks_ran_once_around_the_upgrade(host):
    assert host.file("/root/hooks.log").content_string == "pre-hook\npost-hook\n", \
        "a command before, a task file after; neither in check mode nor in the idempotence run"
