"""Every command that uses the evidence store on PostgreSQL as on SQLite: `--store URL` (before or
after the command, over $TRIPOD_EVIDENCE_URL), prune, triage list, the metrics, and one line with
exit 2 (the URL's password masked) for a store that cannot be reached or is newer than Tripod."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

from tests import report_fixture as fx
from tripod.cli import main
from tripod.models import Finding
from tripod.store import EvidenceStore, HostResult, display_location

NOW = datetime(2026, 11, 27, 23, 0, tzinfo=timezone.utc)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


@pytest.mark.parametrize("placement", ["before", "after"])
def test_store_option_overrides_the_environment_url(store_url, tmp_path, monkeypatch, placement):
    fx.build_store(store_url)  # type: ignore[arg-type] - a URL is a location too
    monkeypatch.setenv("TRIPOD_EVIDENCE_URL", f"sqlite://{tmp_path}/elsewhere.sqlite")
    out = tmp_path / "out"
    options = ["--client", "Globex", "--month", fx.MONTH, "--format", "json", "--out", str(out)]
    argv = ["--store", store_url, "report", *options] if placement == "before" else [
        "report", *options, "--store", store_url]
    assert main(argv) == 0
    report = json.loads((out / f"globex-{fx.MONTH}.json").read_text())
    assert report["coverage"]["reporting"] > 0, "the report read the store --store named"
    assert not (tmp_path / "elsewhere.sqlite").exists(), "the environment's store was not touched"
    assert os.environ["TRIPOD_EVIDENCE_URL"] == f"sqlite://{tmp_path}/elsewhere.sqlite", "restored after the command"


def test_a_store_url_of_another_kind_is_bad_input(capsys):
    assert main(["--store", "mysql://tripod:pw@db/tripod", "triage", "list"]) == 2
    line = one_error_line(capsys)
    assert line.startswith("error: --store: 'mysql://tripod:***@db/tripod' is not sqlite:///path"), line


@pytest.mark.parametrize("argv", [
    ["report", "--month", "2026-11"],
    ["review", "sign", "--client", "ACME Ltd", "--half", "2026-H2", "--engineer", "Dana", "--notes", "NOTES"],
    ["prune"],
    ["triage", "list"],
])
def test_an_unreachable_postgresql_store_is_one_line_with_the_password_masked(postgres_server, tmp_path, capsys,
                                                                              argv):
    notes = tmp_path / "notes.txt"
    notes.write_text("checked\n")
    url = f"{postgres_server.replace('postgres@', 'postgres:s3cret@')}/no_such_database"
    argv = [str(notes) if arg == "NOTES" else arg for arg in argv]
    assert main(["--store", url, *argv, *(["--out", str(tmp_path)] if argv[0] == "report" else [])]) == 2
    line = one_error_line(capsys)
    assert "s3cret" not in line
    assert line.startswith(f"error: {display_location(url)}: cannot use the evidence store (")
    assert "postgres:***@" in line and 'database "no_such_database" does not exist' in line


def test_a_newer_postgresql_schema_is_refused_by_every_command(postgres_url, capsys):
    with EvidenceStore(postgres_url) as store:
        store._conn.execute("UPDATE tripod_schema SET version = version + 100")
    for argv in (["report", "--month", "2026-11"], ["prune"], ["triage", "list"]):
        assert main(["--store", postgres_url, *argv]) == 2
        line = one_error_line(capsys)
        assert line.startswith(f"error: {postgres_url}: the evidence store is at schema version")
        assert "newer than this Tripod knows" in line


def test_prune_and_the_ticket_list_on_postgresql(postgres_url, capsys):
    fx.build_store(postgres_url)  # type: ignore[arg-type]
    with EvidenceStore(postgres_url) as store:
        findings_before = store._conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
        open_tickets = [t.ticket_id for t in store.tickets.find(status="open")]
    assert open_tickets, "the fixture has open tickets"
    assert main(["triage", "list", "--store", postgres_url]) == 0
    listed = capsys.readouterr().out
    assert all(ticket_id in listed for ticket_id in open_tickets)
    assert main(["--store", postgres_url, "prune", "--keep-months", "1"]) == 0
    assert "removed" in capsys.readouterr().out
    with EvidenceStore(postgres_url) as store:
        findings_after = store._conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
        summaries = store._conn.execute("SELECT COUNT(*) FROM monthly_summaries").fetchone()[0]
    assert findings_after < findings_before and summaries > 0, "older months rolled up, their findings gone"


def test_the_metrics_read_the_store_the_url_names(store_url, monkeypatch):
    from tripod.monitoring import host_metrics_text

    with EvidenceStore(store_url) as store:
        run_id = store.start_run(playbook="health.yml")
        store.record_host(run_id, HostResult(
            host="web1", status="ok", client="acme", facts=[{"collected_at": "2026-11-27T22:59:00Z",
                                                              "patches": {"security_count": 3}}],
            findings=[Finding(area="health", check_id="TRP-DSK-001", title="t", severity="high", status="fail")]))
    monkeypatch.setenv("TRIPOD_EVIDENCE_URL", store_url)
    made = host_metrics_text(None, run_id, "web1", "acme", "tier_srp_server", NOW)  # the action's default
    assert made is not None
    text, summary = made
    assert 'tripod_security_updates_pending{client="acme",host="web1",tier="tier_srp_server"} 3' in text
    assert summary["tripod_score"] == 0
