"""The client-facing part of the monthly report (executive summary, needs-attention, overview, work done,
backups, availability, endpoint protection), the weighted score and report.* policy settings, checked
against plain counting over the fixture's plan (tests/report_fixture.py), never against the report code."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests import report_fixture as fx
from tripod.errors import InputError
from tripod.policy.resolve import Resolution, tier_policy
from tripod.report import build_monthly, plain, scoring
from tripod.report.render import render_html
from tripod.report.sections import Health
from tripod.report.settings import default_settings, settings_from_resolutions
from tripod.store import EvidenceStore

NOW = datetime.fromisoformat(fx.NOW.replace("Z", "+00:00"))
AS_OF = date(2026, 11, 30)
NOVEMBER = [e for e in fx.plan() if e["client"] == "ACME Ltd" and e["when"].startswith(fx.MONTH)]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return fx.build_store(tmp_path_factory.mktemp("summary") / "evidence.sqlite")


@pytest.fixture(scope="module")
def report(store_path):
    with EvidenceStore(store_path) as store:
        return build_monthly(store, "ACME Ltd", fx.MONTH, now=NOW)


def items(report, host):
    return [i for i in report["summary"]["needs_attention"] if i["host"] == host]


def test_needs_attention_names_each_serious_item_in_plain_words_with_host_and_date(report):
    web = {i["check_id"]: i for i in items(report, "web01")}
    # the certificate expired on 2026-11-22: 8 days before the report date (not "12 days left" at collection)
    days = (AS_OF - date(2026, 11, 22)).days
    assert web["TRP-CERT-001"]["what"] == f"Certificate CN=web01 expired {days} days ago (2026-11-22)"
    assert web["TRP-CERT-001"]["severity"] == "critical"
    assert "finished 2026-11-07, 23 days before the report date" in web["TRP-BACKUP-001"]["what"]
    assert web["TRP-PATCH-001"]["what"].startswith("2 security updates not installed")  # openssl, libc6
    db = [i["what"] for i in items(report, "db01")]
    assert any("waiver W-102" in w and "expired 15 days ago (2026-11-15)" in w for w in db)
    [old] = items(report, "old01")
    assert old["what"] == "No data since 2026-10-10: connection failed"  # not the raw Ansible message
    for item in report["summary"]["needs_attention"]:
        assert item["severity"] in ("critical", "high") and item["due"] >= "2026-11-30"
        assert "TRP-" not in item["what"] or "title of" in item["what"]  # fixture titles carry the id
    severities = [i["severity"] for i in report["summary"]["needs_attention"]]
    assert severities == sorted(severities, key=lambda s: s != "critical")  # critical first


def test_act_by_date_is_the_deadline_or_the_report_date_plus_the_severity_days(report):
    for item in report["summary"]["needs_attention"]:
        limit = {"critical": "2026-12-03", "high": "2026-12-07"}[item["severity"]]
        assert item["due"] <= limit


def test_overview_has_every_host_with_its_figures(report):
    rows = {r["host"]: r for r in report["summary"]["overview"]}
    assert set(rows) == {"web01", "db01", "ws01", "old01", "win01"}
    assert rows["web01"]["security_pending"] == 2 and rows["web01"]["reboot_required"] is True
    assert rows["win01"]["security_pending"] == 3  # the recorded Windows facts
    assert rows["old01"]["has_data"] is False and rows["old01"]["score"] is None
    assert rows["db01"]["worst_problem"] == "Security setting not in place: title of TRP-SSH-005"  # the critical one
    assert rows["ws01"]["tier"] == "tier_srp_server"


def test_work_done_counts_the_recorded_actions_and_tickets(report):
    actions = [a for e in NOVEMBER for a in e["actions"]]
    done = report["summary"]["work_done"]
    assert done["patches_installed"] == sum(1 for a in actions if a.kind == "package_updated" and a.changed)
    assert done["reboots"] == sum(1 for a in actions if a.kind == "reboot" and a.changed)
    assert done["bytes_reclaimed"] == sum(a.bytes or 0 for a in actions if a.area == "housekeeping" and a.changed)
    resolved = [t for t in fx.TICKETS if t[0 + 1] == "ACME Ltd" and t[6] and t[6].startswith(fx.MONTH)]
    assert done["tickets_resolved"] == len(resolved)
    assert done["controls_enforced"] == 0  # the fixture enforced nothing


def test_backups_availability_and_endpoint_protection(report):
    backups = {b["host"]: b for b in report["summary"]["backups"]}
    assert backups["web01"]["last_success"] == fx.BACKUP_STALE["modified"]
    assert backups["db01"]["marker"] is None and not backups["db01"]["exists"]
    availability = {a["host"]: a for a in report["summary"]["availability"]}
    assert availability["old01"] == {**availability["old01"], "runs": 1, "answered": 0, "silent": True}
    assert availability["win01"]["runs"] == 2  # the failed patch run answered too
    endpoint = report["summary"]["endpoint_protection"]
    linux = next(e for e in endpoint if e["platform"] == "linux")
    assert linux["state"] == "not applicable" and sorted(linux["hosts"]) == ["db01", "web01", "ws01"]
    windows = next(e for e in endpoint if e["platform"] == "windows")
    assert windows["hosts"] == ["win01"] and windows["state"] == "not assessed"  # no TRP-WIN-01x result recorded


def test_unpatched_hosts_score_lower_than_hosts_with_many_hardening_fails():
    weights = default_settings("c").weights
    unpatched = scoring.weighted({"patching": 25.0, "hardening": 90.0, "health": 100.0}, weights)
    hardened_badly = scoring.weighted({"patching": 100.0, "hardening": 30.0, "health": 100.0}, weights)
    assert unpatched is not None and hardened_badly is not None and unpatched < hardened_badly
    assert unpatched == round((40 * 25 + 20 * 90 + 30 * 100) / 90, 1)
    assert scoring.weighted({"patching": None, "hardening": 50.0}, weights) == 50.0
    assert scoring.weighted({"patching": None}, weights) is None


def test_area_scores_and_weights_are_beside_the_overall_score(report):
    card = report["scorecard"]
    assert card["weights"] == {"patching": 40, "hardening": 20, "health": 30, "housekeeping": 10}
    assert all(a["weight"] == card["weights"][name] for name, a in card["areas"].items())
    assert "sum of weight x area score" in card["formula"]
    html = render_html(report)
    for name, area in card["areas"].items():
        assert f"{area['score']:.1f}%" in html
    assert report["summary"]["sentences"]["patching"].startswith("2 of 4 hosts assessed are fully patched")
    assert "How the score is computed" in html


def test_shared_and_pseudo_filesystems_are_one_row_or_none():
    def fs(mount, device, fstype, used, size=100):
        return {"mount": mount, "device": device, "fstype": fstype, "used_percent": used, "size_bytes": size,
                "free_bytes": 1}

    health = Health()
    for name in ("c1", "c2", "c3", "c4"):  # four containers on one disk
        health.add({"host": name, "findings": [], "certificates": [], "backups": [],
                    "filesystems": [fs("/", "overlay", "overlay", 96.0), fs("/tmp", "tmpfs", "tmpfs", 99.0),
                                    fs("/data", "/dev/sdb1", "ext4", 50.0), fs("/srv", "/dev/sdb1", "ext4", 50.0)]})
    rows = health.result()["fullest_filesystems"]
    assert [(r["mount"], r["hosts"]) for r in rows] == [("/", ["c1", "c2", "c3", "c4"])] + [
        ("/data", [name]) for name in ("c1", "c2", "c3", "c4")]


@pytest.mark.parametrize(("days", "text"), [(-15, "expired 15 days ago (2026-11-15)"), (-1, "expired 1 day ago (2026-11-15)"),
                                            (0, "expires today (2026-11-15)"), (3, "expires in 3 days (2026-11-15)"),
                                            (None, "expiry unknown")])
def test_expiry_in_plain_words(days, text):
    assert plain.expiry_phrase(days, "2026-11-15") == text


@pytest.mark.parametrize(("message", "reason"), [
    ("Failed to connect to the host via ssh: ssh: connect to host 10.0.0.5 port 22: Connection refused",
     "SSH connection refused"),
    ("Failed to connect to the host via ssh: Permission denied (publickey).", "login refused (credentials)"),
    ("Data could not be sent to remote host. Make sure this host can be reached over ssh", "connection failed"),
    (None, "no answer"),
])
def test_short_reasons_for_unreachable_hosts(message, reason):
    assert plain.short_reason(message) == reason


def _resolution(host, tier, report=None, client="acme"):
    policy = tier_policy(tier)
    policy["report"] = {**policy["report"], **(report or {})}
    return Resolution(host=host, tier=tier, client=client, policy=policy)


def test_report_settings_from_the_inventory_policy():
    named = {"client_name": "ACME Limited", "weights": {"patching": 50, "health": 50, "hardening": 0,
                                                        "housekeeping": 0}}
    settings = settings_from_resolutions("acme", [
        _resolution("a", "tier_srp_server", named),
        _resolution("b", "tier_srp_workstation", {**named, "monthly": False}),
        _resolution("x", "tier_srp_server", {"client_name": "Other"}, client="other"),
    ], "inv")
    assert settings.display_name == "ACME Limited" and settings.weights["hardening"] == 0
    assert "tier_srp_workstation" not in settings.monthly_tiers and "tier_srp_server" in settings.monthly_tiers
    # report.engineer_review from each tier's policy (SRP Server's default); a tier without hosts takes the
    # settings of the client's first host
    assert "tier_srp_server" in settings.review_tiers and "tier_srp_workstation" not in settings.review_tiers
    assert default_settings("acme").display_name == "acme"


def test_report_settings_that_differ_between_a_clients_hosts_are_bad_input():
    with pytest.raises(InputError, match="inv: host b: report.client_name: differs from host a"):
        settings_from_resolutions("acme", [_resolution("a", "tier_srp_server", {"client_name": "One"}),
                                           _resolution("b", "tier_srp_server", {"client_name": "Two"})], "inv")
    zero = {"weights": dict.fromkeys(("patching", "health", "hardening", "housekeeping"), 0)}
    with pytest.raises(InputError, match="report.weights: every weight is 0"):
        settings_from_resolutions("acme", [_resolution("a", "tier_srp_server", zero)], "inv")


def test_the_weights_and_display_name_change_the_report(store_path):
    settings = settings_from_resolutions("ACME Ltd", [_resolution("a", "tier_srp_server", {
        "client_name": "ACME Limited", "weights": {"patching": 1, "health": 0, "hardening": 0, "housekeeping": 0}},
        client="ACME Ltd")], "inv")
    with EvidenceStore(store_path) as store:
        report = build_monthly(store, "ACME Ltd", fx.MONTH, now=NOW, settings=settings)
    assert report["client_name"] == "ACME Limited" and report["client"] == "ACME Ltd"
    assert report["scorecard"]["overall"]["score"] == report["scorecard"]["areas"]["patching"]["score"]
    assert "ACME Limited" in render_html(report)


@pytest.mark.parametrize(("results", "state", "detail"), [
    ({"TRP-WIN-011": "pass", "TRP-WIN-012": "pass"}, "protected",
     "Microsoft Defender: real-time protection, signatures up to date"),
    ({"TRP-WIN-011": "pass", "TRP-WIN-012": "fail"}, "attention", "Microsoft Defender: not signatures up to date"),
    ({}, "not assessed", "no Defender result recorded this month"),
])
def test_endpoint_protection_on_windows_from_the_defender_controls(results, state, detail):
    from tripod.report.summary import ClientSummary

    summary = ClientSummary(datetime(2026, 11, 30, tzinfo=NOW.tzinfo))
    host = {"host": "win01", "has_data": True, "os_family": "windows", "os": "Windows Server 2022",
            "passed": [[c, "hardening", "t", "high", "", ""] for c, s in results.items() if s == "pass"],
            "findings": [{"check_id": c, "effective_status": s} for c, s in results.items() if s != "pass"]}
    summary._endpoint(host)
    [row] = summary.endpoint
    assert (row["state"], row["detail"]) == (state, detail)


def test_the_host_appendix_is_most_severe_first(report):
    order = [h["host"] for h in report["hosts"]]
    worst = {h["host"]: max((["info", "low", "medium", "high", "critical"].index(f["severity"])
                             for f in h["findings"] if f["effective_status"] in ("fail", "error")), default=-1)
             for h in report["hosts"] if h["has_data"]}
    assert order[0] == "old01"  # no data first
    ranked = order[1:]
    assert [worst[h] for h in ranked] == sorted((worst[h] for h in ranked), reverse=True)
    assert ranked[0] == "db01"  # its critical TRP-SSH-005
