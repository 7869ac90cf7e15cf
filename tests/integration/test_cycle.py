"""The tier cycle (playbooks/cycle.yml) on the demo inventory: each area runs when its policy's
cadence is the cycle's. The demo host is SRP Server: health checks daily, housekeeping and
patching weekly, hardening monthly (src/tripod/policy/tiers.yml)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.helpers import REPO, tripod
from tripod.store import EvidenceStore


def _areas_recorded(data_dir: Path) -> tuple[set[str], set[str], bool]:
    """(areas with findings, areas with actions, check mode) of the one run in the store."""
    with EvidenceStore(data_dir / "evidence.sqlite") as store:
        (run,) = store.list_runs()
        findings = {f.area for f in store.run_findings(run.run_id)}
        actions = {a.area for a in store.run_actions(run.run_id)}
        return findings, actions, run.check_mode


def test_a_daily_cycle_runs_only_the_daily_areas(tmp_path):
    result = tripod("run", "cycle", "-i", "inventories/demo", "-e", "tripod_cycle=daily", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    findings, actions, check_mode = _areas_recorded(tmp_path)
    assert findings == {"health"}, "health checks are daily; nothing else is due"
    assert actions == set() and not check_mode
    stdout = next((tmp_path / "runs").glob("*/artifacts/*/stdout")).read_text()
    assert "localhost (tier_srp_server, cycle daily): health" in stdout


def test_a_dry_run_of_every_area_audits_hardening_and_changes_nothing(tmp_path):
    result = tripod("run", "cycle", "-i", "inventories/demo", "-e", "tripod_cycle=all", "--check", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    findings, actions, check_mode = _areas_recorded(tmp_path)
    assert check_mode
    assert {"health", "hardening"} <= findings, findings
    assert "housekeeping" in actions, "housekeeping reports what it would reclaim"
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        (run,) = store.list_runs()
        assert not [a for a in store.run_actions(run.run_id) if a.changed], "a dry run changes nothing"
    stdout = next((tmp_path / "runs").glob("*/artifacts/*/stdout")).read_text()
    for play in ("Tripod cycle | health checks", "Tripod cycle | housekeeping", "Tripod patch | Patch in rolling batches",
                 "Tripod cycle | hardening", "Tripod metrics"):
        assert f"PLAY [{play}" in stdout, play


def test_an_unknown_cycle_stops_before_any_change(tmp_path):
    result = tripod("run", "cycle", "-i", "inventories/demo", "-e", "tripod_cycle=hourly", data_dir=tmp_path)
    assert result.returncode == 1
    assert "tripod_cycle must be daily, weekly, monthly, on_visit or all (got 'hourly')" in result.stdout
    stdout = next((tmp_path / "runs").glob("*/artifacts/*/stdout")).read_text()
    assert "Resolve and validate the effective tier policy" not in stdout, "stopped before the preflight"


def test_outside_the_window_housekeeping_waits_for_the_next_cycle(tmp_path):
    import datetime

    import yaml

    other_day = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)).strftime("%a").lower()
    inventory = tmp_path / "inv"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text((REPO / "inventories" / "demo" / "hosts.yml").read_text())
    policy = {"areas": {"patching": {"enabled": False}, "hardening": {"enabled": False}},
              "maintenance_window": {"timezone": "UTC", "days": [other_day], "start": "02:00", "duration_minutes": 60}}
    (inventory / "group_vars" / "all.yml").write_text(
        yaml.safe_dump({"tripod_client": "demo", "tripod_client_policy": policy}))
    result = tripod("run", "cycle", "-i", str(inventory), "-e", "tripod_cycle=weekly", data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    findings, actions, _ = _areas_recorded(tmp_path / "data")
    assert findings == set() and actions == set(), "nothing ran: housekeeping was held, the rest is not weekly"
    stdout = next((tmp_path / "data" / "runs").glob("*/artifacts/*/stdout")).read_text()
    assert ("localhost (tier_srp_server, cycle weekly): nothing due; housekeeping is left for the next cycle "
            "(outside the maintenance window)") in " ".join(stdout.split()), "the message, as the callback wraps it"
    assert "PLAY [Tripod cycle | housekeeping]" in stdout and "Delete old files" not in stdout
