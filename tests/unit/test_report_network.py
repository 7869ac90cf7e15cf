"""The monthly report's Network section and the lifecycle summary (monthly report and engineer review).

The store holds three network devices of the example inventory's client (one current backup, one
stale, one never backed up) and a server; the lifecycle figures are computed here from the example
inventory's hosts.yml and assets.yml and the lifecycle policy as docs/lifecycle.md states it."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tripod.models import Action, Finding
from tripod.report import build_monthly
from tripod.report.render import render_html, write_report
from tripod.report.review import build_review
from tripod.report.settings import load_settings
from tripod.store import EvidenceStore, HostResult

EXAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "example"
CLIENT = "acme-logistics"
MONTH = "2026-11"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # the month still runs: the report speaks of NOW
SWITCH, EDGE, SPARE, SERVER = ("acme-core-sw1.acme.example", "acme-edge-fw1.acme.example",
                               "acme-spare-sw2.acme.example", "acme-db01.acme.example")
SILENT = "acme-old-sw3.acme.example"  # backed up in October, not heard of in November
# docs/lifecycle.md: years before replacement, and the price of an OS or firmware upgrade, per tier.
YEARS = {"tier_srp_server": 5, "tier_srp_workstation": 4, "tier_scheduled_support": 5, "tier_network": 7}
UPGRADE = {"tier_srp_server": 800, "tier_srp_workstation": 150, "tier_scheduled_support": 0, "tier_network": 0}
SWITCH_EOL = date(2025, 10, 31)
BACKUP_LIMIT_HOURS = 26  # network.backup_max_age_hours, shipped


def _finding(check_id: str, status: str, evidence: str = "") -> Finding:
    return Finding.from_dict({"area": "health", "check_id": check_id, "title": f"title of {check_id}",
                              "severity": "high", "status": status, "evidence": evidence or f"{check_id} {status}"})


def _record(store: EvidenceStore, host: str, tier: str, when: datetime, findings: list[Finding],
            backup: bool = False) -> None:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    run_id = f"run-{host}-{stamp}"
    actions = [Action.from_dict({"area": "health", "kind": "config_backup", "detail": "running-config",
                                 "bytes": 2048, "changed": True}).with_context(time=stamp)] if backup else []
    store.start_run(run_id, playbook="network.yml", started_at=stamp)
    store.record_host(run_id, HostResult(host=host, status="ok", client=CLIENT, tier=tier, finished_at=stamp, facts=[],
                                         findings=[f.with_context(time=stamp) for f in findings], actions=actions))
    store.end_run(run_id, ended_at=stamp)


SWITCH_BACKUP = NOW - timedelta(hours=2)
EDGE_BACKUP = NOW - timedelta(hours=240)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("network") / "evidence.sqlite"
    with EvidenceStore(path) as store:
        _record(store, SWITCH, "tier_network", SWITCH_BACKUP, [
            _finding("TRP-NET-001", "pass"), _finding("TRP-NET-002", "fail"), _finding("TRP-NET-003", "pass"),
            _finding("TRP-NET-010", "pass"), _finding("TRP-NET-011", "fail"), _finding("TRP-NET-014", "fail"),
            _finding("TRP-NET-020", "fail", f"cisco.ios 15.2(4)E8 on WS-C2960X: out of vendor support since "
                                            f"{SWITCH_EOL.isoformat()} (vendor bulletin)")], backup=True)
        _record(store, EDGE, "tier_network", EDGE_BACKUP, [
            _finding("TRP-NET-001", "pass"), _finding("TRP-NET-002", "pass"), _finding("TRP-NET-010", "pass"),
            _finding("TRP-NET-020", "pass", "fortinet.fortios 7.4.3: supported until 2029-01-01 (table)")],
            backup=True)
        _record(store, SPARE, "tier_network", NOW - timedelta(hours=5), [_finding("TRP-NET-010", "fail")])
        _record(store, SILENT, "tier_network", NOW - timedelta(days=40), [_finding("TRP-NET-001", "pass")],
                backup=True)
        _record(store, SERVER, "tier_srp_server", NOW - timedelta(hours=3), [_finding("TRP-DISK-001", "pass")])
    return path


@pytest.fixture(scope="module")
def report(store_path: Path) -> dict[str, Any]:
    settings = load_settings([str(EXAMPLE)], [CLIENT])[CLIENT]
    with EvidenceStore(store_path) as store:
        return build_monthly(store, CLIENT, MONTH, now=NOW, settings=settings)


def test_network_section_per_device(report: dict[str, Any]) -> None:
    devices = {d["host"]: d for d in report["network"]["devices"]}
    assert sorted(devices) == sorted([SWITCH, EDGE, SPARE, SILENT])  # the server is no network device
    switch, edge, spare = devices[SWITCH], devices[EDGE], devices[SPARE]
    assert switch["backup_age_hours"] == 2.0 and switch["backup_state"] == "current"
    assert edge["backup_age_hours"] == 240.0 > BACKUP_LIMIT_HOURS and edge["backup_state"] == "stale"
    assert spare["backup_state"] == "missing" and spare["backup_at"] is None and spare["backups_this_month"] == 0
    assert devices[SILENT]["backup_state"] == "missing" and devices[SILENT]["backups_this_month"] == 0
    assert switch["backups_this_month"] == 1
    assert switch["last_backup_action"] == SWITCH_BACKUP.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (switch["drift"], edge["drift"], spare["drift"]) == ("changed", "no change", "not assessed")
    assert switch["baseline"] == "matches"
    assert (switch["firmware"], edge["firmware"], spare["firmware"]) == (
        "unsupported or ending", "supported", "not assessed")
    assert [f["check_id"] for f in switch["failing"]] == ["TRP-NET-011", "TRP-NET-014"]  # not 020: own column
    assert [f["check_id"] for f in spare["failing"]] == ["TRP-NET-010"]
    totals = report["network"]
    assert totals["backups"] == {"current": 1, "stale": 1, "missing": 2}
    assert (totals["drifted"], totals["unsupported_firmware"], totals["failing_checks"]) == (1, 1, 3)
    assert {"tier": "tier_network", "label": "Network"} in report["tiers"]


def test_network_section_in_html_and_csv(report: dict[str, Any], tmp_path: Path) -> None:
    html = render_html(report)
    assert 'id="network"' in html and "configuration backup current on 1, stale on 1, missing on 2" in html
    written = write_report(report, tmp_path, ["csv"])
    [network] = [p for p in written if p.name.endswith("-network.csv")]
    rows = {r["host"]: r for r in csv.DictReader(network.open())}
    assert rows[EDGE]["backup_state"] == "stale" and rows[SWITCH]["failing_checks"] == "TRP-NET-011 TRP-NET-014"


def test_no_network_section_without_a_network_device(store_path: Path, tmp_path: Path) -> None:
    with EvidenceStore(store_path) as store:
        report = build_monthly(store, CLIENT, MONTH, now=NOW, tiers=["tier_srp_server"])
    assert "network" not in report and 'id="network"' not in render_html(report)
    assert not [p for p in write_report(report, tmp_path, ["csv"]) if "network" in p.name]


def _expected_lifecycle(today: date) -> dict[str, Any]:
    """From the example inventory's files: what is past due today, and the next four quarters' plan."""
    hosts = yaml.safe_load((EXAMPLE / "hosts.yml").read_text())["all"]["children"]
    tier_of = {host: tier for tier in YEARS for host in hosts[tier]["hosts"]}
    assets = yaml.safe_load((EXAMPLE / "assets.yml").read_text())
    first = (today.year, (today.month - 1) // 3 + 1)
    last = (first[0] + 1, first[1] - 1) if first[1] > 1 else (first[0], 4)
    shown = {}  # quarter -> cost
    past, warranty, replace = [], [], set()
    for host, entry in assets.items():
        due = entry["purchase_date"].replace(year=entry["purchase_date"].year + YEARS[tier_of[host]])
        if due <= today:
            past.append(host)
        if entry.get("warranty_end") and entry["warranty_end"] < today:
            warranty.append(host)
        when = max((due.year, (due.month - 1) // 3 + 1), first)
        if when <= last:
            key = f"{when[0]}-Q{when[1]}"
            replace.add((key, host))
            shown[key] = shown.get(key, 0) + entry["cost"]  # every due asset of the example has a cost
    eol_quarter = f"{first[0]}-Q{first[1]}"  # the switch's firmware support ended before today: overdue
    shown[eol_quarter] = shown.get(eol_quarter, 0) + UPGRADE["tier_network"]
    return {"past": sorted(past), "warranty": sorted(warranty), "replace": replace, "quarters": shown}


def test_lifecycle_summary_from_the_inventory(report: dict[str, Any]) -> None:
    summary = report["lifecycle_summary"]
    want = _expected_lifecycle(NOW.date())
    assert summary["assessed"] is True
    assert summary["now_hosts"]["past_replacement_age"] == want["past"]
    assert summary["now_hosts"]["out_of_warranty"] == want["warranty"]
    assert summary["now_hosts"]["os_end_of_life"] == [SWITCH]  # from its TRP-NET-020 result
    assert summary["now"]["past_replacement_age"] == len(want["past"])
    assert len(summary["quarters"]) == 4
    assert {q["quarter"]: q["cost"] for q in summary["quarters"] if q["cost"]} == {
        k: v for k, v in want["quarters"].items() if v}
    assert summary["due_cost"] == sum(want["quarters"].values())
    assert {(i["quarter"], i["host"]) for i in summary["items"] if i["action"].startswith("replace")} == want["replace"]
    assert any("acme-app02.acme.example" in note for note in summary["notes"])  # no age known: said, not dropped
    assert "Lifecycle plan (IT Leadership)" in render_html(report)


def test_lifecycle_summary_without_an_inventory_is_not_assessed(store_path: Path) -> None:
    with EvidenceStore(store_path) as store:
        report = build_monthly(store, CLIENT, MONTH, now=NOW)
        review = build_review(store, CLIENT, "2026-H2", now=NOW)
    assert report["lifecycle_summary"] == {"assessed": False, "note": "not assessed: no inventory given"}
    assert review["lifecycle_summary"]["assessed"] is False
    assert "not assessed: no inventory given" in render_html(report)


def test_the_review_carries_the_lifecycle_summary(store_path: Path) -> None:
    settings = load_settings([str(EXAMPLE)], [CLIENT])[CLIENT]
    with EvidenceStore(store_path) as store:
        review = build_review(store, CLIENT, "2026-H2", now=NOW, settings=settings)
    want = _expected_lifecycle(NOW.date())
    assert review["lifecycle_summary"]["now_hosts"]["out_of_warranty"] == want["warranty"]
    assert review["lifecycle_summary"]["due_cost"] == sum(want["quarters"].values())
    assert "Lifecycle plan (IT Leadership)" in render_html(review)


def test_the_command_passes_the_inventory_to_the_report_and_the_review(store_path: Path, tmp_path: Path) -> None:
    from tripod.cli import main

    common = ["report", "--store", str(store_path), "--client", CLIENT, "-i", str(EXAMPLE), "--format", "json",
              "--out", str(tmp_path)]
    assert main([*common, "--month", MONTH, "--jobs", "2", "--recompute"]) == 0  # the settings cross to a worker
    monthly = json.loads((tmp_path / f"{CLIENT}-{MONTH}.json").read_text())
    assert monthly["lifecycle_summary"]["assessed"] is True
    assert monthly["network"]["backups"]["missing"] == 2
    assert main([*common, "--review", "--half", "2026-H2"]) == 0
    review = json.loads((tmp_path / f"{CLIENT}-2026-H2-review.json").read_text())
    assert review["lifecycle_summary"]["assessed"] is True
