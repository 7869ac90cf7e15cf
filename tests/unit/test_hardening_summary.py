"""What `tripod run harden` prints after the run, read back from the evidence store."""

from __future__ import annotations

import io

from rich.console import Console

from tripod.cli.display import show_hardening as show_after_run
from tripod.models import Action, Finding
from tripod.store import EvidenceStore, HostResult

TIME = "2026-11-27T22:05:00Z"


def control(check_id: str, status: str, severity: str = "high", evidence: str = "", waiver: str | None = None) -> Finding:
    return Finding(area="hardening", check_id=check_id, title=check_id, severity=severity, status=status,
                   evidence=evidence, waiver=waiver, time=TIME)


def printed(run_id: str) -> str:
    out = io.StringIO()
    show_after_run(Console(file=out, width=220, highlight=False), run_id)
    return out.getvalue()


def test_a_dry_run_lists_failing_and_waived_controls_and_what_would_change(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    with EvidenceStore() as store:
        store.start_run("dry", playbook="playbooks/harden.yml", check_mode=True, started_at="2026-11-27T22:00:00Z")
        store.record_host("dry", HostResult(host="web1", status="ok", client="acme", tier="tier_srp_server", findings=[
            control("TRP-SSH-001", "fail", evidence="permitrootlogin yes (expected no)"),
            control("TRP-SSH-006", "waived", "medium", "waived: jump host", waiver="OPS-42 (owner ops, host web1, expires 2027-01-31)"),
            control("TRP-SYSCTL-001", "not_applicable", evidence="container: kernel parameters belong to the container's host"),
            control("TRP-SSH-003", "pass"),
        ], actions=[Action(area="hardening", kind="setting_changed", detail="TRP-SSH-001: would apply", changed=False,
                           time=TIME)]))
        store.end_run("dry", ended_at="2026-11-27T22:10:00Z")
    text = printed("dry")
    assert "Hardening: 1 failing control(s)" in text
    assert "TRP-SSH-001" in text and "permitrootlogin yes (expected no)" in text
    assert "Hardening: 1 waived control(s)" in text and "OPS-42 (owner ops" in text
    assert "Hardening: 1 control(s) would change" in text
    counts = next(line for line in text.splitlines() if "web1" in line and "│" in line)
    assert [c.strip() for c in counts.split("│")[1:-1]] == ["web1", "1", "1", "0", "1", "1", "0"]


def test_nothing_is_printed_for_a_run_without_hardening(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    with EvidenceStore() as store:
        store.start_run("other", playbook="playbooks/patch.yml", started_at="2026-11-27T22:00:00Z")
        store.end_run("other", ended_at="2026-11-27T22:10:00Z")
    assert printed("other") == ""
    assert printed("unknown-run") == ""
