"""Which updates a patch run installs, holds or skips; the rollout's batch size; retry decisions."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tripod.patching.failures import classify, is_transient
from tripod.patching.plan import glob_to_regex, matches, plan_updates
from tripod.patching.rollout import batch_hosts, rollout
from tripod.policy import tier_policy

WINDOWS_FACTS = Path(__file__).resolve().parents[1] / "data" / "windows" / "server2022_pending_security_reboot.json"


def pending(name: str, security: bool = True, held: bool = False) -> dict:
    return {"name": name, "installed": "1.0", "candidate": "1.1", "origin": "bookworm-security/main" if security
            else "bookworm/main", "security": security, "held": held, "kb": None, "severity": None}


FACTS = {"patches": {"manager": "apt", "pending": [
    pending("libssl3"), pending("openssl"), pending("tzdata"), pending("linux-image-amd64"),
    pending("vim", security=False), pending("nginx", held=True),
]}}


def policy(**patch: object) -> dict:
    result = copy.deepcopy(tier_policy("tier_srp_server"))
    result["patch"].update(patch)
    return result


def test_security_only_selects_the_security_suite_and_holds_everything_else():
    plan = plan_updates(FACTS, policy(classes="security", exclude=["tzdata", "linux-image-*"]))
    assert plan.install == ["libssl3", "openssl"]
    assert plan.excluded == ["tzdata", "linux-image-amd64"]
    assert plan.not_security == ["vim"]
    assert plan.held_already == ["nginx"], "an administrator's hold is left alone"
    assert plan.hold == ["tzdata", "linux-image-amd64", "vim"], "held for the run, released afterwards"
    assert plan.updates[0] == {"name": "libssl3", "installed": "1.0", "candidate": "1.1",
                               "origin": "bookworm-security/main", "security": True, "kb": None}


def test_all_classes_and_approved_only():
    plan = plan_updates(FACTS, policy(classes="all", approval="approved_only", approved_packages=["open*", "vim"]))
    assert plan.install == ["openssl", "vim"]
    assert plan.not_approved == ["libssl3", "tzdata", "linux-image-amd64"]
    assert "nginx" not in plan.hold


def test_globs_match_names_with_an_architecture():
    assert matches("libc6:i386", ["libc6"])
    assert matches("linux-image-6.1.0-40-amd64", ["linux-image-*"])
    assert not matches("openssl", ["libssl*"])


def test_windows_plan_maps_classes_to_categories_and_rejects_kbs():
    facts = json.loads(WINDOWS_FACTS.read_text(encoding="utf-8"))
    plan = plan_updates(facts, policy(reject_kbs=["KB5071230"], exclude=["Windows Malicious Software*"]))
    assert plan.manager == "windows_update"
    assert plan.windows["category_names"] == ["SecurityUpdates"]
    assert plan.windows["reject_list"][0] == "KB5071230"
    assert plan.rejected_kbs == ["KB5071230"]
    assert [u["kb"] for u in plan.updates] == ["KB5071547", "KB5071226"]
    assert plan.excluded == ["Windows Malicious Software Removal Tool x64 - v5.143 (KB890830)"]
    assert plan.hold == [], "Windows has no holds: win_updates' reject_list does it"
    everything = plan_updates(facts, policy(classes="all", approval="approved_only", approved_packages=["KB5071461"]))
    assert everything.windows["category_names"] == ["*"]
    assert everything.windows["accept_list"] == ["KB5071461"]
    assert [u["kb"] for u in everything.updates] == ["KB5071461"]


def test_globs_become_anchored_regexes_for_win_updates():
    import re

    regex = glob_to_regex("Windows Malicious Software*")
    assert re.match(regex, "Windows Malicious Software Removal Tool x64")
    assert not re.match(regex, "Update for Windows Malicious Software")
    assert glob_to_regex("kb123456") == "KB123456"


@pytest.mark.parametrize(("size", "hosts", "expected"), [("25%", 10, 2), ("25%", 3, 1), ("100%", 7, 7), (3, 10, 3)])
def test_batch_size_as_ansible_counts_it(size, hosts, expected):
    assert batch_hosts(size, hosts) == expected


def test_the_strictest_policy_sets_the_rollout():
    loose = policy(batch_size="50%", max_fail_percentage=30)
    strict = policy(batch_size=1, max_fail_percentage=0)
    plan = rollout({"web1": loose, "web2": loose, "db1": strict, "db2": loose})
    assert (plan.serial, plan.max_fail_percentage, plan.serial_from, plan.max_fail_from) == (1, 0, "db1", "db1")
    assert plan.describe().startswith("4 host(s) in 4 batch(es) of at most 1 (policy of db1)")
    with pytest.raises(ValueError):
        rollout({})


def test_lock_and_mirror_failures_are_transient_and_explained():
    lock = {"msg": "'/usr/bin/apt-get -y upgrade' failed: E: Unable to acquire the dpkg frontend lock",
            "stdout": "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. "
                      "It is held by process 161 (python3)...", "attempts": 3}
    assert is_transient(lock)
    failure = classify("Patching | Install", lock, retries=3)
    assert failure.kind == "package_lock"
    assert failure.message == ("package database locked by another process (process 161, python3) after 4 attempt(s); "
                               "nothing was installed")
    mirror = {"msg": "Failed to update apt cache after 4 retries: W:Failed to fetch http://mirror/dists/InRelease"}
    assert is_transient(mirror) and classify("refresh", mirror).kind == "mirror"
    broken = {"msg": "E: Unmet dependencies. Try 'apt --fix-broken install'"}
    assert not is_transient(broken), "a broken dependency is not retried"
    assert classify("Patching | Install", broken, retries=3).message == (
        "Patching | Install failed: E: Unmet dependencies. Try 'apt --fix-broken install'")
