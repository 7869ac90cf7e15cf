"""What `tripod run` prints after a health or housekeeping run, read back from the evidence store."""

from __future__ import annotations

import io

from rich.console import Console

from tripod.models import Action, Finding
from tripod.cli.display import show_health_and_housekeeping as show_after_run
from tripod.run_summary import run_evidence
from tripod.store import EvidenceStore, HostResult

MIB = 1024 * 1024
TIME = "2026-11-27T22:05:00Z"


def health(check_id: str, severity: str, status: str = "fail", evidence: str = "") -> Finding:
    return Finding(area="health", check_id=check_id, title=check_id, severity=severity, status=status,
                   evidence=evidence, time=TIME)


def reclaimed(detail: str, size: int | None, changed: bool, kind: str = "space_reclaimed") -> Action:
    return Action(area="housekeeping", kind=kind, detail=detail, changed=changed, bytes=size, time=TIME)


def record(store: EvidenceStore, run_id: str, check_mode: bool, findings=(), actions=()) -> None:
    store.start_run(run_id, playbook="playbooks/x.yml", check_mode=check_mode, started_at="2026-11-27T22:00:00Z")
    store.record_host(run_id, HostResult(host="web1", status="ok", client="acme", tier="tier_srp_server",
                                         findings=list(findings), actions=list(actions)))
    store.end_run(run_id, ended_at="2026-11-27T22:10:00Z")


def printed(run_id: str) -> str:
    out = io.StringIO()
    show_after_run(Console(file=out, width=200, highlight=False), run_id)
    return out.getvalue()


def test_failing_health_checks_most_severe_first(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    with EvidenceStore() as store:
        record(store, "health-run", False, findings=[
            health("TRP-SVC-002", "high", evidence="required service(s) not active: app (inactive)"),
            health("TRP-TIME-001", "medium", status="error", evidence="time synchronisation state could not be read"),
            health("TRP-DISK-001", "critical", evidence="disk use at or over 90%: /srv 95%"),
            health("TRP-MEM-001", "medium", status="pass"),
            Finding(area="patching", check_id="TRP-PATCH-001", title="t", severity="high", status="fail", time=TIME),
        ])
        evidence = run_evidence(store, "health-run")
    assert evidence is not None
    assert [f.check_id for f in evidence.failing] == ["TRP-DISK-001", "TRP-SVC-002", "TRP-TIME-001"]
    assert evidence.actions == []
    text = printed("health-run")
    assert "Health: 3 failing check(s)" in text
    assert text.index("TRP-DISK-001") < text.index("TRP-SVC-002") < text.index("TRP-TIME-001")
    assert "Housekeeping" not in text and "TRP-PATCH-001" not in text


def test_space_reclaimed_and_planned(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    with EvidenceStore() as store:
        record(store, "dry", True, actions=[reclaimed("old files under /tmp", 200 * MIB, False)])
        record(store, "real", False, actions=[
            reclaimed("old files under /tmp", 200 * MIB, True),
            reclaimed("journal: archived files vacuumed", 10 * MIB, True),
            reclaimed("event log Application: maximum size set to 131072 KB", None, True, kind="setting_changed"),
        ])
    assert "Housekeeping: 200.0 MiB would be reclaimed (dry run)" in printed("dry")
    text = printed("real")
    assert "Housekeeping: 210.0 MiB reclaimed" in text
    assert "event log Application" in text and "Health" not in text


def test_nothing_to_show(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    with EvidenceStore() as store:
        record(store, "quiet", False, findings=[health("TRP-DISK-001", "critical", status="pass")])
    assert printed("quiet") == ""
    assert printed("no-such-run") == ""
