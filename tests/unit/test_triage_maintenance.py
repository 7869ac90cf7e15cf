"""The maintenance-window hold-back applies only to what the maintenance can explain.

A window open around the clock (`days: []`, `duration_minutes: 10080`) used to hold back every
finding of the client: no ticket, ever.
"""

from __future__ import annotations

from tests.unit.test_triage import finding, host_route, record, store  # noqa: F401 - store is a fixture
from tripod.triage.intake import triage_findings

AROUND_THE_CLOCK = {"days": [], "start": "00:00", "duration_minutes": 10080, "timezone": "UTC"}


def test_a_24_7_window_holds_back_only_what_the_maintenance_can_cause(store, tmp_path):  # noqa: F811
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


def test_a_problem_that_outlasts_the_maintenance_opens_its_ticket(store, tmp_path):  # noqa: F811
    srv1 = host_route(tmp=tmp_path, window=AROUND_THE_CLOCK)
    record(store, "srv1", [finding("TRP-SVC-002", "fail")], at="2026-11-29T02:00:00Z")
    assert triage_findings(store.tickets, [srv1])["held_back"] == 1
    record(store, "srv1", [finding("TRP-SVC-002", "fail", evidence="still down")], at="2026-11-29T03:00:00Z")
    assert triage_findings(store.tickets, [srv1])["held_back"] == 1, "an hour: the maintenance may still explain it"
    record(store, "srv1", [finding("TRP-SVC-002", "fail", evidence="down for hours")], at="2026-11-29T04:30:00Z")
    assert triage_findings(store.tickets, [srv1])["opened"] == 1, "two and a half hours: no maintenance explains it"
    (ticket,) = store.tickets.find()
    assert (ticket.check_id, ticket.evidence) == ("TRP-SVC-002", "down for hours")
