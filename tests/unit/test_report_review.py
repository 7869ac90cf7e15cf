"""The engineer review: six-month trends, recurring findings, risks, recommendations, sign-off."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests import report_fixture as fx
from tripod.errors import InputError
from tripod.models import Finding
from tripod.report import build_monthly
from tripod.report.render import render_html
from tripod.report.review import build_review
from tripod.report.signoff import read_notes, sign_review
from tripod.store import EvidenceStore, HostResult

NOW = datetime.fromisoformat(fx.NOW.replace("Z", "+00:00"))
HALF = "2026-H2"


@pytest.fixture
def store(tmp_path):
    with EvidenceStore(fx.build_store(tmp_path / "evidence.sqlite")) as opened:
        yield opened


def test_trends_are_the_monthly_figures_of_srp_server_hosts(store):
    review = build_review(store, "ACME Ltd", HALF, now=NOW)
    assert [t["month"] for t in review["trends"]] == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    for row in review["trends"]:
        monthly = build_monthly(store, "ACME Ltd", row["month"], now=NOW, tiers=("tier_srp_server",))
        assert row["score"] == monthly["scorecard"]["overall"]["score"]
        assert row["hosts_reporting"] == monthly["coverage"]["reporting"]
    by_month = {t["month"]: t for t in review["trends"]}
    assert by_month["2026-08"]["has_data"] is False and by_month["2026-12"]["has_data"] is False
    assert review["period"]["latest_month"] == "2026-11"


def test_recurring_findings_from_plain_counting(store):
    review = build_review(store, "ACME Ltd", HALF, now=NOW)
    open_months: dict[tuple[str, str], list[str]] = {}
    latest: dict[tuple[str, str, str], tuple[str, str]] = {}
    for entry in fx.plan():
        if entry["client"] == "ACME Ltd" and "2026-07" <= entry["when"] < "2027-01":
            for finding in entry["findings"]:
                key = (entry["host"], finding.check_id, entry["when"][:7])
                if key not in latest or latest[key][0] <= entry["when"]:
                    latest[key] = (entry["when"], finding.status)
    for (host, check, month), (_, status) in sorted(latest.items()):
        if status in ("fail", "error"):
            open_months.setdefault((host, check), []).append(month)
    expected = {key: months for key, months in open_months.items() if len(months) >= 2}
    assert {(r["host"], r["check_id"]): r["months"] for r in review["recurring_findings"]} == expected
    assert ("web01", "TRP-PATCH-001") in expected


def test_risks_and_recommendations(store):
    review = build_review(store, "ACME Ltd", HALF, now=NOW)
    risks = {r["risk"]: r for r in review["risks"]}
    assert risks["host not reporting"]["hosts"] == ["old01"]
    assert any(r.startswith("expired waiver W-102") for r in risks)
    kinds = {r["kind"] for r in review["recommendations"]}
    assert {"os_upgrade", "hardware_replacement", "recurring_finding", "coverage"} <= kinds
    for item in review["recommendations"]:
        assert item["priority"] in ("high", "medium", "low") and item["effort"] and item["hosts"]
    hardware = next(r for r in review["recommendations"] if r["kind"] == "hardware_replacement")
    assert hardware["hosts"] == ["web01"]  # BIOS 2019-03-01: over 5 years; gx01 is another client


def test_sign_off_is_stored_and_shown(store, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Reviewed with the client's IT lead.\nReplace web01 in Q1.\n")
    assert build_review(store, "ACME Ltd", HALF, now=NOW)["signoff_state"] == "awaiting engineer sign-off"
    signoff = sign_review(store, "ACME Ltd", HALF, "Dana Engineer", read_notes(notes), now=NOW)
    review = build_review(store, "ACME Ltd", HALF, now=NOW + timedelta(hours=1))
    assert review["signoff_state"] == "signed"
    assert review["signoffs"] == [{"engineer": "Dana Engineer", "notes": read_notes(notes),
                                   "signed_at": signoff.signed_at, "figures_unchanged": True}]
    html = render_html(review)
    assert "Signed by Dana Engineer" in html and "Replace web01 in Q1." in html
    # New evidence after the sign-off changes the figures; the review says so.
    run = store.start_run("late", started_at="2026-11-28T02:00:00Z")
    store.record_host(run, HostResult(host="web01", status="ok", client="ACME Ltd", tier="tier_srp_server",
                                      finished_at="2026-11-28T02:00:00Z", findings=[Finding.from_dict({
                                          "area": "hardening", "check_id": "TRP-SSH-002", "title": "t",
                                          "severity": "high", "status": "pass"})]))
    changed = build_review(store, "ACME Ltd", HALF, now=NOW)
    assert changed["signoffs"][0]["figures_unchanged"] is False
    assert "the figures changed after this sign-off" in render_html(changed)


def test_bad_sign_off_input(store, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="empty.txt: the file is empty"):
        read_notes(empty)
    with pytest.raises(InputError, match="missing.txt: cannot read"):
        read_notes(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="--engineer"):
        sign_review(store, "ACME Ltd", HALF, " ", "notes", now=NOW)
    with pytest.raises(InputError, match="no data of the reviewed tiers"):
        sign_review(store, "ACME Ltd", "2025-H1", "Dana", "notes", now=NOW)


def test_recommendations_come_from_the_failing_controls(store):
    review = build_review(store, "ACME Ltd", HALF, now=NOW)
    # db01's critical TRP-SSH-005 fails in November (its waiver expired): enforce it, or waive it properly
    [advice] = [a for a in review["recommendations"] if a["kind"] == "failing_control"
                and "TRP-SSH-005" in a["text"]]
    assert advice["hosts"] == ["db01"] and advice["priority"] == "high"
