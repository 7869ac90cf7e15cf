"""The monthly report's figures against plain counting over the fixture's plan (tests/report_fixture.py)."""

from __future__ import annotations

import json
import statistics
from datetime import date, datetime
from pathlib import Path

import pytest

from tests import report_fixture as fx
from tripod.models import STATUSES
from tripod.report import build_monthly, scoring
from tripod.report.waivers import Waiver, WaiverBook, parse_reference
from tripod.store import EvidenceStore

NOW = datetime.fromisoformat(fx.NOW.replace("Z", "+00:00"))
AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return fx.build_store(tmp_path_factory.mktemp("report") / "evidence.sqlite")


@pytest.fixture(scope="module")
def report(store_path):
    with EvidenceStore(store_path) as store:
        return build_monthly(store, "ACME Ltd", fx.MONTH, now=NOW)


def host(report, name):
    return next(h for h in report["hosts"] if h["host"] == name)


# -- independent expectations, from the plan -----------------------------------------------

def expected_percent(statuses) -> float | None:
    passed = sum(1 for _, s in statuses if s == "pass")
    scored = sum(1 for _, s in statuses if s in ("pass", "fail", "error"))
    return round(100 * passed / scored, 1) if scored else None


#: The shipped default weights (policy report.weights in src/tripod/policy/tiers.yml).
WEIGHTS = {"patching": 40, "health": 30, "hardening": 20, "housekeeping": 10}


def expected_weighted(statuses) -> float | None:
    """sum(weight x area percentage) / sum(weights of the areas with a percentage), by hand."""
    areas = {area: expected_percent([(a, s) for a, s in statuses if a == area]) for area in WEIGHTS}
    scored = {area: pct for area, pct in areas.items() if pct is not None}
    if not scored:
        return None
    return round(sum(WEIGHTS[a] * pct for a, pct in scored.items()) / sum(WEIGHTS[a] for a in scored), 1)


def all_statuses(table, area=None, hosts=None):
    return [(a, s) for h, checks in table.items() if hosts is None or h in hosts
            for a, s in checks.values() if area is None or a == area]


# -- the scorecard -----------------------------------------------------------------------------

def test_overall_and_area_scores_match_plain_counting(report):
    table = fx.latest_statuses("ACME Ltd", fx.MONTH, AS_OF)
    previous = fx.latest_statuses("ACME Ltd", fx.PREVIOUS, date(2026, 10, 31))
    card = report["scorecard"]
    assert card["overall"]["score"] == expected_weighted(all_statuses(table))
    assert card["overall"]["previous_score"] == expected_weighted(all_statuses(previous))
    assert card["overall"]["change"] == round(card["overall"]["score"] - card["overall"]["previous_score"], 1)
    for area in ("patching", "health", "hardening"):
        assert card["areas"][area]["score"] == expected_percent(all_statuses(table, area)), area
        assert card["areas"][area]["previous_score"] == expected_percent(all_statuses(previous, area)), area
    counts = {status: sum(1 for _, s in all_statuses(table) if s == status) for status in STATUSES}
    assert card["overall"]["counts"] == counts
    assert card["overall"]["band"] == scoring.band(card["overall"]["score"])


def test_not_applicable_waived_and_not_assessed_are_never_passes_and_keep_their_reasons(report):
    win = host(report, "win01")
    reasoned = {r["check_id"]: r for r in win["findings"] if r["status"] in ("not_applicable", "not_assessed")}
    assert set(reasoned) == {"TRP-SSH-004", "TRP-SSH-001"}
    assert reasoned["TRP-SSH-001"]["evidence"] == "evidence TRP-SSH-001 not_assessed"
    checks = fx.latest_statuses("ACME Ltd", fx.MONTH, AS_OF)["win01"].values()
    assert win["score"] == expected_weighted(list(checks))
    assert win["counts"]["pass"] == sum(1 for _, s in checks if s == "pass")
    assert win["counts"]["not_applicable"] == 1 and win["counts"]["not_assessed"] == 1


@pytest.mark.parametrize(("value", "name"), [
    (100.0, "Excellent"), (95.0, "Excellent"), (94.9, "Good"), (90.0, "Good"), (89.9, "Fair"), (80.0, "Fair"),
    (79.9, "Poor"), (50.0, "Poor"), (49.9, "Failing"), (0.0, "Failing"), (None, "Not scored"),
])
def test_bands(value, name):
    assert scoring.band(value) == name


def test_a_percentage_is_rounded_before_its_band_is_read():
    assert scoring.percent({"pass": 1899, "fail": 101}) == 95.0  # 94.95 shown as 95.0: Excellent, as shown
    assert scoring.band(scoring.percent({"pass": 1899, "fail": 101})) == "Excellent"
    assert scoring.percent({"not_applicable": 3, "waived": 1}) is None


# -- coverage: silent hosts, moved tier, first month -----------------------------------------

def test_a_host_that_stopped_reporting_is_no_data_never_compliant(report):
    coverage = report["coverage"]
    hosts_seen = {e["host"] for e in fx.plan() if e["client"] == "ACME Ltd" and e["when"] >= "2026-08"}
    reporting = {e["host"] for e in fx.month_entries("ACME Ltd", fx.MONTH) if e["findings"] or e["facts"]}
    assert coverage["expected"] == len(hosts_seen) == 5  # gone01 (July) is outside the lookback
    assert coverage["reporting"] == len(reporting) == 4
    assert [s["host"] for s in coverage["silent_hosts"]] == sorted(hosts_seen - reporting) == ["old01"]
    assert "unreachable" in coverage["silent_hosts"][0]["reason"]
    old = host(report, "old01")
    assert old["has_data"] is False and old["score"] is None and old["band"] == "No data"
    assert "old01" not in {h["host"] for h in report["hardening"]["hosts"]}
    assert "old01" not in {h["host"] for h in report["patching"]["hosts"]}


def test_a_host_that_moved_tier(report):
    ws = host(report, "ws01")
    assert ws["tiers"] == [fx.WS, fx.SRV] and ws["tier"] == fx.SRV and ws["moved_tier"] is True
    assert {"host": "ws01", "tiers": [fx.WS, fx.SRV]} in report["coverage"]["moved_tier"]
    assert [t["tier"] for t in report["tiers"]] == sorted({fx.SRV, fx.WS})
    # The latest results (of the SRP Server run) count under the tier the host ended the month in.
    assert ws["counts"]["fail"] == 1 and set(report["scorecard"]["tiers"]) == {fx.SRV}


def test_first_month_without_a_previous_month(store_path):
    with EvidenceStore(store_path) as store:
        globex = build_monthly(store, "Globex", fx.MONTH, now=NOW)
    card = globex["scorecard"]
    assert card["previous_month_available"] is False
    assert card["overall"]["previous_score"] is None and card["overall"]["change"] is None
    table = fx.latest_statuses("Globex", fx.MONTH, AS_OF)
    assert card["overall"]["score"] == expected_weighted(all_statuses(table))
    assert globex["coverage"] == {**globex["coverage"], "expected": 1, "reporting": 1, "silent": 0}


# -- waivers ---------------------------------------------------------------------------------

def test_expired_waivers_count_as_fails_and_are_flagged(report):
    waivers = {(w["host"], w["check_id"]): w for w in report["hardening"]["waivers"]}
    assert waivers[("db01", "TRP-SSH-003")]["state"] == "expired"
    assert waivers[("db01", "TRP-SSH-003")]["counted_as"] == "fail"
    assert waivers[("db01", "TRP-SSH-003")]["days_left"] == (date(2026, 11, 15) - AS_OF).days
    assert waivers[("db01", "TRP-SSH-005")]["state"] == "expired"  # the role already made it a fail
    valid = waivers[("web01", "TRP-SSH-003")]
    assert (valid["state"], valid["counted_as"], valid["owner"], valid["ticket"], valid["expires"]) == (
        "expiring", "waived", "alice@acme.example", "SD-4711", "2026-12-10")
    assert valid["days_left"] == (date(2026, 12, 10) - AS_OF).days == 10
    assert report["hardening"]["waivers_expired"] == 2 and report["hardening"]["waivers_expiring"] == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("W-7", Waiver("W-7")),
    ("W-7; owner=ops; ticket=SD-1; expires=2026-12-31",
     Waiver("W-7", owner="ops", ticket="SD-1", expires=date(2026, 12, 31))),
    ('{"id": "W-8", "owner": "it", "expiry": "2027-01-02", "reason": "vendor"}',
     Waiver("W-8", owner="it", justification="vendor", expires=date(2027, 1, 2))),
    ("id: W-9, until: 2026-13-01", Waiver("W-9")),  # an impossible date is unknown, not a crash
    ("ACME-1234 (owner jane@acme.example, group legacy_backup, expires 2027-03-31)",  # tripod.waivers' form
     Waiver("ACME-1234", owner="jane@acme.example", ticket="ACME-1234", scope="group legacy_backup",
            expires=date(2027, 3, 31))),
])
def test_waiver_references(text, expected):
    assert parse_reference(text) == expected


def test_a_waiver_list_takes_precedence_over_the_reference_text():
    book = WaiverBook([Waiver("W-7", owner="from the list", expires=date(2027, 5, 1))])
    assert book.lookup("W-7; owner=from text").owner == "from the list"
    assert book.lookup("W-8; owner=from text").owner == "from text"


# -- sections ----------------------------------------------------------------------------------

def test_patching_figures(report):
    entries = {e["host"]: e for e in sorted(fx.month_entries("ACME Ltd", fx.MONTH), key=lambda e: e["when"])
               if e["facts"]}
    patches = {name: e["facts"]["patches"] for name, e in entries.items()}
    fully = [n for n, p in patches.items() if p["security_count"] == 0 and p["reboot_required"] is False]
    section = report["patching"]
    assert section["hosts_assessed"] == len(patches) == 4
    assert section["hosts_fully_patched"] == len(fully) == 2
    assert section["fully_patched_percent"] == round(100 * len(fully) / len(patches), 1)
    assert section["security_pending_total"] == sum(p["security_count"] for p in patches.values())
    assert section["reboots_pending"] == sum(1 for p in patches.values() if p["reboot_required"])
    actions = [a for e in fx.month_entries("ACME Ltd", fx.MONTH) for a in e["actions"]]
    assert section["updates_installed"] == sum(1 for a in actions if a.kind == "package_updated" and a.changed)
    assert section["reboots_done"] == sum(1 for a in actions if a.kind == "reboot" and a.changed)
    # openssl pending since the October run: 2026-10-10 to 2026-11-10.
    assert section["oldest_pending_security"]["name"] == "openssl"
    assert section["oldest_pending_security"]["age_days"] == (date(2026, 11, 10) - date(2026, 10, 10)).days
    failed = [(e["host"], f.evidence, e["when"]) for e in fx.month_entries("ACME Ltd", fx.MONTH)
              for f in e["findings"] if f.check_id == "TRP-PATCH-004" and f.status in ("error", "fail")]
    assert [(f["host"], f["detail"], f["time"]) for f in section["failed_updates"]] == failed
    assert len(failed) == 1 and failed[0][0] == "win01"
    days = {h["host"]: h["days_since_patch"] for h in section["hosts"]}
    assert days["web01"] == (datetime(2026, 11, 10, 2) - datetime(2026, 10, 1, 3)).days


def test_windows_host_from_recorded_facts(report):
    recorded = json.loads((fx.DATA / "windows" / "server2022_pending_security_reboot.json").read_text())
    win = host(report, "win01")
    assert win["os"] == recorded["identity"]["distribution"] == "Windows Server 2022"
    severities: dict[str, int] = {}
    for update in recorded["patches"]["pending"]:
        if update["security"]:
            key = (update["severity"] or "unrated").lower()
            severities[key] = severities.get(key, 0) + 1
    assert win["patching"]["security_by_severity"] == severities
    assert win["patching"]["security_pending"] == recorded["patches"]["security_count"]
    assert [fs["mount"] for fs in win["filesystems"]] == [
        fs["mount"] for fs in sorted(recorded["capacity"]["filesystems"], key=lambda f: -f["used_percent"])]
    assert win["lifecycle"]["eol_date"] == recorded["lifecycle"]["eol_date"]


def test_days_to_full_from_history(report):
    points = [(datetime.fromisoformat(e["when"].replace("Z", "+00:00")).timestamp() / 86400,
               e["facts"]["capacity"]["filesystems"][0]["used_bytes"])
              for e in fx.plan() if e["host"] == "web01" and e["facts"] and e["when"] >= "2026-08"]
    slope = statistics.linear_regression([x for x, _ in points], [y for _, y in points]).slope
    web_root = next(fs for fs in report["health"]["fullest_filesystems"] if (fs["host"], fs["mount"]) == ("web01", "/"))
    assert web_root["history_points"] == 3
    assert web_root["days_to_full"] == int(web_root["free_bytes"] / slope)
    ws_root = next(fs for fs in report["health"]["fullest_filesystems"] if (fs["host"], fs["mount"]) == ("ws01", "/"))
    assert ws_root["days_to_full"] is None and ws_root["projection_note"] == "not growing"
    assert web_root["projection_note"] is None


def test_no_projection_from_a_single_snapshot(store_path):
    with EvidenceStore(store_path) as store:
        globex = build_monthly(store, "Globex", fx.MONTH, now=NOW)
    [root] = globex["health"]["fullest_filesystems"]
    assert (root["history_points"], root["days_to_full"], root["projection_note"]) == (1, None, "too little history")


def test_health_certificates_and_backups(report):
    health = report["health"]
    latest = {e["host"]: e["facts"] for e in sorted(fx.month_entries("ACME Ltd", fx.MONTH), key=lambda e: e["when"])
              if e["facts"]}
    soon = sorted(((c["days_left"], h, c["path"]) for h, facts in latest.items() for c in facts["certificates"]
                   if c["days_left"] is not None and c["days_left"] < 30))
    assert ("web01", fx.CERT_SOON["path"]) in {(h, p) for _, h, p in soon}
    assert [(c["days_left"], c["host"], c["path"]) for c in health["certificates_expiring"]] == soon
    stale = [(h, b["path"]) for h, facts in sorted(latest.items()) for b in facts["backups"]
             if not b["exists"] or (b["age_hours"] or 0) > 26]
    assert [(b["host"], b["path"]) for b in health["stale_backups"]] == stale == [("web01", fx.BACKUP_STALE["path"])]
    failing = [(h, c) for h, checks in fx.latest_statuses("ACME Ltd", fx.MONTH, AS_OF).items()
               for c, (a, s) in checks.items() if a == "health" and s in ("fail", "error")]
    assert sum(health["findings_by_severity"].values()) == len(failing)


def test_housekeeping_counts_only_what_was_done(report):
    actions = [a for e in fx.month_entries("ACME Ltd", fx.MONTH) for a in e["actions"] if a.area == "housekeeping"]
    section = report["housekeeping"]
    assert section["bytes_reclaimed"] == sum(a.bytes or 0 for a in actions if a.changed) == 800 * 1024 ** 2
    assert section["actions"] == sum(1 for a in actions if a.changed)
    assert section["planned_only"] == sum(1 for a in actions if not a.changed) == 1


def test_lifecycle_and_recommendations(report):
    life = report["lifecycle"]
    debian_soon = next(s for s in life["operating_systems"] if s["eol_date"] == "2026-12-31")
    assert debian_soon["days_left"] == (date(2026, 12, 31) - AS_OF).days
    assert debian_soon["state"] == "ends within 12 months" and debian_soon["hosts"] == ["db01"]
    web = next(h for h in life["hardware"] if h["host"] == "web01")
    assert web["age_years"] == round((AS_OF - date(2019, 3, 1)).days / 365.25, 1)
    kinds = {(r["kind"], tuple(r["hosts"])) for r in life["recommendations"]}
    assert ("os_upgrade", ("db01",)) in kinds and ("hardware_replacement", ("web01",)) in kinds


def test_alerts_from_triage_tickets(report):
    start, end = "2026-11-01", "2026-12-01"
    acme = [t for t in fx.TICKETS if t[1] == "ACME Ltd"]
    opened = [t for t in acme if start <= t[5] < end]
    resolved = [t for t in acme if t[6] and start <= t[6] < end]
    hours = [(datetime.fromisoformat(t[6].replace("Z", "+00:00")) - datetime.fromisoformat(t[5].replace("Z", "+00:00")))
             .total_seconds() / 3600 for t in resolved]
    alerts = report["alerts"]
    assert alerts["available"] is True
    assert (alerts["opened"], alerts["resolved"]) == (len(opened), len(resolved)) == (3, 3)
    assert alerts["mean_hours_to_resolve"] == round(sum(hours) / len(hours), 1)
    assert alerts["open_at_end"] == sum(1 for t in acme if t[5] < end and (t[6] is None or t[6] >= end)) == 1
    by_key = {(r["priority"], r["service_desk_tier"]): (r["opened"], r["resolved"]) for r in alerts["rows"]}
    assert by_key == {("P1", 2): (1, 1), ("P2", 2): (1, 2), ("P3", 1): (1, 0)}


def test_alerts_say_no_triage_data_when_there_is_none(store_path, tmp_path):
    with EvidenceStore(store_path) as store:
        globex = build_monthly(store, "Globex", fx.MONTH, now=NOW)
    assert globex["alerts"] == {"available": False, "note": globex["alerts"]["note"]}
    assert globex["alerts"]["note"].startswith("no triage data")


def test_merge_by_host_groups_streams_and_refuses_unordered_input():
    from types import SimpleNamespace as Row

    from tripod.report.gather import merge_by_host

    a = [Row(host="a", v=1), Row(host="a", v=2), Row(host="c", v=3)]
    b = [Row(host="b", v=4), Row(host="c", v=5)]
    merged = [(host, [[r.v for r in part] for part in parts]) for host, parts in merge_by_host(a, b)]
    assert merged == [("a", [[1, 2], []]), ("b", [[], [4]]), ("c", [[3], [5]])]
    with pytest.raises(RuntimeError, match="not ordered by host"):
        list(merge_by_host([Row(host="b"), Row(host="a")]))


def test_pending_age_prefers_an_earlier_first_seen_the_facts_carry():
    from tripod.report.gather import Sample
    from tripod.report.trends import pending_ages

    history = [Sample("2026-10-10T02:00:00Z", {}, frozenset({"openssl"})),
               Sample("2026-11-10T02:00:00Z", {}, frozenset({"openssl", "libc6"}))]
    ages = {a.name: a for a in pending_ages(history)}
    assert (ages["openssl"].age_days, ages["openssl"].at_least, ages["libc6"].age_days) == (31, True, 0)
    ages = {a.name: a for a in pending_ages(history, {"openssl": "2026-09-01T00:00:00Z"})}
    assert (ages["openssl"].first_seen, ages["openssl"].age_days, ages["openssl"].at_least) == (
        "2026-09-01T00:00:00Z", 70, False)


def test_an_unreachable_sighting_is_not_a_sighting(report, tmp_path):
    """old01 was unreachable in November: last seen is when it last answered (October), and a
    host that never answered is "never reached", with no time at all."""
    old = host(report, "old01")
    assert (old["last_seen"], old["never_reached"]) == ("2026-10-10T02:00:00Z", False)
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        run = store.start_run("r1", started_at="2026-11-10T02:00:00Z")
        store.record_host(run, fx.HostResult(host="ghost01", status="unreachable", client="Ghost", tier=fx.SRV,
                                              finished_at="2026-11-10T02:00:00Z", message="ssh: connection refused"))
        ghost = host(build_monthly(store, "Ghost", fx.MONTH, now=NOW), "ghost01")
    assert (ghost["last_seen"], ghost["never_reached"]) == (None, True)


def test_pending_updates_on_stale_package_lists_are_not_assessed_never_fully_patched(tmp_path):
    """The facts say 0 pending, but TRP-PATCH-001 was not assessed (lists never downloaded)."""
    facts = fx._linux("stale01", "2026-11-10T02:00:00Z", used_gib=5, pending=[], last_upgrade="2026-11-01T03:00:00Z")
    reason = "pending updates not assessed: package lists never downloaded: bookworm-security (see TRP-PATCH-006)"
    finding = fx.Finding.from_dict({"area": "patching", "check_id": "TRP-PATCH-001", "title": "t", "severity": "high",
                                    "status": "not_assessed", "evidence": reason})
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        run = store.start_run("r1", started_at="2026-11-10T02:00:00Z")
        store.record_host(run, fx.HostResult(host="stale01", status="ok", client="Stale", tier=fx.SRV,
                                              finished_at="2026-11-10T02:00:00Z", facts=[facts], findings=[finding]))
        report = build_monthly(store, "Stale", fx.MONTH, now=NOW)
    patching = host(report, "stale01")["patching"]
    assert (patching["assessed"], patching["fully_patched"], patching["security_pending"]) == (False, False, None)
    assert patching["not_assessed_reason"] == reason
    assert report["patching"]["hosts_not_assessed"] == ["stale01"] and report["patching"]["hosts_fully_patched"] == 0


def test_a_legacy_waiver_meta_check_row_is_not_a_waiver(tmp_path):
    """Rows recorded before store migration 5: TRP-WAIVER-001 carried the expired tickets as its
    "waiver"; the report lists each waiver once, on its own control."""
    legacy = "SD-9; control=TRP-SSH-003; owner=bob; expires=2026-11-01"
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        run = store.start_run("r1", started_at="2026-11-10T02:00:00Z")
        store.record_host(run, fx.HostResult(host="old01", status="ok", client="Legacy", tier=fx.SRV,
                                              finished_at="2026-11-10T02:00:00Z", findings=[
            fx.Finding.from_dict({"area": "hardening", "check_id": check_id, "title": "t", "severity": "medium",
                                  "status": status, "waiver": "placeholder"})
            for check_id, status in (("TRP-SSH-003", "fail"), ("TRP-WAIVER-001", "fail"))]))
        store._conn.execute("UPDATE findings SET waiver = ?, waiver_detail = NULL", (legacy,))
        store._conn.execute("UPDATE findings SET waiver = 'SD-9' WHERE check_id = 'TRP-WAIVER-001'")
        store._conn.commit()
        report = build_monthly(store, "Legacy", fx.MONTH, now=NOW)
    [waiver] = report["hardening"]["waivers"]
    assert (waiver["check_id"], waiver["reference"], waiver["state"]) == ("TRP-SSH-003", "SD-9", "expired")
    assert report["hardening"]["waivers_expired"] == 1


def test_a_reboot_pending_counts_even_when_pending_updates_are_not_assessed(tmp_path):
    facts = fx._linux("stale02", "2026-11-10T02:00:00Z", used_gib=5, pending=[], last_upgrade="2026-11-01T03:00:00Z",
                      reboot=True)
    finding = fx.Finding.from_dict({"area": "patching", "check_id": "TRP-PATCH-001", "title": "t", "severity": "high",
                                    "status": "not_assessed", "evidence": "package lists never downloaded"})
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        run = store.start_run("r1", started_at="2026-11-10T02:00:00Z")
        store.record_host(run, fx.HostResult(host="stale02", status="ok", client="Stale", tier=fx.SRV,
                                              finished_at="2026-11-10T02:00:00Z", facts=[facts], findings=[finding]))
        report = build_monthly(store, "Stale", fx.MONTH, now=NOW)
    assert report["patching"]["hosts_not_assessed"] == ["stale02"] and report["patching"]["reboots_pending"] == 1
