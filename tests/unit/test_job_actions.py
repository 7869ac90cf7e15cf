"""The Python side of the tripod.maintenance.triage and tripod.maintenance.report actions (the
controller jobs of playbooks/triage.yml and playbooks/report.yml): the dry run's rollback on both
store backends, policies from host variables, the planned report files, secrets and store errors."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ansible.errors import AnsibleActionFail

from tests import report_fixture as fx
from tripod.models import Finding
from tripod.policy.resolve import deep_merge, tier_policy
from tripod.report.monthly import build_monthly
from tripod.report.render import write_report
from tripod.report.review import build_review
from tripod.store import EvidenceStore, HostResult
from tripod.triage.routing import route
from tripod.triage.secrets import Secrets

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.action import report as report_action  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.action import triage as triage_action  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.plugin_utils import controller_jobs as jobs  # noqa: E402

NEVER = {"days": ["sun"], "start": "00:00", "duration_minutes": 1, "timezone": "UTC"}


def _finding(check: str, status: str, severity: str = "high") -> Finding:
    return Finding(area="health", check_id=check, title=f"title of {check}", severity=severity, status=status,
                   evidence="seen", remediation="fix it")


def _routes(tmp_path: Path) -> dict[str, object]:
    policy = deep_merge(tier_policy("tier_srp_server"), {"maintenance_window": NEVER, "alerts": {
        "min_severity": "medium", "jsonl": {"path": str(tmp_path / "tickets.jsonl")}}})
    return {host: route(host, "acme", "tier_srp_server", policy) for host in ("srv1", "srv2")}


def _record(store: EvidenceStore, host: str, findings: list[Finding]) -> None:
    run = store.start_run(playbook="audit.yml")
    store.record_host(run, HostResult(host=host, status="ok", client="acme", tier="tier_srp_server",
                                      findings=findings))
    store.end_run(run)


def test_a_dry_run_triage_writes_and_sends_nothing_and_lists_what_the_real_run_sends(evidence_location, tmp_path):
    sink = tmp_path / "tickets.jsonl"
    routes = _routes(tmp_path)
    with EvidenceStore(evidence_location) as store:
        _record(store, "srv1", [_finding("TRP-DISK-001", "fail", "medium"), _finding("TRP-SVC-001", "pass")])
        _record(store, "srv2", [_finding("TRP-CERT-001", "error"), _finding("TRP-SSH-004", "fail", "low")])

        dry = triage_action.triage(store, routes, Secrets(), check=True)
        assert store.tickets.find() == [] and store.tickets.events() == []
        assert store.tickets.cursor("acme", "srv1") == 0 == store.tickets.cursor("acme", "srv2")
        assert not sink.exists()
        would = {(e["host"], e["check_id"], e["event"], e["sink"]) for e in dry["would_send"]}
        # The low-severity fail is below alerts.min_severity (medium); the pass opens nothing.
        assert would == {("srv1", "TRP-DISK-001", "opened", "jsonl"), ("srv2", "TRP-CERT-001", "opened", "jsonl")}
        assert dry["outcomes"]["below_threshold"] == 1 and dry["changed"]

        real = triage_action.triage(store, routes, Secrets())
        sent = {(e["host"], e["check_id"], e["event"], "jsonl") for e in map(json.loads, sink.read_text().splitlines())}
        assert sent == would
        assert {(t["host"], t["check_id"], t["status"]) for t in real["tickets"]} == {
            ("srv1", "TRP-DISK-001", "open"), ("srv2", "TRP-CERT-001", "open")}
        assert real["sent"] == {"jsonl": 2} and real["changed"]

        _record(store, "srv1", [_finding("TRP-DISK-001", "pass", "medium")])
        again = triage_action.triage(store, routes, Secrets(), check=True)
        assert [(e["host"], e["event"]) for e in again["would_send"]] == [("srv1", "resolved")]
        assert {t.status for t in store.tickets.find()} == {"open"}, "the resolution was rolled back"


def test_an_error_inside_a_dry_run_transaction_rolls_back_and_forgets_its_events(tmp_path):
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        dry = triage_action.DryRunTickets(store.tickets)
        # An event of no ticket: the store refuses it (foreign key), after the dry run noted it.
        with pytest.raises(sqlite3.IntegrityError), dry.transaction():
            dry.enqueue("TRP-TKT-1", 1, "opened", "jsonl", {"path": "x"}, {"host": "h"}, "2026-01-01T00:00:00Z")
        assert dry.would_send == [] and store.tickets.events() == []


def _hostvars(**hosts: dict[str, object]) -> dict[str, object]:
    return {"hostvars": hosts, "groups": {"all": list(hosts)}}


def test_policies_are_resolved_from_the_inventory_variables_and_problems_name_host_and_key():
    acme = {"tripod_client": "acme", "tripod_client_policy": {"alerts": {"min_severity": "high"}}}
    task_vars = _hostvars(
        web01={"group_names": ["tier_srp_server"], **acme},
        web02={"group_names": ["tier_srp_server"], **acme},
        ws01={"group_names": ["tier_srp_workstation", "tier_srp_server"], **acme},
        bad01={"group_names": ["tier_srp_server"], "tripod_client": "acme",
               "tripod_host_policy": {"alerts": {"min_severity": "urgent"}}},
    )
    resolutions, problems = jobs.resolve_hosts(task_vars, [*jobs.inventory_hosts(task_vars, None), "ghost"])
    ok = {r.host: r for r in resolutions if r.ok}
    assert set(ok) == {"web01", "web02"}
    assert ok["web01"].policy["alerts"]["min_severity"] == "high" and ok["web02"].client == "acme"
    assert ok["web01"].policy["alerts"]["service_desk_tier"] == tier_policy("tier_srp_server")["alerts"][
        "service_desk_tier"], "the tier's defaults under the client's policy"
    assert any("host ws01: tier" in p for p in problems)
    assert any("host bad01: tripod_host_policy.alerts.min_severity" in p for p in problems)
    assert "host ghost: not in the inventory" in problems
    routes = triage_action.routes_of(resolutions, problems)
    assert set(routes) == {"web01", "web02"}


def test_a_client_wide_report_key_two_hosts_disagree_on_fails_naming_it():
    task_vars = _hostvars(
        a1={"group_names": ["tier_srp_server"], "tripod_client": "acme",
            "tripod_host_policy": {"report": {"client_name": "ACME Ltd"}}},
        a2={"group_names": ["tier_srp_server"], "tripod_client": "acme",
            "tripod_host_policy": {"report": {"client_name": "Acme"}}},
    )
    resolutions, _ = jobs.resolve_hosts(task_vars, ["a1", "a2"])
    with pytest.raises(AnsibleActionFail, match="host a2: report.client_name: differs from host a1"):
        report_action.client_settings(resolutions, ["acme"], (), None)


def test_the_planned_files_are_the_files_the_report_writes(tmp_path):
    store_path = fx.build_store(tmp_path / "evidence.sqlite")
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    formats = ["html", "json", "csv"]  # the PDF's name follows the HTML's rule; WeasyPrint is slow
    with EvidenceStore(store_path) as store:
        monthly = build_monthly(store, "ACME Ltd", fx.MONTH, now=now)
        review = build_review(store, "ACME Ltd", "2026-H2", now=now)
    for built in (monthly, review):
        out = tmp_path / built["kind"]
        written = write_report(built, out, formats)
        assert report_action.planned_files(built, out, formats) == [str(p) for p in written]
        assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert report_action.planned_files(monthly, tmp_path, ["pdf"]) == [str(tmp_path / f"acme-ltd-{fx.MONTH}.pdf")]


@pytest.mark.parametrize(("today", "half"), [((2027, 1, 5), "2026-H2"), ((2027, 6, 30), "2026-H2"),
                                             ((2027, 7, 1), "2027-H1"), ((2027, 12, 31), "2027-H1")])
def test_the_last_half_year_is_the_one_that_ended(today, half):
    assert report_action.last_half(datetime(*today, tzinfo=UTC)) == half


def test_secret_options_win_over_the_environment_and_never_show(monkeypatch):
    monkeypatch.setenv("TRIPOD_WEBHOOK_TOKEN", "from-env")
    monkeypatch.setenv("TRIPOD_SMTP_USER", "mailer")
    monkeypatch.delenv("TRIPOD_SMTP_PASSWORD", raising=False)
    secrets = jobs.load_job_secrets({"webhook_token": "from-option", "smtp_password": "pw-123"})
    assert (secrets.webhook_token, secrets.smtp_user, secrets.smtp_password) == ("from-option", "mailer", "pw-123")
    assert "from-option" not in repr(secrets) and "pw-123" not in repr(secrets)
    with pytest.raises(AnsibleActionFail, match="secrets file not found"):
        jobs.load_job_secrets({"secrets_file": "/nonexistent/secrets.yml"})


def test_a_store_url_password_is_never_shown():
    assert jobs.display_store("postgresql://tripod:s3cret@db.example.net:5432/tripod") == (
        "postgresql://tripod:***@db.example.net:5432/tripod")
    plain = "postgresql://tripod@db.example.net/tripod"
    assert jobs.display_store(plain) == plain
    assert jobs.display_store("/var/lib/tripod/evidence.sqlite") == "/var/lib/tripod/evidence.sqlite"


def test_a_missing_sqlite_store_is_an_error_not_a_new_store(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIPOD_EVIDENCE_URL", raising=False)
    missing = tmp_path / "evidence.sqlite"
    with pytest.raises(AnsibleActionFail, match="no evidence store; set TRIPOD_EVIDENCE_URL"):
        jobs.existing_store(f"sqlite://{missing}")
    assert not missing.exists()
    with EvidenceStore(missing):
        pass
    assert jobs.existing_store(f"sqlite://{missing}") == missing
    with EvidenceStore(missing) as store, pytest.raises(AnsibleActionFail, match="client.s. globex: no evidence"):
        jobs.store_clients(store, ["globex"])
