"""A closed month stays true: its report is the same (every figure; only the generation time differs)
when rendered again after later runs, after `tripod prune` rolled the month up, and after a Tripod
upgrade migrated the store (issue 11, section 4)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tests import report_fixture as fx
from tripod.models import Action, Finding
from tripod.report import build_monthly
from tripod.report.archive import archive_path
from tripod.report.batch import write_monthly_reports
from tripod.store import EvidenceStore, HostResult
from tripod.store.migrations import LATEST_VERSION, MIGRATIONS

CLIENT, MONTH = "ACME Ltd", "2026-10"  # closed, and old enough for prune to roll it up
FORMATS = ["json", "csv", "html"]


def render(store: Path, out: Path, now: datetime, *, recompute: bool = False) -> dict[str, str]:
    """Every file of the month's report, by name, with the generation time blanked."""
    [written] = write_monthly_reports(store, [CLIENT], MONTH, out, FORMATS, now=now, appendix=True,
                                      recompute=recompute)
    stamp = now.strftime("%Y-%m-%d %H:%M")
    texts = {}
    for path in written.files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            data = json.loads(text)
            assert data["generated_at"] == now.strftime("%Y-%m-%dT%H:%M:%SZ")
            data["generated_at"] = "GENERATED"
            text = json.dumps(data, sort_keys=True)
        texts[path.name] = text.replace(stamp, "GENERATED")
    return texts


def later_runs(store: Path) -> None:
    """December: web01 patched and clean, db01 moved tier, old01 back, a new host; tickets resolved later."""
    when = "2026-12-05T02:00:00Z"
    with EvidenceStore(store) as evidence:
        for host, tier, status in (("web01", "tier_srp_server", "pass"), ("db01", "tier_srp_workstation", "fail"),
                                   ("old01", "tier_srp_server", "pass"), ("new01", "tier_srp_server", "fail")):
            run = evidence.start_run(f"dec-{host}", started_at=when)
            evidence.record_host(run, HostResult(
                host=host, status="ok", client=CLIENT, tier=tier, finished_at=when,
                findings=[Finding.from_dict({"area": "hardening", "check_id": "TRP-SSH-002", "title": "t",
                                             "severity": "high", "status": status}).with_context(time=when)],
                actions=[Action.from_dict({"area": "patching", "kind": "package_updated", "detail": "openssl",
                                           "changed": True}).with_context(time=when)]))
            evidence.end_run(run, ended_at=when)
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE tickets SET resolved_at = '2026-12-06T00:00:00Z', status = 'resolved'"
                     " WHERE resolved_at IS NULL")


def back_to_schema_3(store: Path) -> None:
    """The store as a Tripod from before migration 4 left it: undo every later step's tables and columns,
    so that opening it with this Tripod migrates it again."""
    with sqlite3.connect(store) as conn:
        for step in MIGRATIONS[3:]:
            for statement in step:
                table = re.search(r"CREATE TABLE (\w+)", statement)
                column = re.search(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", statement)
                if table:
                    conn.execute(f"DROP TABLE {table.group(1)}")
                elif column:
                    conn.execute(f"ALTER TABLE {column.group(1)} DROP COLUMN {column.group(2)}")
        conn.execute("PRAGMA user_version = 3")


def raw_rows(store: Path, month: str) -> int:
    with sqlite3.connect(store) as conn:
        return sum(conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} LIKE ?", (f"{month}%",)).fetchone()[0]
                   for table, column in (("findings", "time"), ("actions", "time"),
                                         ("fact_snapshots", "collected_at")))


def test_a_closed_month_is_the_same_after_later_runs_prune_and_a_store_migration(tmp_path):
    store = fx.build_store(tmp_path / "evidence.sqlite")
    first_time = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    first = render(store, tmp_path / "first", first_time)
    assert json.loads(first[f"acme-ltd-{MONTH}.json"])["closed"]["kept_at"] == "2026-11-02T09:00:00Z"
    assert archive_path(store, CLIENT, MONTH).is_file()
    with EvidenceStore(store) as evidence:  # the month's figures computed straight from the evidence
        computed = build_monthly(evidence, CLIENT, MONTH, now=first_time)

    later_runs(store)
    assert render(store, tmp_path / "after-runs", datetime(2027, 1, 5, 7, 0, tzinfo=UTC)) == first
    with EvidenceStore(store) as evidence:  # the computation itself is bounded by the month too
        again = build_monthly(evidence, CLIENT, MONTH, now=datetime(2027, 1, 5, tzinfo=UTC))
    assert {**again, "generated_at": None} == {**computed, "generated_at": None}

    assert raw_rows(store, MONTH) > 0
    with EvidenceStore(store) as evidence:
        pruned = evidence.prune(1, now=datetime(2027, 1, 5, tzinfo=UTC))  # what `tripod prune --keep-months 1` does
    assert MONTH in pruned.months and raw_rows(store, MONTH) == 0
    assert render(store, tmp_path / "after-prune", datetime(2027, 1, 6, 7, 0, tzinfo=UTC)) == first
    with EvidenceStore(store) as evidence:  # without the kept figures, the month's detail would be gone
        assert build_monthly(evidence, CLIENT, MONTH, now=first_time)["hosts"] != computed["hosts"]

    back_to_schema_3(store)
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    with EvidenceStore(store):  # the upgrade: opening the store migrates it
        pass
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert render(store, tmp_path / "after-migration", datetime(2027, 2, 1, 7, 0, tzinfo=UTC)) == first


def test_an_open_month_is_not_kept_and_recompute_replaces_a_kept_month(tmp_path):
    store = fx.build_store(tmp_path / "evidence.sqlite")
    render(store, tmp_path / "open", datetime(2026, 10, 20, tzinfo=UTC))  # October still running
    assert not archive_path(store, CLIENT, MONTH).exists()
    first = render(store, tmp_path / "closed", datetime(2026, 11, 2, tzinfo=UTC))
    later_runs(store)
    with sqlite3.connect(store) as conn:  # late evidence for October, recorded after it closed
        conn.execute("UPDATE findings SET status = 'fail' WHERE host = 'web01' AND time LIKE '2026-10%'")
    assert render(store, tmp_path / "kept", datetime(2026, 12, 9, tzinfo=UTC)) == first
    recomputed = render(store, tmp_path / "recomputed", datetime(2026, 12, 9, tzinfo=UTC), recompute=True)
    assert recomputed != first
    assert render(store, tmp_path / "kept-again", datetime(2026, 12, 10, tzinfo=UTC)) == recomputed


def test_two_clients_never_share_a_kept_report():
    store = Path("/var/lib/tripod/evidence.sqlite")
    assert archive_path(store, "ACME Ltd", MONTH) != archive_path(store, "acme-ltd", MONTH)
