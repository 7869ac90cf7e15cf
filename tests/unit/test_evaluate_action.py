"""The tripod.maintenance.evaluate action with its `hardening` option (playbooks/audit.yml): one task slot
gives the patch-state and health findings and, for a Linux host whose policy enables hardening, the
catalog's audit findings, the same ones the hardening_audit action gives."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ansible.playbook.play_context import PlayContext

from tripod.hardening.host import audit_host
from tripod.policy import tier_policy

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.action import evaluate  # noqa: E402

FRESH = json.loads((REPO_ROOT / "tests" / "data" / "hardening" / "debian12-fleet-fresh.json").read_text())
SERVER = tier_policy("tier_srp_server")
TASK_VARS = {"inventory_hostname": "web01", "group_names": ["tier_srp_server"], "tripod_client": "acme"}


def _run(args: dict[str, Any], facts: dict[str, Any] = FRESH, policy: dict[str, Any] = SERVER) -> dict[str, Any]:
    task = SimpleNamespace(args={"areas": ["health"], "facts": facts, "policy": policy, **args}, async_val=0,
                           check_mode=True, diff=False, action="tripod.maintenance.evaluate", environment=None,
                           become=False, become_user=None, no_log=False, delegate_to=None)
    connection = SimpleNamespace(_shell=SimpleNamespace(tmpdir="unused"))  # a controller action: never contacted
    action = evaluate.ActionModule(task, connection, PlayContext(), None, None, None)
    return action.run(task_vars=dict(TASK_VARS))


def test_with_hardening_the_one_task_adds_exactly_the_catalog_audit_findings():
    alone = _run({})
    both = _run({"hardening": {}})
    expected = audit_host(host="web01", groups=["tier_srp_server"], facts=FRESH, policy=SERVER,
                          mode="audit").assessment.findings()
    assert expected and both["tripod_findings"] == alone["tripod_findings"] + expected
    assert sum(both["counts"].values()) == len(alone["tripod_findings"]) + len(expected)


def test_the_options_reach_the_catalog_audit():
    def ssh_001(args: dict[str, Any]) -> dict[str, Any]:
        return next(f for f in _run(args)["tripod_findings"] if f["check_id"] == "TRP-SSH-001")

    assert ssh_001({"hardening": {}})["status"] == "fail"  # PermitRootLogin without-password in the facts
    switched_off = ssh_001({"hardening": {"disabled": ["TRP-SSH-001"]}})
    assert (switched_off["status"], switched_off["evidence"]) == ("not_assessed", "switched off (hardening.disabled_controls)")


def test_no_catalog_audit_where_the_policy_disables_hardening_or_the_host_is_windows():
    off = copy.deepcopy(SERVER)
    off["areas"]["hardening"]["enabled"] = False
    assert not any(f["area"] == "hardening" for f in _run({"hardening": {}}, policy=off)["tripod_findings"])
    windows = {**FRESH, "os_family": "windows"}
    assert not any(f["area"] == "hardening" for f in _run({"hardening": {}}, facts=windows)["tripod_findings"])


def test_a_bad_waiver_file_fails_the_task_naming_it_and_keeps_the_other_findings(tmp_path):
    waivers = tmp_path / "waivers.yml"
    waivers.write_text("waivers:\n  - control: TRP-SSH-001\n", encoding="utf-8")
    result = _run({"hardening": {"waivers_file": str(waivers)}})
    assert result["failed"] is True
    assert str(waivers) in result["msg"] and "the catalog was not evaluated" in result["msg"]
    assert result["tripod_findings"] == _run({})["tripod_findings"]
