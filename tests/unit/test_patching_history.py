"""How long security updates waited (from the evidence store), the audit finding, and the run summary."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from tripod.checks import evaluate
from tripod.models import Action, Finding
from tripod.patching import outcome
from tripod.patching.history import first_seen, with_first_seen
from tripod.cli.display import print_patch_summary as print_summary
from tripod.patching.summary import summarize
from tripod.policy import tier_policy
from tripod.store import EvidenceStore, HostResult

POLICY = tier_policy("tier_srp_server")  # security_grace_days 14
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def facts(collected_at: str, *security: str, errors: list | None = None) -> dict:
    return {
        "collected_at": collected_at,
        "patches": {"manager": "apt", "security_count": len(security), "other_count": 0, "held": [],
                    "pending": [{"name": n, "candidate": "2", "security": True} for n in security],
                    "reboot_required": False, "reboot_reasons": [],
                    "lists": [{"name": "bookworm-security", "age_hours": 1.0}]},
        "errors": errors or [],
    }


def snapshot_store(path: Path, history: list[dict], host: str = "db1", client: str = "acme") -> None:
    with EvidenceStore(path) as store:
        for index, item in enumerate(history):
            run_id = store.start_run(f"run-{index}", playbook="audit.yml", started_at=item["collected_at"])
            store.record_host(run_id, HostResult(host=host, status="ok", client=client, tier="tier_srp_server",
                                                 facts=[item], finished_at=item["collected_at"]))
            store.end_run(run_id)


def patch_001(current: dict) -> dict:
    return next(f for f in evaluate(current, POLICY, ["patching"], now=NOW) if f["check_id"] == "TRP-PATCH-001")


def test_first_seen_is_the_start_of_the_unbroken_run_of_snapshots(tmp_path):
    path = tmp_path / "evidence.sqlite"
    snapshot_store(path, [
        facts("2026-10-01T02:00:00Z", "libssl3"),  # pending, then installed, then pending again: starts over
        facts("2026-10-05T02:00:00Z"),
        facts("2026-11-01T02:00:00Z", "libssl3", "openssl"),
        facts("2026-11-05T02:00:00Z", errors=[{"probe": "patches.pending", "message": "timed out"}]),  # says nothing
        facts("2026-11-08T02:00:00Z", "libssl3", "openssl", "perl-base"),
        facts("2026-11-20T02:00:00Z", "libssl3", "perl-base", "libexpat1"),
    ])
    current = facts("2026-11-27T02:00:00Z", "libssl3", "perl-base", "tzdata")
    annotated = with_first_seen(current, "db1", "acme", path)
    seen = {u["name"]: u["first_seen"] for u in annotated["patches"]["pending"]}
    assert seen == {"libssl3": "2026-11-01T02:00:00Z", "perl-base": "2026-11-08T02:00:00Z",
                    "tzdata": "2026-11-27T02:00:00Z"}
    assert "first_seen" not in current["patches"]["pending"][0], "the host's facts are not modified"
    assert with_first_seen(current, "db1", "other-client", path)["patches"]["pending"][0]["first_seen"] == \
        "2026-11-27T02:00:00Z", "another client's host of the same name is another host"


def test_the_walk_stops_once_no_update_is_pending_any_more():
    class Snap:
        def __init__(self, data):
            self.facts, self.collected_at = data, data["collected_at"]

    read = []

    def snapshots():
        for data in (facts("2026-11-20T00:00:00Z", "a"), facts("2026-11-10T00:00:00Z"), facts("2026-11-01T00:00:00Z", "a")):
            read.append(data["collected_at"])
            yield Snap(data)

    assert first_seen(snapshots(), {"a"}) == {"a": "2026-11-20T00:00:00Z"}
    assert len(read) == 2


def test_audit_security_updates_pending_past_the_grace_days_are_critical(tmp_path):
    path = tmp_path / "evidence.sqlite"
    snapshot_store(path, [facts("2026-11-01T02:00:00Z", "libssl3"), facts("2026-11-20T02:00:00Z", "libssl3", "openssl")])
    overdue = patch_001(with_first_seen(facts("2026-11-27T02:00:00Z", "libssl3", "openssl"), "db1", "acme", path))
    assert (overdue["status"], overdue["severity"]) == ("fail", "critical")
    assert overdue["evidence"] == ("2 security update(s) pending: libssl3 2, openssl 2; "
                                   "oldest pending since 2026-11-01 (libssl3, 26 days, grace 14)")
    recent = patch_001(with_first_seen(facts("2026-11-27T02:00:00Z", "openssl"), "db1", "acme", path))
    assert (recent["status"], recent["severity"]) == ("fail", "high")
    clean = patch_001(with_first_seen(facts("2026-11-27T02:00:00Z"), "db1", "acme", path))
    assert (clean["status"], clean["evidence"]) == ("pass", "no security updates pending")


def test_without_a_store_pending_updates_are_high_from_now(tmp_path):
    current = facts("2026-11-27T02:00:00Z", "libssl3")
    annotated = with_first_seen(current, "db1", "acme", tmp_path / "missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists(), "reading history never creates a store"
    assert patch_001(annotated)["severity"] == "high"


def record(store: EvidenceStore, run_id: str, host: str, status: str, result: str | None, actions: list[dict] = ()):
    findings = [Finding.from_dict(outcome.finding(result, "detail"))] if result else []
    store.record_host(run_id, HostResult(host=host, status=status, client="acme", findings=findings,
                                         actions=[Action.from_dict(a) for a in actions], message="msg"))


def test_the_run_summary_lists_every_host_with_its_outcome(tmp_path):
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        run_id = store.start_run("run-1", playbook="patch.yml")
        record(store, run_id, "web1", "changed", outcome.PATCHED, [
            {"area": "patching", "kind": "package_updated", "detail": "a 1 -> 2", "changed": True},
            {"area": "patching", "kind": "package_updated", "detail": "b 1 -> 2", "changed": True},
            {"area": "patching", "kind": "reboot", "detail": "rebooted", "changed": True}])
        record(store, run_id, "web2", "ok", outcome.NOTHING_TO_DO)
        record(store, run_id, "web3", "ok", outcome.SKIPPED_WINDOW)
        record(store, run_id, "db1", "failed", outcome.FAILED)
        record(store, run_id, "db2", "unreachable", None)  # failed before the patching role
        record(store, run_id, "db3", "ok", None)  # resolved in the rollout play, batch never started
        summaries = summarize(store, run_id, hosts=["db4"])  # expected, never recorded
        console = Console(width=200, record=True)
        assert print_summary(console, store, run_id, ["db4"])
        assert summarize(store, store.start_run("run-2", playbook="audit.yml")) == []
    table = {s.host: (s.outcome, s.updates, s.reboot) for s in summaries}
    assert table == {"web1": ("patched", 2, "rebooted"), "web2": ("nothing to do", 0, "-"),
                     "web3": ("skipped (window)", 0, "-"), "db1": ("failed", 0, "-"), "db2": ("failed", 0, "-"),
                     "db3": ("not started", 0, "-"), "db4": ("not started", 0, "-")}
    assert [s.host for s in summaries][:2] == ["db1", "db2"], "failures first"
    text = console.export_text()
    assert "Patch summary" in text
    assert "2 failed, 2 not started, 1 patched, 1 nothing to do, 1 skipped (window)" in text


@pytest.mark.parametrize("evidence", ["patched: 3 package(s) updated", "skipped (window): outside", "failed: x"])
def test_outcome_round_trip(evidence):
    result, detail = outcome.parse(evidence)
    assert outcome.finding(result, detail)["evidence"] == evidence


def test_unknown_outcomes_are_refused():
    with pytest.raises(ValueError):
        outcome.finding("maybe", "x")
    with pytest.raises(ValueError):
        outcome.parse("3 security update(s) pending")


def test_checks_policy_grace_days_come_from_the_tier():
    workstation = copy.deepcopy(tier_policy("tier_srp_workstation"))  # grace 7
    current = facts("2026-11-27T02:00:00Z", "libssl3")
    current["patches"]["pending"][0]["first_seen"] = "2026-11-18T02:00:00Z"  # 9 days
    item = next(f for f in evaluate(current, workstation, ["patching"], now=NOW) if f["check_id"] == "TRP-PATCH-001")
    assert item["severity"] == "critical"
    assert patch_001(current)["severity"] == "high", "14 grace days on SRP Server"
