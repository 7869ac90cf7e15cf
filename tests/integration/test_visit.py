"""`tripod visit` on a Scheduled Support host outside its maintenance window, over real SSH.

Ground truth comes from the container (apt and dpkg), measured by the test before and after.
The client approved one pending package (patch.approved_packages) and enforces patching, as the
tier's comments say an engineer sets up at a visit: the visit installs that package and no other.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet, tool_env

pytestmark = pytest.mark.containers

REPO = Path(__file__).resolve().parents[2]
HOST = "tripod-visit-fs01"
CLIENT = "visit-test"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def sh(command: str) -> str:
    return fleet_lib.podman("exec", HOST, "sh", "-c", command).stdout


def upgradable() -> list[str]:
    return sorted(line.split("/")[0] for line in sh("apt list --upgradable 2>/dev/null").splitlines()[1:])


def version(package: str) -> str:
    return sh(f"dpkg-query -W -f '${{Version}}' {package}").strip()


def tripod(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = tool_env({"TRIPOD_DATA_DIR": str(data_dir)})
    env.pop("ANSIBLE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "tripod.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=1800)


@pytest.fixture(scope="module")
def visit_host(fleet_images, tmp_path_factory):
    fleet = Fleet(tmp_path_factory.mktemp("visit"))
    try:
        fleet.up(HOST, release="12")
        sh("apt-get update -qq")
        pending = upgradable()
        if not pending:
            pytest.skip("the Debian mirror has no pending update for the image today")
        approved = "tzdata" if "tzdata" in pending else pending[0]
        # The window opens tomorrow (UTC): it is closed for the whole test.
        tomorrow = DAYS[(datetime.now(UTC) + timedelta(days=1)).weekday()]
        policy = {
            "areas": {"patching": {"mode": "enforce"}},
            "patch": {"approved_packages": [approved]},
            "maintenance_window": {"days": [tomorrow], "start": "00:00", "duration_minutes": 60,
                                   "timezone": "UTC"},
        }
        inventory = fleet.inventory(groups={HOST: ["tier_scheduled_support"]},
                                    group_vars={"all": {"tripod_client": CLIENT, "tripod_client_policy": policy}})
        yield inventory, pending, approved
    finally:
        fleet.down()


def patch_row(stdout: str) -> list[str]:
    """The host's row of the run's patch summary: host, outcome, updates, reboot, detail."""
    rows = stdout.split("Patch summary", 1)[-1].splitlines()
    return next([c.strip() for c in line.split("│")[1:-1]] for line in rows if line.startswith(f"│ {HOST} "))


def test_a_dry_run_outside_the_window_says_what_the_next_window_would_install(visit_host, tmp_path):
    from tripod.store import EvidenceStore

    inventory, pending, approved = visit_host
    result = tripod("run", "cycle", "-i", str(inventory), "-e", "tripod_cycle=all", "--check", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    _, outcome, updates, _, detail = patch_row(result.stdout)
    assert (outcome, updates) == ("planned", "1"), "approved_only: the approved package, not all pending ones"
    assert detail.startswith("outside the window; at the next patch window (")
    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        (run,) = store.list_runs()
        planned = [a.detail for a in store.run_actions(run.run_id) if a.kind.startswith("package_")]
        evidence = next(f.evidence for f in store.run_findings(run.run_id) if f.check_id == "TRP-PATCH-004")
    assert len(planned) == 1 and planned[0].startswith(approved), planned
    assert f"1 package(s) to update: {approved}" in evidence
    assert upgradable() == pending, "a dry run installs nothing"


def test_the_visit_is_the_window_follows_the_approvals_and_leaves_a_report(visit_host, tmp_path):
    from tripod.store import EvidenceStore

    inventory, pending, approved = visit_host
    before = {name: version(name) for name in pending}
    result = tripod("visit", "-i", str(inventory), "--limit", HOST, data_dir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]

    after = {name: version(name) for name in pending}
    changed = {name for name in pending if after[name] != before[name]}
    assert changed == {approved}, "only the approved package is installed"
    assert approved not in upgradable()

    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        (run,) = store.list_runs()
        kinds = [action.kind for action in store.run_actions(run.run_id)]
    assert "visit_window" in kinds and "window_override" not in kinds, "logged as a visit, not an override"
    assert kinds.count("package_updated") == 1

    assert "Visit report" in result.stdout
    (page,) = (tmp_path / "visits" / CLIENT).glob(f"*-{HOST}-{run.run_id}.html")
    html = page.read_text(encoding="utf-8")
    assert "What we did" in html and approved in html and "What still needs you" in html
    assert page.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
