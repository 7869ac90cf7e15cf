"""Triage rules on a real evidence store: one ticket per problem, updates, resolution, the
maintenance window, priorities and Service Desk tiers, the cursor, Alertmanager payloads,
the outbox's order and claims, and secrets that never leak."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tripod.models import Finding, format_time
from tripod.policy.resolve import deep_merge, tier_policy
from tripod.store import EvidenceStore, HostResult
from tripod.triage.alertmanager import PayloadError, parse_payload
from tripod.triage.delivery import claimer_id, deliver
from tripod.triage.engine import apply
from tripod.triage.intake import TicketChanges, triage_alerts, triage_findings
from tripod.triage.model import Observation
from tripod.triage.routes import RouteTable
from tripod.triage.routing import Route, RoutingError, SinkTarget, route
from tripod.triage.secrets import Secrets, load_secrets
from tripod.triage.sinks import RetryLater
from tripod.triage.sinks.email import message
from tripod.triage.sinks.webhook import backoff_delays

NEVER = {"days": ["sun"], "start": "00:00", "duration_minutes": 1, "timezone": "UTC"}
ALWAYS = {"days": [], "start": "00:00", "duration_minutes": 1440, "timezone": "UTC"}


def policy(tier: str = "tier_srp_server", window: dict[str, Any] | None = None, **alerts: Any) -> dict[str, Any]:
    override: dict[str, Any] = {"maintenance_window": window or NEVER, "alerts": alerts}
    return deep_merge(tier_policy(tier), override)


def host_route(host: str = "srv1", tier: str = "tier_srp_server", client: str = "acme", window=None,
               tmp: Path | None = None, **alerts: Any) -> Route:
    if tmp is not None:
        alerts.setdefault("jsonl", {"path": str(tmp / "tickets.jsonl")})
    return route(host, client, tier, policy(tier, window, **alerts))


def finding(check: str, status: str, severity: str = "high", evidence: str = "seen", **extra: Any) -> Finding:
    return Finding(area="health", check_id=check, title=f"title of {check}", severity=severity, status=status,
                   evidence=evidence, remediation="fix it", **extra)


def record(store: EvidenceStore, host: str, findings: list[Finding], client: str = "acme",
           tier: str = "tier_srp_server", at: str | None = None) -> str:
    run = store.start_run(playbook="audit.yml")
    store.record_host(run, HostResult(host=host, status="ok", client=client, tier=tier, findings=findings,
                                      finished_at=at))
    store.end_run(run)
    return run


@pytest.fixture
def store(evidence_location):
    """An empty store on each backend (SQLite file, PostgreSQL database: tests/postgres.py)."""
    with EvidenceStore(evidence_location) as opened:
        yield opened


def events(store: EvidenceStore) -> list[tuple[str, str, str]]:
    return [(e.ticket_id, e.event, e.sink) for e in store.tickets.events()]


# -- one ticket per problem ---------------------------------------------------------------

def test_a_problem_seen_in_three_runs_keeps_one_ticket_that_is_updated(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-DISK-001", "fail", "medium", "/ at 85%")])
    assert triage_findings(store.tickets, [srv1])["opened"] == 1
    record(store, "srv1", [finding("TRP-DISK-001", "fail", "medium", "/ at 86%")])
    assert triage_findings(store.tickets, [srv1])["seen"] == 1
    record(store, "srv1", [finding("TRP-DISK-001", "fail", "critical", "/ at 97%")])
    assert triage_findings(store.tickets, [srv1])["updated"] == 1

    (ticket,) = store.tickets.find()
    assert (ticket.status, ticket.occurrences, ticket.severity, ticket.priority) == ("open", 3, "critical", "P1")
    assert ticket.evidence == "/ at 97%"
    assert [e.event for e in store.tickets.events()] == ["opened", "updated"], \
        "only the escalation is sent again, not every sighting"
    assert [e.payload["priority"] for e in store.tickets.events()] == ["P3", "P1"]


def test_the_ticket_is_resolved_when_the_check_passes_and_a_relapse_opens_a_new_one(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    triage_findings(store.tickets, [srv1])
    record(store, "srv1", [finding("TRP-SVC-002", "pass")])
    assert triage_findings(store.tickets, [srv1])["resolved"] == 1
    (first,) = store.tickets.find()
    assert first.status == "resolved" and first.resolution == "the check passes again"
    assert first.resolved_at is not None and first.resolved_at >= first.opened_at

    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    assert triage_findings(store.tickets, [srv1])["opened"] == 1
    tickets = store.tickets.find()
    assert [t.status for t in tickets] == ["resolved", "open"] and tickets[0].ticket_id != tickets[1].ticket_id
    assert [e.event for e in store.tickets.events()] == ["opened", "resolved", "opened"]


def test_tickets_open_during_a_period_for_the_reports(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail"), finding("TRP-DISK-001", "fail")])
    triage_findings(store.tickets, [srv1])
    record(store, "srv1", [finding("TRP-SVC-002", "pass")])
    triage_findings(store.tickets, [srv1])
    by_check = {t.check_id: t for t in store.tickets.find()}
    resolved_at = by_check["TRP-SVC-002"].resolved_at
    assert resolved_at is not None
    later = "2999-01-01T00:00:00Z"
    assert [t.check_id for t in store.tickets.find(active_from=later)] == ["TRP-DISK-001"], "still open"
    assert {t.check_id for t in store.tickets.find(active_from=resolved_at)} == {"TRP-SVC-002", "TRP-DISK-001"}
    assert store.tickets.find(active_until="2000-01-01T00:00:00Z") == [], "opened after the period"
    assert [t.check_id for t in store.tickets.find(status="resolved", client="acme")] == ["TRP-SVC-002"]


def test_waived_and_not_applicable_resolve_but_not_assessed_says_nothing(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail"), finding("TRP-CERT-001", "fail"),
                           finding("TRP-BACKUP-001", "fail")])
    triage_findings(store.tickets, [srv1])
    record(store, "srv1", [finding("TRP-SVC-002", "waived", waiver="WVR-7"),
                           finding("TRP-CERT-001", "not_applicable"), finding("TRP-BACKUP-001", "not_assessed")])
    outcomes = triage_findings(store.tickets, [srv1])
    assert outcomes["resolved"] == 2
    by_check = {t.check_id: t for t in store.tickets.find()}
    assert by_check["TRP-SVC-002"].resolution == "the check is waived (WVR-7)"
    assert by_check["TRP-CERT-001"].resolution == "the check no longer applies"
    assert by_check["TRP-BACKUP-001"].status == "open"


def test_an_error_is_a_problem_with_its_reason(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-TIME-001", "error", "medium", "probe time failed: timeout")])
    triage_findings(store.tickets, [srv1])
    (ticket,) = store.tickets.find()
    assert ticket.evidence == "the check could not be evaluated: probe time failed: timeout"


def test_a_backlog_collapses_to_the_latest_result_of_each_check(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    for status in ("fail", "pass", "fail", "pass"):
        record(store, "srv1", [finding("TRP-SVC-002", status)])
    outcomes = triage_findings(store.tickets, [srv1])
    assert outcomes["findings"] == 1 and outcomes["ok"] == 1
    assert store.tickets.find() == [], "a problem that came and went before the triage files nothing"


def test_the_cursor_means_a_finding_is_triaged_once(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    other = host_route(client="globex", tmp=tmp_path)  # another client's srv1
    record(store, "srv1", [finding("TRP-DISK-001", "fail")], client="globex")
    changes = TicketChanges(store.tickets, [srv1])
    first = triage_findings(store.tickets, [srv1, other])
    assert [t.check_id for t in changes.since(store.tickets)] == ["TRP-SVC-002"], "acme's srv1 only"
    # The next triage may start in the same second as the ticket's update: it changed nothing.
    changes = TicketChanges(store.tickets, [srv1])
    again = triage_findings(store.tickets, [srv1])
    assert first["opened"] == 2 and again["findings"] == 0
    assert changes.since(store.tickets) == []
    assert store.tickets.find(client="acme")[0].occurrences == 1


def test_the_database_refuses_a_second_open_ticket_for_the_same_problem(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    triage_findings(store.tickets, [srv1])
    (ticket,) = store.tickets.find()
    assert store.tickets.insert(replace(ticket, ticket_id="TRP-TKT-000000000000")) is False, "ON CONFLICT"
    assert [t.ticket_id for t in store.tickets.find()] == [ticket.ticket_id]
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError)):  # the unique key itself
        store._conn.execute("INSERT INTO tickets SELECT * FROM tickets WHERE ticket_id = ?", (ticket.ticket_id,))


def test_a_ticket_another_writer_opened_meanwhile_is_updated_not_doubled(store, tmp_path, monkeypatch):
    """Two controllers triage the same alert: the second looked before the first committed, so it
    found no open ticket; the database's unique key turns its insert into an update."""
    srv1 = host_route(tmp=tmp_path)
    first = Observation(client="acme", host="srv1", tier="tier_srp_server", check_id="alert:X", problem=True,
                        severity="high", title="X", evidence="", remediation="", observed_at="2026-11-27T10:00:00Z",
                        source="alertmanager", source_ref="alert:abc@2026-11-27T09:59:00Z")
    tickets = store.tickets
    with tickets.transaction():
        assert apply(tickets, first, srv1, "2026-11-27T10:00:01Z") == "opened"
    real_open_ticket, real_last_ticket = tickets.open_ticket, tickets.last_ticket
    blind = {"looks": 0}

    def first_look_blind(*key: str) -> Any:  # apply's first look sees no open ticket, nor any ticket
        blind["looks"] += 1
        return None if blind["looks"] == 1 else real_open_ticket(*key)

    monkeypatch.setattr(tickets, "open_ticket", first_look_blind)
    monkeypatch.setattr(tickets, "last_ticket", lambda *key: None if blind["looks"] == 1 else real_last_ticket(*key))
    with tickets.transaction():
        assert apply(tickets, first, srv1, "2026-11-27T10:00:02Z") == "seen", "the same alert"
    blind["looks"] = 0
    worse = replace(first, severity="critical", source_ref="alert:abc@2026-11-27T10:05:00Z")
    with tickets.transaction():
        assert apply(tickets, worse, srv1, "2026-11-27T10:05:01Z") == "updated"
    (ticket,) = store.tickets.find()
    assert (ticket.severity, ticket.occurrences) == ("critical", 2)
    assert [e.event for e in store.tickets.events()] == ["opened", "updated"]


def test_the_same_observation_twice_changes_nothing(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    obs = Observation(client="acme", host="srv1", tier="tier_srp_server", check_id="alert:X", problem=True,
                      severity="high", title="X", evidence="", remediation="", observed_at="2026-11-27T10:00:00Z",
                      source="alertmanager", source_ref="alert:abc@2026-11-27T09:59:00Z")
    with store.tickets.transaction():
        assert apply(store.tickets, obs, srv1, "2026-11-27T10:00:01Z") == "opened"
        assert apply(store.tickets, obs, srv1, "2026-11-27T10:00:02Z") == "seen"
    assert store.tickets.find()[0].occurrences == 1 and len(store.tickets.events()) == 1


# -- routing: priority, Service Desk tier, threshold, window ------------------------------

def test_priority_and_service_desk_tier_follow_the_policy(store, tmp_path):
    workstation = host_route("ws1", "tier_srp_workstation", tmp=tmp_path)
    server = host_route("srv1", "tier_srp_server", tmp=tmp_path)
    network = host_route("sw1", "tier_scheduled_support", tmp=tmp_path, service_desk_tier=3,
                         priorities={"high": "P1"})
    assert (workstation.desk_tier, server.desk_tier, network.desk_tier) == (1, 2, 3)
    assert [server.priority(s) for s in ("critical", "high", "medium", "low", "info")] == \
        ["P1", "P2", "P3", "P4", "P4"]
    for name, tier in (("ws1", "tier_srp_workstation"), ("srv1", "tier_srp_server"), ("sw1", "tier_scheduled_support")):
        record(store, name, [finding("TRP-SVC-002", "fail", "high")], tier=tier)
    triage_findings(store.tickets, [workstation, server, network])
    tickets = {t.host: t for t in store.tickets.find()}
    assert {host: (t.desk_tier, t.priority) for host, t in tickets.items()} == \
        {"ws1": (1, "P2"), "srv1": (2, "P2"), "sw1": (3, "P1")}
    assert tickets["sw1"].tier == "tier_scheduled_support"
    payloads = {e.payload["host"]: e.payload for e in store.tickets.events()}
    assert payloads["ws1"]["service_desk"] == "Tier 1 (workstation)"
    assert payloads["sw1"]["service_desk"] == "Tier 3 (network infrastructure)"


def test_below_the_minimum_severity_or_disabled_opens_nothing(store, tmp_path):
    scheduled = host_route("pbx1", "tier_scheduled_support", tmp=tmp_path)  # min_severity high
    quiet = host_route("srv9", tmp=tmp_path, enabled=False)
    record(store, "pbx1", [finding("TRP-DISK-001", "fail", "medium")], tier="tier_scheduled_support")
    record(store, "srv9", [finding("TRP-DISK-001", "fail", "critical")])
    outcomes = triage_findings(store.tickets, [scheduled, quiet])
    assert (outcomes["below_threshold"], outcomes["disabled"]) == (1, 1)
    assert store.tickets.find() == []


def test_problems_found_in_the_maintenance_window_are_held_back_then_filed_after_it(store, tmp_path):
    in_window = host_route(tmp=tmp_path, window=ALWAYS)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    assert triage_findings(store.tickets, [in_window])["held_back"] == 1
    assert store.tickets.find() == []
    (held,) = store.tickets.suppressed(client="acme")
    assert (held["host"], held["check_id"], held["reason"]) == ("srv1", "TRP-SVC-002", "in the host's maintenance window")

    after_window = host_route(tmp=tmp_path, window=NEVER)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    assert triage_findings(store.tickets, [after_window])["opened"] == 1


def test_the_window_is_judged_at_the_time_the_problem_was_observed(tmp_path):
    sunday_night = {"days": ["sun"], "start": "02:00", "duration_minutes": 120, "timezone": "Europe/Berlin"}
    srv1 = host_route(window=sunday_night, tmp=tmp_path)
    assert srv1.held_back("2026-11-29T01:30:00Z")  # 02:30 in Berlin, Sunday
    assert not srv1.held_back("2026-11-29T03:30:00Z")
    assert not host_route(window=sunday_night, tmp=tmp_path,
                          suppress_in_maintenance_window=False).held_back("2026-11-29T01:30:00Z")


def test_a_sink_without_its_settings_is_a_clear_error(tmp_path):
    with pytest.raises(RoutingError, match=r"^alerts.webhook.url: must be set when alerts.sinks lists webhook$"):
        host_route(tmp=tmp_path, sinks=["jsonl", "webhook"])
    with pytest.raises(RoutingError, match=r"^alerts.email.to: must be set"):
        host_route(tmp=tmp_path, sinks=["email"], email={"smtp_host": "mail.example"})


def test_a_webhook_url_must_be_http_and_carry_no_credentials():
    from tripod.policy.schema import check

    problems = check({"alerts": {"webhook": {"url": "https://desk:s3cret@tickets.example/api"}}})
    assert [(p.key, p.message) for p in problems] == [
        ("alerts.webhook.url", "credentials do not belong in the URL (policies are not secret): set TRIPOD_WEBHOOK_TOKEN")]
    assert "s3cret" not in problems[0].message
    assert check({"alerts": {"webhook": {"url": "ftp://tickets.example"}}})[0].message.endswith(
        "is not an http:// or https:// URL")
    assert check({"alerts": {"webhook": {"url": "https://tickets.example/api?x=a@b"}}}) == []


def test_the_default_jsonl_file_is_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    assert route("h", "c", "tier_srp_server", policy()).sinks[0].settings == {"path": str(tmp_path / "tickets.jsonl")}


# -- Alertmanager -------------------------------------------------------------------------

def alert(status: str = "firing", **labels: str) -> dict[str, Any]:
    return {"status": status, "labels": {"alertname": "TripodMetricsStale", "instance": "srv1:9100", **labels},
            "annotations": {"summary": "No Tripod run for 2 days", "runbook_url": "https://runbooks.example/stale"},
            "startsAt": "2026-11-27T10:00:00.123456789Z",
            "endsAt": "2026-11-27T12:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
            "fingerprint": "f00d"}


def payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {"version": "4", "status": "firing", "receiver": "tripod", "groupKey": "{}:{}", "alerts": list(alerts)}


def test_alertmanager_alerts_are_parsed_with_host_check_and_severity():
    firing, mapped, unnamed = parse_payload(payload(
        alert(severity="warning"), alert(check_id="TRP-PATCH-001", host="db1.acme.example", severity="high"),
        {"status": "firing", "labels": {"instance": "[::1]:9100"}, "startsAt": "2026-11-27T10:00:00+01:00"}))
    assert (firing.host, firing.check_id, firing.severity) == ("srv1", "alert:TripodMetricsStale", "medium")
    assert firing.starts_at == "2026-11-27T10:00:00Z" and firing.ends_at is None
    assert (mapped.host, mapped.check_id, mapped.severity) == ("db1.acme.example", "TRP-PATCH-001", "high")
    assert (unnamed.host, unnamed.check_id, unnamed.starts_at) == ("::1", "alert:unnamed", "2026-11-27T09:00:00Z")


@pytest.mark.parametrize(("body", "message_part"), [
    ([], "the body must be a JSON object"),
    ({"version": "3", "alerts": []}, "version: '3' is not 4"),
    ({"alerts": {}}, "alerts: must be a list"),
    ({"alerts": [{"status": "pending"}]}, "alerts[0].status: 'pending' is not firing or resolved"),
    ({"alerts": [{"status": "firing", "labels": {}, "startsAt": "yesterday"}]},
     "alerts[0].startsAt: 'yesterday' is not an RFC 3339 time"),
    ({"alerts": [{"status": "firing", "labels": {}, "startsAt": "9999-01-01T00:00:00Z"}]},
     "alerts[0].startsAt: '9999-01-01T00:00:00Z' is in the future"),
    ({"alerts": [{"status": "resolved", "labels": {}, "startsAt": "2026-11-27T10:00:00Z",
                  "endsAt": "9999-12-31T00:00:00Z"}]}, "alerts[0].endsAt: '9999-12-31T00:00:00Z' is in the future"),
    ({"alerts": [{"status": "firing", "labels": {"host": float("nan")}, "startsAt": "2026-11-27T10:00:00Z"}]},
     "alerts[0].labels.host: must be a string, got float nan"),
])
def test_a_bad_payload_names_the_key(body, message_part):
    with pytest.raises(PayloadError) as caught:
        parse_payload(body)
    assert message_part in str(caught.value)


@pytest.mark.parametrize(("body", "message_part"), [
    (b'{"alerts": [{"status": "firing", "labels": {"host": NaN}}]}', "NaN is not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_a_body_that_is_not_json_is_refused_not_a_crash(body, message_part):
    from tripod.triage.server import parse_body

    with pytest.raises(ValueError, match=message_part):
        parse_body(body)


def test_alerts_open_update_and_resolve_one_ticket_and_late_copies_are_ignored(store, tmp_path):
    table = RouteTable(routes={"srv1": host_route(tmp=tmp_path)})
    assert triage_alerts(store.tickets, table, parse_payload(payload(alert())))["opened"] == 1
    assert triage_alerts(store.tickets, table, parse_payload(payload(alert())))["seen"] == 1, "a repeat"
    assert triage_alerts(store.tickets, table, parse_payload(payload(alert("resolved"))))["resolved"] == 1
    assert triage_alerts(store.tickets, table, parse_payload(payload(alert())))["stale"] == 1, \
        "a firing copy of the alert that was resolved does not reopen it"
    (ticket,) = store.tickets.find()
    assert (ticket.source, ticket.status, ticket.resolution) == ("alertmanager", "resolved",
                                                                 "Alertmanager resolved the alert")
    assert ticket.resolved_at == max(ticket.opened_at, "2026-11-27T12:00:00Z"), "endsAt, never before the opening"
    assert ticket.remediation == "https://runbooks.example/stale"


def test_an_alert_sharing_a_check_id_with_a_finding_shares_its_ticket(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-PATCH-001", "fail", "high")])
    triage_findings(store.tickets, [srv1])
    outcome = triage_alerts(store.tickets, RouteTable(routes={"srv1": srv1}),
                            parse_payload(payload(alert(check_id="TRP-PATCH-001", severity="high"))))
    assert outcome["seen"] == 1
    (ticket,) = store.tickets.find()
    assert ticket.occurrences == 2 and ticket.source == "finding"


def test_an_alert_of_no_client_of_the_inventory_never_reaches_a_clients_sink(store, monkeypatch, tmp_path):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    table = RouteTable(routes={"srv1": host_route(tmp=tmp_path)})
    assert table.for_alert(parse_payload(payload(alert(client="acme")))[0])[1].client == "acme", "its own client"
    foreign = [alert(host="stranger.example", client="other-client"), alert(client="other-client"),
               {**alert(), "labels": {"alertname": "NoHost"}}]
    rejected: list[str] = []
    outcomes = triage_alerts(store.tickets, table, parse_payload(payload(alert(), *foreign)), rejected)
    assert outcomes == {"opened": 1} and [t.client for t in store.tickets.find()] == ["acme"]
    assert rejected == [
        "alerts[1]: host stranger.example belongs to no client of this inventory; rejected (configure an "
        "unassigned sink to keep such alerts)",
        "alerts[2]: client label 'other-client' is not the client of host srv1 in this inventory; rejected "
        "(configure an unassigned sink to keep such alerts)",
        "alerts[3]: the alert has no host or instance label; rejected (configure an unassigned sink to keep such "
        "alerts)"]
    table.unassigned = SinkTarget("jsonl", {"path": str(tmp_path / "unassigned.jsonl")})
    host, routed = table.for_alert(parse_payload(payload(foreign[0]))[0])
    assert (host, routed.client, routed.sinks) == ("stranger.example", "", (table.unassigned,))


# -- the outbox and delivery --------------------------------------------------------------

class Recorder:
    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.sent: list[tuple[str, str]] = []

    def send(self, event) -> None:
        if self.fail:
            self.fail -= 1
            raise RetryLater("HTTP 503 Service Unavailable")
        self.sent.append((event.idempotency_key, event.event))


def test_events_of_one_ticket_are_delivered_in_order_and_retried(store, tmp_path, monkeypatch):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    triage_findings(store.tickets, [srv1])
    record(store, "srv1", [finding("TRP-SVC-002", "pass")])
    triage_findings(store.tickets, [srv1])
    sink = Recorder(fail=1)
    monkeypatch.setattr("tripod.triage.delivery.make_sink", lambda *args: sink)
    first = deliver(store.tickets, Secrets())
    assert first.retrying["jsonl"] == 1 and sink.sent == [], "the resolution waits for the opening"
    (ticket,) = store.tickets.find()
    assert ticket.delivery == "pending" and ticket.delivery_error == "jsonl: HTTP 503 Service Unavailable"
    second = deliver(store.tickets, Secrets())
    assert second.sent["jsonl"] == 2 and [e for _, e in sink.sent] == ["opened", "resolved"]
    assert store.tickets.find()[0].delivery == "delivered"
    assert [e.attempts for e in store.tickets.events()] == [2, 1]


def test_an_event_left_sending_by_a_dead_process_is_sent_again_with_its_key(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    triage_findings(store.tickets, [srv1])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    ghost = f"{claimer_id().rpartition(':')[0]}:{dead.stdout.strip()}"
    now = format_time(datetime.now(timezone.utc))
    assert store.tickets.claim_next(ghost, now, [], "0", set()) is not None
    live = f"{claimer_id().rpartition(':')[0]}:{os.getppid()}"
    assert store.tickets.claim_next(live, now, [], "0", set()) is None, "a claim is not taken from the living"

    # the dead process had written the line before it died
    (event,) = store.tickets.events()
    (tmp_path / "tickets.jsonl").write_text(json.dumps(event.payload, separators=(",", ":"), sort_keys=True) + "\n")
    report = deliver(store.tickets, Secrets())
    assert report.sent["jsonl"] == 1
    lines = (tmp_path / "tickets.jsonl").read_text().splitlines()
    assert len(lines) == 1, "the jsonl sink found its line and did not write it twice"
    assert store.tickets.events()[0].attempts == 2


def test_delivery_keeps_to_the_clients_it_was_given(store, tmp_path, monkeypatch):
    acme, globex = host_route("srv1", tmp=tmp_path), host_route("srv2", client="globex", tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    record(store, "srv2", [finding("TRP-SVC-002", "fail")], client="globex")
    triage_findings(store.tickets, [acme, globex])
    sink = Recorder()
    monkeypatch.setattr("tripod.triage.delivery.make_sink", lambda *args: sink)
    report = deliver(store.tickets, Secrets(webhook_token="acme-only"), clients={"acme", ""})
    assert report.sent["jsonl"] == 1 and len(sink.sent) == 1
    assert store.tickets.event_counts({"globex"}) == {("jsonl", "pending"): 1}, "globex's waits for its own triage"
    assert store.tickets.event_counts() == {("jsonl", "sent"): 1, ("jsonl", "pending"): 1}


def test_a_claim_older_than_the_lease_is_taken_over(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")])
    triage_findings(store.tickets, [srv1])
    long_ago = format_time(datetime.now(timezone.utc) - timedelta(hours=1))
    assert store.tickets.claim_next("elsewhere:1", long_ago, [], "0", set()) is not None
    assert deliver(store.tickets, Secrets()).sent["jsonl"] == 1


def test_backoff_doubles_and_is_capped():
    assert backoff_delays(4, 2) == [2, 4, 8, 16]
    assert backoff_delays(3, 200) == [200, 300, 300]
    assert backoff_delays(0, 2) == []


# -- secrets ------------------------------------------------------------------------------

def test_secrets_come_from_the_environment_and_never_show(monkeypatch):
    monkeypatch.setenv("TRIPOD_SMTP_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("TRIPOD_WEBHOOK_TOKEN", "tok-123")
    secrets = load_secrets()
    assert (secrets.smtp_password, secrets.webhook_token) == ("s3cret-pw", "tok-123")
    assert "s3cret" not in repr(secrets) and "tok-123" not in repr(secrets)


def test_secrets_come_from_a_vault_file(tmp_path, monkeypatch):
    from ansible.parsing.vault import VaultLib, VaultSecret

    monkeypatch.setenv("TRIPOD_SMTP_PASSWORD", "from-env")
    vault = VaultLib([("default", VaultSecret(b"pw"))])
    (tmp_path / "pass").write_text("pw\n")
    (tmp_path / "secrets.yml").write_bytes(vault.encrypt("smtp_user: tripod\nsmtp_password: from-vault\n"))
    secrets = load_secrets(str(tmp_path / "secrets.yml"), str(tmp_path / "pass"))
    assert (secrets.smtp_user, secrets.smtp_password) == ("tripod", "from-vault")


def test_a_bad_secrets_file_is_a_clear_error(tmp_path):
    from tripod.errors import InputError

    (tmp_path / "s.yml").write_text("smtp_passwd: x\n")
    with pytest.raises(InputError, match=r"s.yml: smtp_passwd: unknown key"):
        load_secrets(str(tmp_path / "s.yml"))
    with pytest.raises(InputError, match=r"missing.yml: secrets file not found"):
        load_secrets(str(tmp_path / "missing.yml"))


# -- email message ------------------------------------------------------------------------

def test_the_email_carries_priority_tier_and_a_message_id_from_the_idempotency_key(store, tmp_path):
    srv1 = host_route(tmp=tmp_path)
    record(store, "srv1", [finding("TRP-CERT-001", "fail", "high", "/etc/ssl/a.pem expires in 3 days")])
    triage_findings(store.tickets, [srv1])
    (event,) = store.tickets.events()
    mail = message(event, "tripod@msp.example", ["desk@msp.example"])
    assert mail["Subject"] == "[P2][Tier 2] opened: acme/srv1 TRP-CERT-001 title of TRP-CERT-001"
    assert mail["Message-ID"] == f"<{event.idempotency_key}@msp.example>"
    assert "evidence: /etc/ssl/a.pem expires in 3 days" in mail.get_content()


# -- the command line ---------------------------------------------------------------------

def test_tripod_triage_without_an_inventory_is_bad_input(tmp_path):
    from tripod.cli import main

    os.environ["TRIPOD_DATA_DIR"] = str(tmp_path)
    try:
        assert main(["triage"]) == 2
    finally:
        del os.environ["TRIPOD_DATA_DIR"]

# -- the maintenance-window hold-back applies only to what the maintenance can explain ----------
# A window open around the clock (`days: []`, `duration_minutes: 10080`) used to hold back every
# finding of the client: no ticket, ever.

AROUND_THE_CLOCK = {"days": [], "start": "00:00", "duration_minutes": 10080, "timezone": "UTC"}


def test_a_24_7_window_holds_back_only_what_the_maintenance_can_cause(store, tmp_path):
    srv1 = host_route(tmp=tmp_path, window=AROUND_THE_CLOCK)
    record(store, "srv1", [finding("TRP-SVC-002", "fail"), finding("TRP-PATCH-003", "fail", "medium"),
                           finding("TRP-DISK-001", "fail"), finding("TRP-CERT-001", "fail", "critical"),
                           finding("TRP-PATCH-005", "fail", "critical")])
    outcomes = triage_findings(store.tickets, [srv1])
    assert (outcomes["held_back"], outcomes["opened"]) == (2, 3)
    opened = {ticket.check_id for ticket in store.tickets.find()}
    assert opened == {"TRP-DISK-001", "TRP-CERT-001", "TRP-PATCH-005"}, "a full disk is no maintenance artefact"
    held = {row["check_id"] for row in store.tickets.suppressed(client="acme")}
    assert held == {"TRP-SVC-002", "TRP-PATCH-003"}


def test_a_problem_that_outlasts_the_maintenance_opens_its_ticket(store, tmp_path):
    srv1 = host_route(tmp=tmp_path, window=AROUND_THE_CLOCK)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")], at="2026-11-29T02:00:00Z")
    assert triage_findings(store.tickets, [srv1])["held_back"] == 1
    record(store, "srv1", [finding("TRP-SVC-002", "fail", evidence="still down")], at="2026-11-29T03:00:00Z")
    assert triage_findings(store.tickets, [srv1])["held_back"] == 1, "an hour: the maintenance may still explain it"
    record(store, "srv1", [finding("TRP-SVC-002", "fail", evidence="down for hours")], at="2026-11-29T04:30:00Z")
    assert triage_findings(store.tickets, [srv1])["opened"] == 1, "two and a half hours: no maintenance explains it"
    (ticket,) = store.tickets.find()
    assert (ticket.check_id, ticket.evidence) == ("TRP-SVC-002", "down for hours")
