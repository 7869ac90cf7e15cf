"""`tripod visit`: the command's input checks and the visit report built from a run's evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tripod.cli import main
from tripod.models import Action, Finding
from tripod.store import EvidenceStore, HostResult
from tripod.visit.report import from_store, save

INVENTORY = str(Path(__file__).resolve().parents[2] / "inventories" / "demo")


def finding(check_id: str, status: str, severity: str = "medium", remediation: str = "", area: str = "health"):
    return Finding.from_dict({"area": area, "check_id": check_id, "title": f"title {check_id}", "severity": severity,
                              "status": status, "evidence": f"evidence {check_id}", "remediation": remediation,
                              "waiver": None})


def action(kind: str, changed: bool, area: str = "patching"):
    return Action.from_dict({"area": area, "kind": kind, "detail": f"detail {kind}", "changed": changed})


def visit_store(path: Path, *, check_mode: bool) -> str:
    with EvidenceStore(path) as store:
        run_id = store.start_run("visit-1", playbook="cycle.yml", check_mode=check_mode)
        store.record_host(run_id, HostResult(
            host="fs01", status="changed", client="acme", tier="tier_scheduled_support",
            findings=[finding("TRP-DISK-001", "fail", "high", "Free space on / or add a disk: the client decides"),
                      finding("TRP-SVC-001", "pass"),
                      finding("TRP-PATCH-001", "not_assessed", area="patching"),
                      finding("TRP-SSH-001", "error", "critical", area="hardening")],
            actions=[action("visit_window", not check_mode), action("package_updated", not check_mode),
                     action("space_reclaimed", False, area="housekeeping")]))
        store.end_run(run_id)
    return run_id


def test_a_visit_needs_a_host_and_evidence(capsys):
    assert main(["visit", "-i", INVENTORY]) == 2
    assert "--limit" in capsys.readouterr().err
    assert main(["visit", "-i", INVENTORY, "--limit", "localhost", "--no-evidence"]) == 2
    assert "--no-evidence" in capsys.readouterr().err


def test_the_report_says_what_was_found_done_and_what_still_needs_the_client(tmp_path):
    store_path = tmp_path / "evidence.sqlite"
    run_id = visit_store(store_path, check_mode=False)
    with EvidenceStore(store_path) as store:
        report = from_store(store, run_id)
    assert report.clients == ["acme"] and report.hosts == {"fs01": "changed"}
    assert [item.text.split()[0] for item in report.found] == ["TRP-SSH-001", "TRP-DISK-001"], "most severe first"
    assert [item.text for item in report.done] == ["visit window", "package updated"], "only what changed"
    assert report.needs_client[1].detail == "Free space on / or add a disk: the client decides"
    assert [item.text.split()[0] for item in report.not_assessed] == ["TRP-PATCH-001"]
    assert report.counts == {"hardening": {"error": 1}, "health": {"fail": 1, "pass": 1},
                             "patching": {"not_assessed": 1}}

    written = save(report, tmp_path / "visits", "fs01")
    html, data = written["html"], written["json"]
    assert written["pdf"].read_bytes().startswith(b"%PDF"), "a page to leave with the client"
    assert html.parent == tmp_path / "visits" / "acme" and html.name.endswith(f"-fs01-{run_id}.html")
    page = html.read_text(encoding="utf-8")
    for text in ("What we found", "What we did", "What still needs you", "Free space on / or add a disk",
                 "evidence TRP-SSH-001", "Not assessed"):
        assert text in page
    assert json.loads(data.read_text(encoding="utf-8"))["run_id"] == run_id


def test_a_dry_run_visit_lists_what_it_would_do(tmp_path):
    store_path = tmp_path / "evidence.sqlite"
    run_id = visit_store(store_path, check_mode=True)
    with EvidenceStore(store_path) as store:
        report = from_store(store, run_id)
    assert report.check_mode
    assert [item.text for item in report.done] == ["visit window", "package updated", "space reclaimed"]
    page = save(report, tmp_path, "fs01", pdf=False)["html"]
    assert "This was a dry run" in page.read_text(encoding="utf-8")


def test_html_escapes_what_the_hosts_reported(tmp_path):
    store_path = tmp_path / "evidence.sqlite"
    with EvidenceStore(store_path) as store:
        run_id = store.start_run("visit-2", playbook="cycle.yml")
        bad = Finding.from_dict({"area": "health", "check_id": "TRP-SVC-002", "title": "t", "severity": "low",
                                 "status": "fail", "evidence": "<script>x</script>", "remediation": "", "waiver": None})
        store.record_host(run_id, HostResult(host="fs01", status="ok", client="acme", findings=[bad]))
        store.end_run(run_id)
        report = from_store(store, run_id)
    text = save(report, tmp_path, "fs01", pdf=False)["html"].read_text(encoding="utf-8")
    assert "<script>x</script>" not in text and "&lt;script&gt;" in text


@pytest.mark.parametrize("label", ["fs01", "web*:&db1"])
def test_the_file_name_is_safe_for_any_limit(tmp_path, label):
    store_path = tmp_path / "evidence.sqlite"
    run_id = visit_store(store_path, check_mode=False)
    with EvidenceStore(store_path) as store:
        html = save(from_store(store, run_id), tmp_path, label, pdf=False)["html"]
    assert "*" not in html.name and ":" not in html.name and html.exists()
