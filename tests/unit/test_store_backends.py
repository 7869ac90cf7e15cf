"""The same evidence gives the same report on SQLite and on PostgreSQL (tests/postgres.py), byte for
byte in the JSON edition, and a store location names its backend."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests import report_fixture as fx
from tripod.report import build_monthly
from tripod.report.archive import dump
from tripod.store import EvidenceStore, evidence_location

NOW = datetime.fromisoformat(fx.NOW.replace("Z", "+00:00"))


def monthly_json(location: str | Path, client: str, month: str) -> str:
    with EvidenceStore(location) as store:
        return dump(build_monthly(store, client, month, now=NOW))


@pytest.mark.parametrize(("client", "month"), [("ACME Ltd", fx.MONTH), ("ACME Ltd", fx.PREVIOUS), ("Globex", fx.MONTH)])
def test_reports_from_the_same_evidence_are_identical_on_both_backends(tmp_path, postgres_url, client, month):
    sqlite_path = fx.build_store(tmp_path / "evidence.sqlite")
    fx.build_store(postgres_url)  # type: ignore[arg-type] - a URL is a location too
    on_sqlite = monthly_json(sqlite_path, client, month)
    on_postgres = monthly_json(postgres_url, client, month)
    assert '"hosts":[{' in on_sqlite, "the report has hosts to compare"
    assert on_postgres == on_sqlite


def test_a_location_names_its_backend(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRIPOD_EVIDENCE_URL", raising=False)
    assert evidence_location() == tmp_path / "evidence.sqlite"
    assert evidence_location(f"sqlite://{tmp_path}/x.sqlite") == tmp_path / "x.sqlite"
    monkeypatch.setenv("TRIPOD_EVIDENCE_URL", "postgresql://tripod@db.example/evidence")
    assert evidence_location() == "postgresql://tripod@db.example/evidence"
    assert evidence_location(tmp_path / "given.sqlite") == tmp_path / "given.sqlite", "an explicit store wins"


def test_the_environment_url_opens_postgresql(monkeypatch, postgres_url):
    monkeypatch.setenv("TRIPOD_EVIDENCE_URL", postgres_url)
    with EvidenceStore() as store:
        run_id = store.start_run(playbook="audit.yml")
        assert store.url == postgres_url
    with EvidenceStore(postgres_url) as again:
        assert [run.run_id for run in again.list_runs()] == [run_id]


def test_a_newer_postgresql_schema_is_refused(postgres_url):
    with EvidenceStore(postgres_url) as store:
        store._conn.execute("UPDATE tripod_schema SET version = version + 1")
    with pytest.raises(RuntimeError, match="newer than this Tripod knows"):
        EvidenceStore(postgres_url)


def test_tripod_run_opens_its_run_in_the_store_the_url_names(monkeypatch, tmp_path, postgres_url):
    from types import SimpleNamespace

    from tripod.cli.run import _open_evidence

    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRIPOD_EVIDENCE_URL", postgres_url)
    request = SimpleNamespace(playbook="audit.yml", inventories=["inventories/acme"], check=True)
    _open_evidence("run-pg-1", request)
    with EvidenceStore(postgres_url) as store:
        run = store.get_run("run-pg-1")
    assert run is not None and run.status == "running" and run.check_mode
    assert not (tmp_path / "evidence.sqlite").exists(), "nothing went to the SQLite default"


def test_an_unreachable_postgresql_store_stops_the_run_with_one_line(monkeypatch, tmp_path, postgres_server):
    from types import SimpleNamespace

    from tripod.cli.run import _open_evidence
    from tripod.errors import InputError

    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRIPOD_EVIDENCE_URL", f"{postgres_server}/no_such_database")
    request = SimpleNamespace(playbook="audit.yml", inventories=[], check=False)
    with pytest.raises(InputError, match="no_such_database: cannot record evidence .*does not exist.*nothing was run"):
        _open_evidence("run-pg-2", request)


def test_store_copy_moves_an_sqlite_store_to_postgresql(tmp_path, postgres_url, capsys):
    from tripod.cli import main
    from tripod.store.copy import TABLES

    sqlite_path = fx.build_store(tmp_path / "evidence.sqlite")
    with EvidenceStore(sqlite_path) as source:
        counts = {table: source._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
        tickets = [(t.ticket_id, t.status) for t in source.tickets.find()]
    assert counts["findings"] and counts["tickets"] and counts["latest_results"], "the fixture fills them"
    assert main(["store", "copy", "--from", f"sqlite://{sqlite_path}", "--to", postgres_url]) == 0
    assert f"copied {sum(counts.values())} row(s)" in capsys.readouterr().out
    with EvidenceStore(postgres_url) as target:
        assert {table: target._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in TABLES} == counts
        assert [(t.ticket_id, t.status) for t in target.tickets.find()] == tickets, "in the same order"
        # New evidence after the copy takes new ids (the identity counters moved past the copied rows).
        run_id = target.start_run(playbook="audit.yml")
        target.record_host(run_id, fx.HostResult(host="new01", status="ok", client="ACME Ltd",
                                                 findings=[fx._finding("TRP-SSH-001", "pass")]))
    for client, month in (("ACME Ltd", fx.MONTH), ("Globex", fx.MONTH)):
        assert monthly_json(postgres_url, client, month) == monthly_json(sqlite_path, client, month)
    assert main(["store", "copy", "--from", str(sqlite_path), "--to", postgres_url]) == 2, "never into a full store"
    assert "already holds runs; copy only into an empty store" in capsys.readouterr().err
