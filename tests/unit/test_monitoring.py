"""Tripod's metrics: computed from one host's record of one run, rendered in the Prometheus
text format, written atomically by prom_textfile, and published by the metrics action after
the evidence recorder wrote the run's findings (a real ansible-playbook on localhost)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tripod.models import Finding
from tripod.monitoring import METRICS, host_metrics_text
from tripod.monitoring.metrics import Sample, render
from tripod.store import EvidenceStore, HostResult

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "plugins" / "modules" / "prom_textfile.py"
NOW = datetime(2026, 11, 27, 23, 0, tzinfo=timezone.utc)
FACTS = {"collected_at": "2026-11-27T22:59:00Z",
         "patches": {"security_count": 4, "other_count": 7, "reboot_required": True},
         "certificates": [{"path": "/etc/ssl/web.pem", "not_after": "2026-12-04T12:00:00Z", "days_left": 6}]}


def finding(check: str, status: str, severity: str = "medium", area: str = "health") -> Finding:
    return Finding(area=area, check_id=check, title=check, severity=severity, status=status)


def seeded(tmp_path: Path, *, check_mode: bool = False, facts: dict[str, Any] | None = FACTS,
           findings: list[Finding] | None = None) -> tuple[Path, str]:
    db = tmp_path / "evidence.sqlite"
    with EvidenceStore(db) as store:
        run = store.start_run(playbook="audit.yml", check_mode=check_mode)
        store.record_host(run, HostResult(
            host="web1", status="changed", client='acme "north"', tier="tier_srp_server",
            facts=[facts] if facts else [],
            findings=findings if findings is not None else [
                finding("TRP-DISK-001", "fail", "critical"), finding("TRP-SVC-002", "error", "high"),
                finding("TRP-MEM-001", "pass"), finding("TRP-LOAD-001", "pass", "low"),
                finding("TRP-CERT-001", "not_applicable", "high"), finding("TRP-TIME-001", "waived")]))
        store.record_host(run, HostResult(host="web2", status="ok", client="acme", findings=[
            finding("TRP-DISK-001", "pass")]))
    return db, run


def values(text: str) -> dict[str, float]:
    """Series (as written) to value; the labels are written sorted by name, like the node exporter's."""
    parsed = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            labels = re.findall(r'(\w+)="', series)
            assert labels == sorted(labels), series
            parsed[series] = float(value)
    return parsed


def series(name: str, client: str = "acme", **extra: str) -> str:
    labels = {"client": client, "host": "web1", "tier": "tier_srp_server", **extra}
    return name + "{" + ",".join(f'{key}="{labels[key]}"' for key in sorted(labels)) + "}"


def test_the_metrics_are_the_hosts_findings_and_facts_of_the_run(tmp_path):
    db, run = seeded(tmp_path, check_mode=True)
    text, summary = host_metrics_text(db, run, "web1", 'acme "north"', "tier_srp_server", NOW)
    north = 'acme \\"north\\"'
    got = values(text)
    assert got[series("tripod_score", north)] == pytest.approx(2 / 4), "pass / (pass + fail + error)"
    assert got[series("tripod_security_updates_pending", north)] == 4
    assert got[series("tripod_other_updates_pending", north)] == 7
    assert got[series("tripod_reboot_required", north)] == 1
    assert got[series("tripod_findings", north, status="pass")] == 2
    assert got[series("tripod_findings", north, status="not_applicable")] == 1
    assert got[series("tripod_failing_findings", north, severity="critical")] == 1
    assert got[series("tripod_failing_findings", north, severity="high")] == 1, "an error is failing too"
    assert got[series("tripod_failing_findings", north, severity="medium")] == 0, "a waived finding is not failing"
    assert got[series("tripod_last_run_timestamp_seconds", north)] == NOW.timestamp()
    assert got[series("tripod_last_run_check_mode", north)] == 1
    assert got[series("tripod_last_run_status", north, status="changed")] == 1
    assert got[series("tripod_last_run_status", north, status="ok")] == 0
    assert got[series("tripod_area_score", north, area="health")] == pytest.approx(2 / 4)
    assert series("tripod_area_score", north, area="hardening") not in got, "no hardening check: no score (not 0)"
    assert got[series("tripod_certificate_expiry_timestamp_seconds", north, path="/etc/ssl/web.pem")] == \
        datetime(2026, 12, 4, 12, tzinfo=timezone.utc).timestamp()
    assert f"# run_id: {run}" in text
    assert summary["tripod_score"] == 0.5 and summary["tripod_security_updates_pending"] == 4
    assert "web2" not in text, "only this host's rows"


def test_the_scores_do_not_depend_on_which_playbook_ran_last(tmp_path):
    """An audit finds 1 of 4 hardening checks passing and 2 health checks passing; a later
    health-only run must not publish 100 %: the score is of the latest result of every check."""
    db = tmp_path / "evidence.sqlite"
    hardening = [finding(f"TRP-SSH-00{i}", "pass" if i == 1 else "fail", area="hardening") for i in range(1, 5)]
    health = [finding("TRP-DISK-001", "pass"), finding("TRP-MEM-001", "pass")]
    with EvidenceStore(db) as store:
        audit = store.start_run(playbook="audit.yml", check_mode=True)
        store.record_host(audit, HostResult(host="web1", status="ok", client="acme", findings=hardening + health))
        other_run = store.start_run(playbook="audit.yml", check_mode=True)  # another client's inventory
        store.record_host(other_run, HostResult(host="web1", status="ok", client="other", findings=health))
        later = store.start_run(playbook="health.yml", check_mode=False)
        store.record_host(later, HostResult(host="web1", status="ok", client="acme", findings=health))
    got = values(host_metrics_text(db, later, "web1", "acme", "tier_srp_server", NOW)[0])
    assert got[series("tripod_score")] == pytest.approx(3 / 6), "1 + 2 pass of 4 + 2 scored, from both runs"
    assert got[series("tripod_area_score", area="hardening")] == pytest.approx(1 / 4)
    assert got[series("tripod_area_score", area="health")] == 1
    assert got[series("tripod_findings", status="pass")] == 2, "the findings counts are this run's"
    other = values(host_metrics_text(db, other_run, "web1", "other", "tier_srp_server", NOW)[0])
    assert other[series("tripod_score", client="other")] == 1, "another client's web1 is another host"


def test_every_metric_has_help_and_type_once_before_its_samples(tmp_path):
    db, run = seeded(tmp_path)
    text, _ = host_metrics_text(db, run, "web1", "acme", "tier_srp_server", NOW)
    lines = text.splitlines()
    for name in METRICS:
        help_at = lines.index(next(line for line in lines if line.startswith(f"# HELP {name} ")))
        assert lines[help_at + 1] == f"# TYPE {name} gauge"
        samples = [i for i, line in enumerate(lines) if line.startswith(f"{name}{{")]
        assert samples and min(samples) == help_at + 2 and max(samples) == help_at + 1 + len(samples)
    assert text.endswith("\n")


def test_what_the_run_did_not_establish_is_left_out(tmp_path):
    db, run = seeded(tmp_path, facts=None, findings=[finding("TRP-CERT-001", "not_applicable")])
    text, _ = host_metrics_text(db, run, "web1", "acme", "tier_srp_server", NOW)
    assert "tripod_security_updates_pending" not in text and "tripod_reboot_required" not in text
    assert "tripod_score" not in text, "no pass, fail or error: no score (not 0)"
    assert "tripod_findings{" in text

    db, run = seeded(tmp_path / "b", findings=[])
    text, _ = host_metrics_text(db, run, "web1", "acme", "tier_srp_server", NOW)
    assert "tripod_findings" not in text and "tripod_failing_findings" not in text, "no check ran"
    assert "tripod_security_updates_pending" in text

    stale = [finding("TRP-PATCH-001", "not_assessed", "high", "patching")]  # package lists stale or missing
    db, run = seeded(tmp_path / "c", findings=stale)
    text, _ = host_metrics_text(db, run, "web1", "acme", "tier_srp_server", NOW)
    assert "tripod_security_updates_pending" not in text and "tripod_other_updates_pending" not in text
    assert "tripod_reboot_required" in text


def test_nothing_for_an_unknown_run_or_a_host_without_data(tmp_path):
    db, run = seeded(tmp_path)
    assert host_metrics_text(db, "no-such-run", "web1", "acme", None, NOW) is None
    assert host_metrics_text(db, run, "web9", "acme", None, NOW) is None


def test_render_escapes_label_values_and_refuses_unknown_metrics():
    text = render([Sample("tripod_score", (("host", 'a\\b"c\nd'),), 0.25)])
    assert 'tripod_score{host="a\\\\b\\"c\\nd"} 0.25' in text
    with pytest.raises(ValueError, match="tripod_made_up: not a Tripod metric"):
        render([Sample("tripod_made_up", (), 1)])


# -- prom_textfile ------------------------------------------------------------------------

def run_module(tmp_path: Path, **args: Any) -> dict[str, Any]:
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    result = subprocess.run([sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True, timeout=60)
    return json.loads(result.stdout)


def test_prom_textfile_writes_atomically_and_reports_changes(tmp_path):
    directory = tmp_path / "textfile"
    directory.mkdir()
    first = run_module(tmp_path, directory=str(directory), name="tripod.prom", content="a 1\n")
    assert (first["changed"], first["written"]) == (True, True)
    assert (directory / "tripod.prom").read_text() == "a 1\n"
    assert stat.S_IMODE((directory / "tripod.prom").stat().st_mode) == 0o644
    assert sorted(os.listdir(directory)) == ["tripod.prom"], "no temporary file left"
    same = run_module(tmp_path, directory=str(directory), name="tripod.prom", content="a 1\n")
    assert same["changed"] is False
    checked = run_module(tmp_path, directory=str(directory), name="tripod.prom", content="a 2\n",
                         _ansible_check_mode=True, _ansible_diff=True)
    assert (checked["changed"], checked["written"]) == (True, False)
    assert checked["diff"]["before"] == "a 1\n" and checked["diff"]["after"] == "a 2\n"
    assert (directory / "tripod.prom").read_text() == "a 1\n", "check mode wrote nothing"


def test_prom_textfile_leaves_hosts_without_the_directory_alone(tmp_path):
    result = run_module(tmp_path, directory=str(tmp_path / "absent"), name="tripod.prom", content="a 1\n")
    assert (result["changed"], result["written"]) == (False, False)
    assert "does not exist" in result["msg"] and not (tmp_path / "absent").exists()


@pytest.mark.parametrize(("name", "mode", "message"), [
    ("tripod.txt", "0644", "must be a file name ending in .prom"),
    ("../x.prom", "0644", "must be a file name ending in .prom"),
    ("tripod.prom", "9999", "is not an octal file mode"),
])
def test_prom_textfile_refuses_bad_arguments(tmp_path, name, mode, message):
    result = run_module(tmp_path, directory=str(tmp_path), name=name, content="", mode=mode)
    assert result["failed"] and message in result["msg"]


# -- the metrics action after a recorded play ---------------------------------------------

# One play, as the audit does it: the recorder writes the findings before the metrics task runs.
PLAYBOOK = """
- name: Findings and their metrics in one play
  hosts: all
  gather_facts: false
  tasks:
    - name: Set the client and tier as preflight would
      ansible.builtin.set_fact:
        tripod_client: acme
        tripod_tier: tier_srp_server
    - name: Emit findings
      tripod.maintenance.emit:
        findings:
          - {area: health, check_id: TRP-DISK-001, title: disk, severity: high, status: fail}
          - {area: health, check_id: TRP-MEM-001, title: memory, severity: medium, status: pass}
    - name: Metrics
      tripod.maintenance.metrics:
        directory: "{{ textfile_dir }}"
      changed_when: false  # as the monitoring role: the next task's metrics count this one too
      register: published
    - name: The same metrics as text, for a task that writes them another way (Windows)
      tripod.maintenance.metrics:
        directory: "{{ textfile_dir }}/not-written"
        write: false
      register: as_text
    - name: Metrics in check mode (contacts nothing, writes nothing)
      tripod.maintenance.metrics:
        directory: "{{ textfile_dir }}/../checked"
      check_mode: true
      register: checked
    - name: Metrics where the node exporter has no textfile directory
      tripod.maintenance.metrics:
        directory: "{{ textfile_dir }}/absent"
      register: absent
    - name: Only the first one wrote
      ansible.builtin.assert:
        that:
          - published.written and published.path == textfile_dir ~ '/tripod.prom'
          - "not checked.written and checked.msg == 'check mode: nothing written'"
          - not absent.written and 'does not exist' in absent.msg
    - name: Keep the text
      ansible.builtin.copy:
        content: "{{ as_text.content }}"
        dest: "{{ textfile_dir }}/../as-text.prom"
        mode: "0600"
"""


def test_the_metrics_action_publishes_what_the_recorder_wrote_for_this_run(tmp_path):
    textfile = tmp_path / "textfile"
    textfile.mkdir()
    (tmp_path / "checked").mkdir()
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    env = dict(os.environ, TRIPOD_DATA_DIR=str(tmp_path / "data"), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_CALLBACKS_ENABLED="tripod.maintenance.evidence", ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path / "facts"))
    env.pop("TRIPOD_RUN_ID", None)
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "inventory.yml"),
                             str(tmp_path / "play.yml"), "-e", f"textfile_dir={textfile}"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with EvidenceStore(tmp_path / "data" / "evidence.sqlite") as store:
        (run,) = store.list_runs()
    text = (textfile / "tripod.prom").read_text()
    assert f"# run_id: {run.run_id}" in text, "the recorder's own run id reached the action"
    assert stat.S_IMODE((textfile / "tripod.prom").stat().st_mode) == 0o644
    assert sorted(os.listdir(textfile)) == ["tripod.prom"], "no temporary file left"
    assert not os.listdir(tmp_path / "checked"), "check mode wrote nothing"
    got = values(text)
    assert got['tripod_score{client="acme",host="localhost",tier="tier_srp_server"}'] == 0.5
    assert got['tripod_failing_findings{client="acme",host="localhost",severity="high",tier="tier_srp_server"}'] == 1
    as_text = values((tmp_path / "as-text.prom").read_text())
    assert {k: v for k, v in as_text.items() if "timestamp" not in k} == \
        {k: v for k, v in got.items() if "timestamp" not in k}, "write: false returns the same metrics"
    assert not (textfile / "not-written").exists(), "and writes nothing on the host"
