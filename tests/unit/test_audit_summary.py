"""The summary table that ends `tripod audit`: no pending figure on stale package lists."""

from __future__ import annotations

from tripod.audit import summarize_run
from tripod.models import Finding
from tripod.store import EvidenceStore, HostResult


def _finding(status: str) -> Finding:
    return Finding.from_dict({"area": "patching", "check_id": "TRP-PATCH-001", "title": "t", "severity": "high",
                              "status": status, "evidence": "e"})


def test_pending_counts_on_stale_package_lists_are_not_shown(tmp_path):
    facts = {"collected_at": "2026-11-10T02:00:00Z", "patches": {"security_count": 0, "other_count": 0}}
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        run = store.start_run("r1", started_at="2026-11-10T02:00:00Z")
        store.record_host(run, HostResult(host="stale", status="ok", client="c", facts=[facts],
                                          findings=[_finding("not_assessed")]))
        store.record_host(run, HostResult(host="fresh", status="ok", client="c", facts=[facts],
                                          findings=[_finding("pass")]))
        by_host = {s.host: s for s in summarize_run(store, run)}
    assert (by_host["stale"].security_updates, by_host["stale"].other_updates) == (None, None)
    assert (by_host["fresh"].security_updates, by_host["fresh"].other_updates) == (0, 0)
