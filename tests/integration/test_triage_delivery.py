"""`tripod triage` and `tripod triage serve` against real servers on loopback: an HTTP ticket
API that fails twice then succeeds, an SMTP server (aiosmtpd) that requires STARTTLS and a
login, and processes killed with SIGKILL in the middle of a batch, then restarted."""

from __future__ import annotations

import importlib.util
import re
import signal
import subprocess
import sys
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import REPO, need, tripod, wait_for
from tests.integration.servicedesk import (
    SERVE_TOKEN,
    TOKEN,
    MailServer,
    Serve,
    TicketApi,
    environment,
    free_port,
    jsonl,
    post,
    write_inventory,
)

def seed(db: Path, problems: dict[str, list[tuple[str, str, str]]], tier: str = "tier_srp_server") -> None:
    from tripod.models import Finding
    from tripod.store import EvidenceStore, HostResult

    with EvidenceStore(db) as store:
        run = store.start_run(playbook="audit.yml")
        for host, checks in problems.items():
            findings = [Finding(area="health", check_id=check, title=f"{check} on {host}", severity=severity,
                                status=status, evidence=f"seeded {status}") for check, severity, status in checks]
            store.record_host(run, HostResult(host=host, status="ok", client="acme", tier=tier, findings=findings))
        store.end_run(run)


def assert_no_secret(*places: str | bytes, secrets: tuple[str, ...]) -> None:
    for place in places:
        text = place.decode(errors="replace") if isinstance(place, bytes) else place
        for secret in secrets:
            assert secret not in text, "a secret leaked"


# -- webhook ------------------------------------------------------------------------------

def test_a_webhook_that_fails_twice_then_succeeds_gets_the_ticket_once_with_one_key(tmp_path):
    data = tmp_path / "data"
    with TicketApi(fail_first=2) as api:
        inventory = write_inventory(tmp_path / "inv", {"srv1": "tier_srp_server"}, {
            "sinks": ["webhook"],
            "webhook": {"url": api.url, "retries": 3, "backoff_seconds": 0.2, "timeout_seconds": 5}})
        seed(data / "evidence.sqlite", {"srv1": [("TRP-SVC-002", "high", "fail")]})
        result = tripod("triage", "-i", str(inventory), env=environment(data))

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(api.requests) == 3, "two 503s, then the 201"
    assert len(set(api.keys())) == 1 and re.fullmatch(r"TRP-TKT-[0-9a-f]{12}-1", api.keys()[0])
    assert {item.authorization for item in api.requests} == {f"Bearer {TOKEN}"}
    first, second, third = (item.at for item in api.requests)
    assert second - first >= 0.2 and third - second >= 0.4, "waits 0.2 s, then twice as long"
    body = api.requests[-1].body
    assert (body["event"], body["host"], body["check_id"], body["priority"], body["desk_tier"]) == \
        ("opened", "srv1", "TRP-SVC-002", "P2", 2)
    assert "webhook 1 sent" in result.stdout

    from tripod.store import EvidenceStore

    with EvidenceStore(data / "evidence.sqlite") as store:
        (ticket,) = store.tickets.find()
        assert ticket.delivery == "delivered"
        (event,) = store.tickets.events()
        assert (event.status, event.attempts) == ("sent", 1), "the sink's own retries are one delivery attempt"
    assert_no_secret(result.stdout, result.stderr, (data / "evidence.sqlite").read_bytes(), secrets=(TOKEN,))


def test_a_webhook_that_stays_down_keeps_the_event_until_the_url_is_fixed(tmp_path):
    data = tmp_path / "data"
    port = free_port()  # nothing listens there
    inventory = write_inventory(tmp_path / "inv", {"srv1": "tier_srp_server"}, {
        "sinks": ["jsonl", "webhook"],
        "webhook": {"url": f"http://127.0.0.1:{port}/tickets", "retries": 1, "backoff_seconds": 0}})
    seed(data / "evidence.sqlite", {"srv1": [("TRP-SVC-002", "high", "fail")]})
    down = tripod("triage", "-i", str(inventory), env=environment(data))
    assert down.returncode == 1, down.stdout + down.stderr
    assert "will retry: no answer from" in down.stderr and "webhook 0 sent, 1 queued" in down.stdout
    assert len(jsonl(data / "tickets.jsonl")) == 1, "the other sink is not held up"

    with TicketApi() as api:
        write_inventory(tmp_path / "inv", {"srv1": "tier_srp_server"}, {
            "sinks": ["jsonl", "webhook"], "webhook": {"url": api.url}})
        seed(data / "evidence.sqlite", {"srv1": [("TRP-SVC-002", "high", "fail")]})
        up = tripod("triage", "-i", str(inventory), env=environment(data))
    assert up.returncode == 0, up.stdout + up.stderr
    assert len(api.requests) == 1 and api.requests[0].body["event"] == "opened", \
        "the queued event follows the corrected URL"


# -- email --------------------------------------------------------------------------------

@pytest.fixture
def smtp_server_lib() -> None:
    need(importlib.util.find_spec("aiosmtpd") is not None, "aiosmtpd (the `test` extra, for the SMTP server)")


def email_alerts(mail: MailServer) -> dict[str, Any]:
    return {"sinks": ["email"], "email": {"to": ["desk@msp.example"], "sender": "tripod@msp.example",
                                          "smtp_host": "localhost", "smtp_port": mail.port,
                                          "ca_file": str(mail.ca_file) if mail.ca_file else ""}}


def test_email_is_sent_only_after_starttls_with_the_login_from_the_environment(tmp_path, smtp_server_lib):
    data = tmp_path / "data"
    with MailServer(tmp_path) as mail:
        inventory = write_inventory(tmp_path / "inv", {"ws1": "tier_srp_workstation"}, email_alerts(mail))
        seed(data / "evidence.sqlite", {"ws1": [("TRP-DISK-001", "critical", "fail")]}, tier="tier_srp_workstation")
        env = environment(data, TRIPOD_SMTP_USER=mail.user, TRIPOD_SMTP_PASSWORD=mail.password)
        result = tripod("triage", "-i", str(inventory), env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        (sent,) = mail.mails
        assert sent.tls, "the message went inside TLS"
        assert sent.login == "tripod" and mail.logins == [("tripod", True)]
        assert sent.recipients == ["desk@msp.example"]
        message = message_from_bytes(sent.data)
        assert message["Subject"] == "[P1][Tier 1] opened: acme/ws1 TRP-DISK-001 TRP-DISK-001 on ws1"
        assert re.fullmatch(r"<TRP-TKT-[0-9a-f]{12}-1@msp\.example>", message["Message-ID"])
        assert "service_desk: Tier 1 (workstation)" in message.get_payload()
    assert_no_secret(result.stdout, result.stderr, sent.data, (data / "evidence.sqlite").read_bytes(),
                     secrets=(mail.password,))


def test_email_to_a_server_without_starttls_is_refused_and_nothing_is_sent(tmp_path, smtp_server_lib):
    data = tmp_path / "data"
    with MailServer(tmp_path, tls=False) as mail:
        inventory = write_inventory(tmp_path / "inv", {"srv1": "tier_srp_server"}, email_alerts(mail))
        seed(data / "evidence.sqlite", {"srv1": [("TRP-SVC-002", "high", "fail")]})
        env = environment(data, TRIPOD_SMTP_USER=mail.user, TRIPOD_SMTP_PASSWORD=mail.password)
        result = tripod("triage", "-i", str(inventory), env=env)
        assert result.returncode == 1
        assert "does not offer STARTTLS; nothing was sent" in result.stderr
        assert mail.mails == [] and mail.logins == [], "not even the login was offered in clear"
    listing = tripod("triage", "list", env=env)
    assert "failed" in listing.stdout


# -- killed mid-batch ---------------------------------------------------------------------

def test_triage_killed_mid_batch_and_restarted_loses_and_duplicates_no_ticket(tmp_path):
    data = tmp_path / "data"
    hosts = {f"srv{n:02d}": "tier_srp_server" for n in range(12)}
    problems = {host: [("TRP-SVC-002", "high", "fail"), ("TRP-DISK-001", "critical", "fail"),
                       ("TRP-LOAD-001", "low", "pass")] for host in hosts}
    seed(data / "evidence.sqlite", problems)
    with TicketApi(hold_at=7) as api:
        inventory = write_inventory(tmp_path / "inv", hosts, {"sinks": ["jsonl", "webhook"],
                                                              "webhook": {"url": api.url}})
        env = environment(data)
        first = subprocess.Popen([sys.executable, "-m", "tripod.cli", "triage", "-i", str(inventory)], cwd=REPO,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(api.held.is_set, 120, "the 7th webhook request")
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        api.release.set()  # the Service Desk got request 7; its sender never heard back

        from tripod.store import EvidenceStore

        with EvidenceStore(data / "evidence.sqlite") as store:
            statuses = [e.status for e in store.tickets.events()]
        assert statuses.count("sending") == 1, "killed with one event in flight"
        assert "pending" in statuses and "sent" in statuses, "killed in the middle of the batch"
        in_flight = api.requests[6].key

        second = tripod("triage", "-i", str(inventory), env=env)
        assert second.returncode == 0, second.stdout + second.stderr
        third = tripod("triage", "-i", str(inventory), env=env)
        assert "nothing new" in third.stdout and "nothing to send" not in third.stdout

    expected = 2 * len(hosts)
    with EvidenceStore(data / "evidence.sqlite") as store:
        tickets = store.tickets.find()
        assert len(tickets) == expected
        assert {(t.host, t.check_id) for t in tickets} == {(h, c) for h in hosts for c in ("TRP-SVC-002", "TRP-DISK-001")}
        assert {t.delivery for t in tickets} == {"delivered"}
    lines = jsonl(data / "tickets.jsonl")
    assert len(lines) == expected and len({line["ticket_id"] for line in lines}) == expected, \
        "every ticket once in the JSON-lines file"
    assert len(api.accepted()) == expected, "every ticket reached the Service Desk"
    assert api.keys().count(in_flight) == 2, "the event in flight was sent again, with the same key"
    assert len(api.requests) == expected + 1, "and nothing else twice"


# -- triage serve: Alertmanager -----------------------------------------------------------

def alert(host: str, name: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {"status": status, "labels": {"alertname": name, "instance": f"{host}:9100", "severity": "critical",
                                         **labels},
            "annotations": {"summary": f"{name} on {host}"}, "startsAt": "2026-11-27T10:00:00Z",
            "endsAt": "2026-11-27T11:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
            "fingerprint": f"{host}-{name}"}


def test_serve_files_one_ticket_per_alert_and_a_restart_after_kill_loses_nothing(tmp_path):
    data = tmp_path / "data"
    hosts = {f"web{n}": "tier_srp_server" for n in range(5)} | {"ws1": "tier_srp_workstation"}
    always = {"maintenance_window": {"days": [], "start": "00:00", "duration_minutes": 1440}}
    with TicketApi(hold_at=3) as api:
        inventory = write_inventory(tmp_path / "inv", hosts, {"sinks": ["jsonl", "webhook"],
                                                              "webhook": {"url": api.url}}, {"ws1": always})
        env = environment(data, TRIPOD_TRIAGE_TOKEN=SERVE_TOKEN)
        first = Serve(inventory, env)
        try:
            assert post(f"{first.base}/alertmanager", [alert("web0", "X")], token=None)[0] == 401
            assert post(f"{first.base}/alertmanager", [{"status": "bad"}])[0] == 400
            batch = [alert(f"web{n}", "NodeDown") for n in range(5)] + [alert("ws1", "NodeDown")]
            status, answer = post(f"{first.base}/alertmanager", batch)
            assert status == 200 and answer["outcomes"] == {"opened": 5, "held_back": 1}
            wait_for(api.held.is_set, 60, "the 3rd webhook request")
            first.process.send_signal(signal.SIGKILL)
            first.process.wait(30)
        finally:
            if first.process.poll() is None:
                first.process.kill()
        api.release.set()

        second = Serve(inventory, env)
        try:
            # Alertmanager repeats the firing alerts, then resolves one.
            assert post(f"{second.base}/alertmanager", batch)[1]["outcomes"] == {"seen": 5, "held_back": 1}
            assert post(f"{second.base}/alertmanager", [alert("web0", "NodeDown", "resolved")])[1]["outcomes"] == \
                {"resolved": 1}
            wait_for(lambda: len(api.accepted()) == 6, 60, "the 5 openings and 1 resolution")
            assert second.health()["failed_events"] == 0
        finally:
            log = second.stop()
    assert "stopped; queued events are sent by the next start" in log

    events = [(line["host"], line["event"]) for line in jsonl(data / "tickets.jsonl")]
    assert sorted(events) == sorted([(f"web{n}", "opened") for n in range(5)] + [("web0", "resolved")])
    assert len(api.requests) == 7, "6 events, the one in flight at the kill twice"
    assert ("ws1", "opened") not in events, "held back: the workstation is in its maintenance window"
    assert_no_secret(log, (data / "evidence.sqlite").read_bytes(), secrets=(SERVE_TOKEN, TOKEN))
