"""`tripod run` end to end on the demo inventory (localhost, local connection): no containers."""

from __future__ import annotations

from tests.integration.helpers import REPO, tripod



def test_preflight_on_the_demo_inventory(tmp_path):
    result = tripod("run", "preflight", "-i", "inventories/demo", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "preflight.yml on 1 host(s), live run" in result.stdout
    row = next(line for line in result.stdout.splitlines() if "localhost" in line)
    assert "ok" in row.split("│")[2]
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1, "the run's artifacts are kept in the data dir"
    stdout = next(runs[0].glob("artifacts/*/stdout")).read_text()
    assert "Resolve and validate the effective tier policy" in stdout


def test_dry_run_from_another_directory_uses_the_collection_config(tmp_path):
    inventory = REPO / "inventories" / "demo"
    result = tripod("run", "tripod.maintenance.preflight", "-i", str(inventory), "--check", data_dir=tmp_path, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dry run (check mode)" in result.stdout


def test_a_host_with_a_bad_policy_is_stopped_before_any_change(tmp_path):
    inventory = tmp_path / "inv"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(
        "all:\n  children:\n    tier_srp_server:\n      hosts:\n        localhost:\n"
        "          ansible_connection: local\n          ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
    )
    (inventory / "group_vars" / "all.yml").write_text("tripod_client: t\ntripod_client_policy:\n  patch:\n    reboot: maybe\n")
    result = tripod("run", "preflight", "-i", str(inventory), data_dir=tmp_path / "data")
    assert result.returncode == 1
    expected = f"{inventory}/group_vars/all.yml:4: host localhost: tripod_client_policy.patch.reboot: 'maybe' is not one of"
    assert expected in result.stderr, "warned before the run"
    assert "FAILED localhost: invalid Tripod policy (1 problem(s)), nothing was changed" in result.stdout
    assert expected in result.stdout, "and the host's failure names file, host and key"
    row = next(line for line in result.stdout.splitlines() if "│ localhost" in line)
    assert "failed" in row
    stdout = next((tmp_path / "data" / "runs").glob("*/artifacts/*/stdout")).read_text()
    assert "Check the host is reachable" not in stdout, "the host stopped at the policy check"


def test_audit_of_the_demo_records_evidence_and_a_second_audit_adds_a_run(tmp_path):
    from tripod.store import EvidenceStore

    first = tripod("audit", "-i", "inventories/demo", data_dir=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Audit summary" in first.stdout
    assert f"Evidence: {tmp_path}/evidence.sqlite (run " in first.stdout
    second = tripod("audit", "-i", "inventories/demo", data_dir=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr

    with EvidenceStore(tmp_path / "evidence.sqlite") as store:
        runs = store.list_runs()
        assert len(runs) == 2
        assert all(run.check_mode and run.playbook.endswith("audit.yml") for run in runs)
        for run in runs:
            hosts = store.run_hosts(run.run_id)
            assert [(h.host, h.client, h.tier, h.status) for h in hosts] == [("localhost", "demo", "tier_srp_server", "ok")]
            facts = list(store.run_facts(run.run_id))
            assert len(facts) == 1 and facts[0].facts["os_family"] == "linux"
            assert facts[0].facts["identity"]["hostname"]
            findings = list(store.run_findings(run.run_id))
            assert {f.check_id for f in findings} >= {"TRP-PATCH-001", "TRP-DISK-001", "TRP-EOL-001"}
            assert all(f.host == "localhost" and f.client == "demo" and f.run_id == run.run_id for f in findings)
    row = next(line for line in second.stdout.splitlines() if "│ localhost" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[0] == "localhost" and cells[1] == "ok"
    assert cells[2].endswith("%"), "a score is shown"
