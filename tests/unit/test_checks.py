"""Controller-side checks: each evaluated from facts and policy, with its status and evidence."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from datetime import datetime, timezone

import pytest

from tripod.checks import CHECKS, evaluate
from tripod.checks.patching import lists_problem
from tripod.models import CHECK_ID_PATTERN, Finding
from tripod.policy import tier_policy
from tripod.text import clip

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
POLICY = tier_policy("tier_srp_server")


def facts(**changes):
    base = {
        "os_family": "linux",
        "identity": {"distribution": "Debian", "distribution_version": "12", "uptime_seconds": 3 * 86400},
        "lifecycle": {"product": "debian", "version": "12", "eol_date": "2028-06-30", "days_left": 581},
        "patches": {"manager": "apt", "pending": [], "security_count": 0, "other_count": 0, "held": [],
                    "last_upgrade": "2026-11-20T03:00:00Z", "reboot_required": False, "reboot_reasons": [],
                    "reboot_required_since": None,
                    "lists": [{"name": "bookworm", "uri": "http://deb.example/debian", "suite": "bookworm",
                               "path": "/var/lib/apt/lists/deb.example_debian_dists_bookworm_InRelease",
                               "updated": "2026-11-27T10:00:00Z", "age_hours": 2.0},
                              {"name": "bookworm-security", "uri": "http://deb.example/debian-security",
                               "suite": "bookworm-security",
                               "path": "/var/lib/apt/lists/deb.example_debian-security_dists_bookworm-security_InRelease",
                               "updated": "2026-11-27T10:00:00Z", "age_hours": 2.0}]},
        "capacity": {
            "filesystems": [
                {"mount": "/", "used_percent": 41.0, "inodes_percent": 12.0},
                {"mount": "/var", "used_percent": 63.5, "inodes_percent": 5.0},
            ],
            "memory": {"used_percent": 35.0},
            "load": {"cores": 2, "per_core15": 0.2},
        },
        "services": {"failed": [], "watched": {}},
        "time": {"synchronized": True, "source": "0.debian.pool.ntp.org", "service": "systemd-timesyncd"},
        "certificates": [],
        "backups": [],
        "errors": [],
    }
    for path, value in changes.items():
        node = base
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return base


def policy(**health):
    changed = copy.deepcopy(POLICY)
    changed["health"].update(health)
    return changed


def finding(check_id, facts_, policy_=POLICY):
    return next(f for f in evaluate(facts_, policy_, now=NOW) if f["check_id"] == check_id)


def test_every_finding_is_a_valid_result_model_finding():
    findings = evaluate(facts(), POLICY, now=NOW)
    assert len(findings) == sum(len(c) for c in CHECKS.values())
    for item in findings:
        assert CHECK_ID_PATTERN.match(item["check_id"])
        Finding.from_dict({**item, "host": "h", "client": "c", "tier": "tier_srp_server", "run_id": "r",
                           "time": "2026-11-27T12:00:00Z"})
    assert len({f["check_id"] for f in findings}) == len(findings), "check ids are unique"


def test_a_healthy_host_passes_or_is_not_applicable_with_reasons():
    statuses = {f["check_id"]: (f["status"], f["evidence"]) for f in evaluate(facts(), POLICY, now=NOW)}
    assert statuses["TRP-PATCH-001"] == ("pass", "no security updates pending")
    assert statuses["TRP-DISK-001"] == ("pass", "fullest: /var 64% (warning at 80%)")
    assert statuses["TRP-SVC-002"] == ("not_applicable", "the policy lists no required services")
    assert statuses["TRP-EOL-001"] == ("pass", "Debian 12 supported until 2028-06-30 (581 days)")


def test_pending_security_updates_are_high():
    pending = [{"name": "libssl3", "candidate": "3.0.17-1~deb12u3", "security": True},
               {"name": "tzdata", "candidate": "2025b", "security": False}]
    item = finding("TRP-PATCH-001", facts(patches__pending=pending))
    assert (item["status"], item["severity"]) == ("fail", "high")
    assert item["evidence"] == "1 security update(s) pending: libssl3 3.0.17-1~deb12u3"
    assert item["remediation"]
    other = finding("TRP-PATCH-002", facts(patches__pending=pending))
    assert (other["status"], other["severity"], other["evidence"]) == ("fail", "low", "1 non-security update(s) pending: tzdata")


def test_reboot_pending_longer_than_policy_is_a_high_health_finding():
    pending = facts(patches__reboot_required=True, patches__reboot_reasons=["kernel 6.1.0-40 installed"],
                    patches__reboot_required_since="2026-11-01T00:00:00Z")
    item = finding("TRP-REBOOT-001", pending)
    assert (item["area"], item["status"], item["severity"]) == ("health", "fail", "high")
    assert item["evidence"] == "reboot pending for 26 days since 2026-11-01 (limit 7)"
    # The patch state says a reboot is pending, at its own severity, whatever its age.
    patch = finding("TRP-PATCH-003", pending)
    assert (patch["area"], patch["status"], patch["severity"]) == ("patching", "fail", "medium")
    assert patch["evidence"] == "reboot required (pending 26 days): kernel 6.1.0-40 installed"
    # Within the limit (here raised per host through the policy) the health check passes.
    relaxed = finding("TRP-REBOOT-001", pending, policy(reboot_pending_max_days=30))
    assert (relaxed["status"], relaxed["evidence"]) == ("pass", "reboot pending for 26 days (limit 30)")


def test_reboot_overdue_needs_the_time_it_became_pending():
    assert finding("TRP-REBOOT-001", facts())["status"] == "pass"
    unknown = finding("TRP-REBOOT-001", facts(patches__reboot_required=True))
    assert (unknown["status"], unknown["evidence"]) == ("not_assessed", "a reboot is pending, but since when was not reported")


@pytest.mark.parametrize(("used", "status", "severity"), [(79.9, "pass", "medium"), (80, "fail", "medium"), (95, "fail", "critical")])
def test_disk_thresholds(used, status, severity):
    item = finding("TRP-DISK-001", facts(capacity__filesystems=[{"mount": "/srv", "used_percent": used, "inodes_percent": 1}]))
    assert (item["status"], item["severity"]) == (status, severity)


def test_thresholds_come_from_policy():
    item = finding("TRP-DISK-001", facts(), policy(disk_warning_percent=60, disk_critical_percent=70))
    assert (item["status"], item["evidence"]) == ("fail", "disk use at or over 60%: /var 64%")


def test_required_service_down():
    watched = {"ssh": {"active": True, "enabled": True}, "postgresql": {"active": False, "enabled": True, "state": "failed"}}
    item = finding("TRP-SVC-002", facts(services__watched=watched), policy(required_services=["ssh", "postgresql"]))
    assert (item["status"], item["evidence"]) == ("fail", "required service(s) not active: postgresql (failed)")


def test_expired_certificate_is_critical_and_stale_backup_is_high():
    certs = [{"path": "/etc/ssl/acme/old.pem", "days_left": -3}, {"path": "/etc/ssl/acme/new.pem", "days_left": 300}]
    item = finding("TRP-CERT-001", facts(certificates=certs), policy(certificate_paths=["/etc/ssl/acme"]))
    assert (item["status"], item["severity"], item["evidence"]) == (
        "fail", "critical", "1 expired: /etc/ssl/acme/old.pem (expired 3 days ago)")
    backups = [{"path": "/var/backups/done", "exists": True, "age_hours": 72.0}]
    item = finding("TRP-BACKUP-001", facts(backups=backups), policy(backup_markers=["/var/backups/done"]))
    assert (item["status"], item["severity"], item["evidence"]) == ("fail", "high", "older than 26 h: /var/backups/done (72 h)")


def test_an_expired_certificate_does_not_hide_the_expiring_ones():
    certs = [{"path": f"/etc/ssl/soon{n}.pem", "days_left": n} for n in range(7)] + [
        {"path": "/etc/ssl/old.pem", "days_left": -15}, {"path": "/etc/ssl/far.pem", "days_left": 400}]
    item = finding("TRP-CERT-001", facts(certificates=certs), policy(certificate_paths=["/etc/ssl"]))
    assert item["severity"] == "critical"
    assert item["evidence"] == ("1 expired, 7 expiring within 30 days: /etc/ssl/old.pem (expired 15 days ago), "
                                + ", ".join(f"/etc/ssl/soon{n}.pem ({n} days left)" for n in range(7)))


def test_end_of_life():
    past = finding("TRP-EOL-001", facts(lifecycle={"eol_date": "2024-06-30", "days_left": -880}))
    assert (past["status"], past["severity"]) == ("fail", "critical")
    unknown = finding("TRP-EOL-001", facts(lifecycle={"eol_date": None, "days_left": None}))
    assert unknown["status"] == "not_assessed"


def test_a_required_service_that_is_not_installed():
    watched = {"postgresql": {"active": False, "enabled": None, "found": False}}
    item = finding("TRP-SVC-002", facts(services__watched=watched), policy(required_services=["postgresql"]))
    assert item["evidence"] == "required service(s) not active: postgresql (not installed)"


def test_a_child_probe_error_does_not_spill_onto_its_siblings():
    errors = [{"probe": "capacity.load", "message": "counter unavailable"}]
    assert finding("TRP-LOAD-001", facts(errors=errors))["status"] == "error"
    assert finding("TRP-DISK-001", facts(errors=errors))["status"] == "pass"
    parent = [{"probe": "capacity", "message": "statvfs failed"}]
    assert finding("TRP-DISK-001", facts(errors=parent))["status"] == "error"


def test_a_failed_probe_makes_its_checks_errors_not_passes():
    item = finding("TRP-PATCH-001", facts(errors=[{"probe": "patches", "message": "apt-get timed out after 20 s"}]))
    assert (item["status"], item["evidence"]) == ("error", "probe patches failed: apt-get timed out after 20 s")
    assert finding("TRP-DISK-001", facts(errors=[{"probe": "patches", "message": "x"}]))["status"] == "pass"


def test_missing_facts_are_an_error_not_a_crash():
    broken = facts()
    del broken["time"]
    assert finding("TRP-TIME-001", broken)["status"] == "error"


SAMPLES = sorted((Path(__file__).resolve().parents[1] / "data").glob("*/*.json"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_recorded_facts_evaluate_to_valid_findings(sample):
    recorded = json.loads(sample.read_text())
    recorded = recorded.get("ansible_facts", {}).get("tripod_compliance", recorded)
    required = sorted((recorded["services"].get("watched") or {}))
    findings = evaluate(recorded, policy(required_services=required), now=NOW)
    for item in findings:
        Finding.from_dict({**item, "host": "h", "client": "c", "tier": "tier_srp_server", "run_id": "r",
                           "time": "2026-11-27T12:00:00Z"})
    by_id = {f["check_id"]: f for f in findings}
    failed_probes = {e["probe"] for e in recorded.get("errors") or []}
    if not failed_probes:
        assert not [f for f in findings if f["status"] == "error"], "no probe failed, so no check may error"
    security = [u for u in recorded["patches"]["pending"] if u.get("security")]
    pending_unreadable = failed_probes & {"patches", "patches.pending"}
    # Recorded before the facts reported the package lists' age: pending updates are not assessed.
    stale = lists_problem(recorded, POLICY) is not None
    assert by_id["TRP-PATCH-001"]["status"] == (
        "error" if pending_unreadable else "not_assessed" if stale else "fail" if security else "pass")
    watched_up = all(unit.get("active") is True for unit in recorded["services"]["watched"].values())
    if required and watched_up and by_id["TRP-SVC-002"]["status"] != "error":
        assert by_id["TRP-SVC-002"]["status"] == "pass"


def _lists(security_age):
    return [{"name": "bookworm", "age_hours": 2.0}, {"name": "bookworm-security", "age_hours": security_age}]


@pytest.mark.parametrize(("lists", "reason"), [
    (_lists(None), "never downloaded: bookworm-security"),
    (_lists(240.0), "older than 48 h: bookworm-security (240 h)"),
    (None, "of unknown age"),
    ([], "absent: no package source is configured"),
])
def test_stale_or_missing_package_lists_leave_pending_updates_not_assessed(lists, reason):
    """0 pending on lists never downloaded (or too old) is not "fully patched": never a pass."""
    stale = facts(patches__lists=lists)
    for check_id in ("TRP-PATCH-001", "TRP-PATCH-002"):
        item = finding(check_id, stale)
        assert item["status"] == "not_assessed" and reason in item["evidence"], item
    own = finding("TRP-PATCH-006", stale)
    assert own["status"] == ("not_assessed" if lists is None else "fail") and reason in own["evidence"]
    fresh = finding("TRP-PATCH-006", facts(patches__lists=_lists(47.0)))
    assert (fresh["status"], fresh["evidence"]) == ("pass", "2 source(s), oldest checked 47 h ago (limit 48 h)")
    assert finding("TRP-PATCH-001", facts(patches__lists=_lists(47.0)))["status"] == "pass"


def test_windows_update_last_search_decides_whether_pending_updates_are_assessed():
    """Recorded Windows facts with the `lists` entry win_compliance_facts.ps1 emits (its last
    successful Windows Update search); Windows can't run here, so only this side is tested."""
    sample = Path(__file__).resolve().parents[1] / "data" / "windows" / "server2022_pending_security_reboot.json"
    recorded = json.loads(sample.read_text())
    recorded = recorded.get("ansible_facts", {}).get("tripod_compliance", recorded)
    searched = {"name": "Windows Update", "uri": None, "suite": None, "path": None,
                "updated": "2026-11-27T09:00:00Z", "age_hours": 3.0}
    recorded["patches"]["lists"] = [searched]
    assert finding("TRP-PATCH-001", recorded)["status"] == "fail"
    recorded["patches"]["lists"] = [{**searched, "updated": None, "age_hours": None}]
    item = finding("TRP-PATCH-001", recorded)
    assert (item["status"], item["evidence"]) == (
        "not_assessed", "pending updates not assessed: package lists never downloaded: Windows Update (see TRP-PATCH-006)")


# A long probe error keeps its head and its tail (issue 12 §5); tests/unit/test_probe_errors.py
# has the module's side.
PROBE_ERROR = "apt-get -s -o Debug::NoLocking=1 " + " ".join(f"package-{n}" for n in range(200)) + " timed out after 20.0 s"


def test_the_finding_evidence_keeps_the_reason():
    errors = [{"probe": "patches", "message": clip(PROBE_ERROR, 500)}]
    evidence = finding("TRP-PATCH-001", facts(errors=errors))["evidence"]
    assert len(evidence) == 300 and evidence.startswith("probe patches failed: apt-get -s")
    assert evidence.endswith("timed out after 20.0 s")
