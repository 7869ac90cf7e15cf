"""What one hardening run may enforce: the host's policy decides the mode, an override is recorded,
and a tag-limited run plans (and so records) only the controls its tags select."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import jinja2
import pytest
import yaml
from rich.console import Console

from tripod.hardening import actions, load_catalog
from tripod.hardening.host import audit_host
from tripod.hardening.scope import override_action, selected
from tripod.cli.display import show_hardening as show_after_run
from tripod.models import Action, Finding
from tripod.policy import tier_policy
from tripod.store import EvidenceStore, HostResult

REPO_ROOT = Path(__file__).resolve().parents[2]
FRESH = json.loads((REPO_ROOT / "tests" / "data" / "hardening" / "debian12-fleet-fresh.json").read_text())
ROLE_VARS = yaml.safe_load((REPO_ROOT / "roles" / "hardening" / "vars" / "main.yml").read_text())
CATALOG = load_catalog()
MANAGEMENT = {"connection": "ssh", "user": "tripod", "group": "tripod", "groups": ["tripod", "sudo"],
              "key_files": ["/home/tripod/.ssh/authorized_keys"], "server_port": "22"}
TODAY = date(2026, 11, 28)


def enforce_plan(policy=None, **tags) -> dict:
    policy = policy or {**tier_policy("tier_srp_server"), "hardening": {**tier_policy("tier_srp_server")["hardening"],
                                                                         "max_disruption": "medium"}}
    return audit_host(host="web01", groups=["tier_srp_server"], facts=FRESH, policy=policy, mode="enforce",
                      management=MANAGEMENT, today=TODAY, catalog=CATALOG, **tags).plan


# --------------------------------------------------------------------------- tags


def test_a_control_is_selected_by_its_id_its_group_tag_or_no_tags_at_all():
    ssh1 = CATALOG.get("TRP-SSH-001")
    assert selected(ssh1) and selected(ssh1, ["all"]) and selected(ssh1, ["tagged"])
    assert selected(ssh1, ["TRP-SSH-001"]) and selected(ssh1, ["hardening_ssh"])
    assert not selected(ssh1, ["TRP-SSH-002"]) and not selected(ssh1, ["hardening_sysctl"])
    assert not selected(ssh1, ["hardening"])  # the include tasks' tag: the remediation tasks do not carry it
    assert not selected(ssh1, ["all"], ["TRP-SSH-001"]) and not selected(ssh1, ["all"], ["hardening_ssh"])
    assert selected(ssh1, ["hardening_ssh"], ["TRP-SSH-002"])


def test_a_tag_limited_enforce_plans_and_records_only_the_selected_control():
    full = enforce_plan()
    assert "TRP-SSH-001" in full["enforce"] and len(full["enforce"]) > 20 and full["packages"]["other"]
    limited = enforce_plan(run_tags=["TRP-SSH-001"])
    assert limited["enforce"] == ["TRP-SSH-001"]
    assert limited["groups"] == ["ssh"] and limited["packages"] == {"access": [], "other": []}
    assert limited["held"]["TRP-SSH-004"] == "its task is not selected by this run's --tags/--skip-tags"
    assert limited["failing"] == full["failing"]  # still audited and reported as failing
    after = audit_host(host="web01", groups=["tier_srp_server"], facts=FRESH, policy=tier_policy("tier_srp_server"),
                       mode="enforce", management=MANAGEMENT, today=TODAY, run_tags=["TRP-SSH-001"]).assessment
    recorded = actions(limited["enforce"], after, CATALOG, check_mode=False, before_status=limited["status"])
    assert [a["detail"].split()[0] for a in recorded] == ["TRP-SSH-001"]


def test_skipped_tags_leave_their_controls_out_of_the_plan():
    plan = enforce_plan(skip_tags=["hardening_ssh", "TRP-SYSCTL-002"])
    assert plan["enforce"] and not [i for i in plan["enforce"] if i.startswith("TRP-SSH-")]
    assert "TRP-SYSCTL-002" not in plan["enforce"]


# --------------------------------------------------------------------------- the policy decides


def render(name: str, **values) -> str:
    """A derived variable of the role, rendered as Ansible would (the role's variables are templates)."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    scope = dict(values)
    for key in ("hardening_policy_mode", "hardening_force_mode", "hardening_effective_mode", "hardening_mode_overridden"):
        scope[key] = env.from_string(ROLE_VARS[key]).render(**scope).strip()
        if key == name:
            return scope[key]
    raise KeyError(name)


@pytest.mark.parametrize(("policy_mode", "hardening_mode", "force", "mode", "overridden"), [
    ("audit", "", None, "audit", "False"),
    ("audit", "enforce", None, "audit", "False"),  # harden.yml or a role user asking: the policy wins
    ("audit", "enforce", "", "audit", "False"),
    ("audit", "", "enforce", "enforce", "True"),  # the explicit override
    ("enforce", "", None, "enforce", "False"),
    ("enforce", "audit", None, "audit", "False"),  # doing less is always allowed (the cycle outside its window)
    ("enforce", "", "audit", "audit", "False"),
])
def test_the_roles_mode_follows_the_policy_unless_forced(policy_mode, hardening_mode, force, mode, overridden):
    values = {"tripod_policy": {"areas": {"hardening": {"mode": policy_mode}}}, "hardening_mode": hardening_mode}
    if force is not None:
        values["tripod_force_mode"] = force
    assert render("hardening_effective_mode", **values) == mode
    assert render("hardening_mode_overridden", **values) == overridden


def test_harden_playbook_no_longer_forces_enforce():
    plays = yaml.safe_load((REPO_ROOT / "playbooks" / "harden.yml").read_text())
    assert all("hardening_mode" not in (play.get("vars") or {}) for play in plays)


def test_only_an_override_beyond_the_policy_is_recorded():
    action = override_action("audit", "enforce")
    assert action is not None and Action.from_dict(action).kind == "mode_override"
    assert "tripod_force_mode=enforce" in action["detail"] and "areas.hardening.mode: audit" in action["detail"]
    assert action["changed"] is False
    assert override_action("enforce", "enforce") is None
    assert override_action("enforce", "audit") is None
    assert override_action("audit", "audit") is None


def test_tier_defaults_srp_server_enforces_the_low_disruption_baseline_only():
    server, workstation, visits = (tier_policy(t) for t in ("tier_srp_server", "tier_srp_workstation",
                                                            "tier_scheduled_support"))
    assert server["areas"]["hardening"]["mode"] == "enforce" and server["hardening"]["max_disruption"] == "low"
    assert workstation["areas"]["hardening"]["mode"] == "audit"
    assert visits["areas"]["hardening"]["mode"] == "audit"
    plan = enforce_plan(policy=server)
    assert plan["enforce"]
    assert all(CATALOG.get(i).disruption == "low" for i in plan["enforce"])
    assert plan["held"]["TRP-SSH-001"].startswith("disruption medium is above")


def test_the_run_summary_shows_the_override_and_does_not_count_it_as_a_change(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIPOD_DATA_DIR", str(tmp_path))
    time = "2026-11-27T22:05:00Z"
    with EvidenceStore() as store:
        store.start_run("forced", playbook="playbooks/harden.yml", started_at="2026-11-27T22:00:00Z")
        store.record_host("forced", HostResult(host="ws1", status="changed", client="acme", tier="tier_srp_workstation",
                                               findings=[Finding(area="hardening", check_id="TRP-SSH-003", title="t",
                                                                 severity="high", status="pass", time=time)],
                                               actions=[Action.from_dict({**override_action("audit", "enforce"),
                                                                          "time": time}),
                                                        Action(area="hardening", kind="setting_changed",
                                                               detail="TRP-SSH-004 done", changed=True, time=time)]))
        store.end_run("forced", ended_at="2026-11-27T22:10:00Z")
    out = io.StringIO()
    show_after_run(Console(file=out, width=220, highlight=False), "forced")
    text = out.getvalue()
    assert "Hardening: OVERRIDE on ws1: mode enforce forced by tripod_force_mode=enforce" in text
    assert "Hardening: 1 control(s) changed" in text
