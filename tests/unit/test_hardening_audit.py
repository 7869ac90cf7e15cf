"""Hardening audit on the controller: checks from recorded facts, containers, safeguards, the enforce plan.

tests/data/hardening/debian12-fleet-fresh.json was recorded from a fresh fleet container (Debian 12,
podman, no CAP_NET_ADMIN) with `ansible HOST -m tripod.maintenance.compliance_facts` (JSON tree
output). tests/data/hardening/windows/server2022-hardening-facts.json (tripod_hardening_windows) is hand-written (no Windows host is available).
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from tripod.hardening import HostContext, actions, assess, load_catalog, plan
from tripod.hardening.evaluators import CheckContext, compare, run_check
from tripod.hardening.host import audit_host
from tripod.models import Finding
from tripod.policy import tier_policy

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "tests" / "data"
FRESH = json.loads((DATA / "hardening" / "debian12-fleet-fresh.json").read_text())
WIN_FACTS = json.loads((DATA / "windows" / "server2022_pending_security_reboot.json").read_text())
WIN_HARDENING = json.loads((DATA / "hardening" / "windows" / "server2022-hardening-facts.json").read_text())
CATALOG = load_catalog()
SERVER = tier_policy("tier_srp_server")
MANAGEMENT = {"connection": "ssh", "user": "tripod", "group": "tripod", "groups": ["tripod", "sudo"],
              "key_files": ["/home/tripod/.ssh/authorized_keys"], "server_port": "22"}
TODAY = date(2026, 11, 28)


def ctx(**changes) -> HostContext:
    base = dict(host="web01", groups=("tier_srp_server",), level="server", mode="enforce", policy=SERVER,
                management=MANAGEMENT, today=TODAY)
    base.update(changes)
    return HostContext(**base)


def results(facts=FRESH, **changes) -> dict:
    return assess(CATALOG, facts, ctx(**changes)).by_id()


def as_vm(facts: dict) -> dict:
    """The same facts as if the host were a VM (the container rules no longer apply)."""
    vm = copy.deepcopy(facts)
    vm["identity"].update(container=False, virtualization="kvm")
    return vm


# --------------------------------------------------------------------------- recorded facts


def test_the_fresh_container_fails_the_ssh_defaults_with_evidence():
    by_id = results()
    assert by_id["TRP-SSH-001"].status == "fail"
    assert by_id["TRP-SSH-001"].evidence == "permitrootlogin without-password (expected no)"
    assert by_id["TRP-SSH-004"].evidence == "maxauthtries 6 (maximum 4)"
    assert by_id["TRP-SSH-013"].evidence.startswith("macs offers umac-64-etm@openssh.com, hmac-sha1-etm@openssh.com")
    assert by_id["TRP-SSH-003"].status == "pass"
    assert by_id["TRP-SSH-025"].evidence == "/etc/ssh/sshd_config: mode 0644 (at most 0600)"
    assert by_id["TRP-ACCT-011"].evidence.endswith("/home/tripod 0755")


def test_every_finding_is_a_valid_finding_and_statuses_are_honest():
    assessment = assess(CATALOG, FRESH, ctx())
    findings = assessment.findings()
    assert len(findings) == len(CATALOG.for_os("linux")) + 1
    for finding in findings:
        Finding.from_dict(finding)
    counts = assessment.counts()
    assert counts["fail"] >= 30 and counts["pass"] >= 25 and counts["not_applicable"] >= 30
    assert "error" not in counts and "not_assessed" not in counts


def test_kernel_level_controls_are_not_applicable_in_a_container_with_the_reason():
    by_id = results()
    for control_id in ("TRP-SYSCTL-001", "TRP-FS-001", "TRP-MOD-001", "TRP-AUDIT-001", "TRP-NTP-001", "TRP-MAC-001"):
        assert by_id[control_id].status == "not_applicable"
        assert by_id[control_id].evidence.startswith("container: ")
    assert "read-only" in by_id["TRP-SYSCTL-013"].evidence
    assert "CAP_NET_ADMIN" in by_id["TRP-FW-001"].evidence


def test_network_parameters_apply_where_the_container_may_write_them():
    facts = copy.deepcopy(FRESH)
    facts["hardening"]["capabilities"].update(net_admin=True, sysctl_net_writable=True)
    by_id = results(facts)
    assert by_id["TRP-SYSCTL-013"].status == "fail"  # accept_redirects default 1 in a fresh namespace
    assert by_id["TRP-SYSCTL-001"].status == "not_applicable"
    assert by_id["TRP-FW-001"].status == "fail" and by_id["TRP-FW-001"].enforce


def test_on_a_vm_the_kernel_controls_are_assessed():
    by_id = results(as_vm(FRESH))
    assert by_id["TRP-SYSCTL-001"].status == "pass"  # the recorded host has full ASLR
    assert by_id["TRP-AUDIT-001"].status == "fail" and by_id["TRP-AUDIT-001"].evidence == "auditd is not installed"
    assert by_id["TRP-FS-002"].status == "pass"  # podman mounts /dev/shm nodev,nosuid,noexec
    assert by_id["TRP-FS-003"].status == "not_applicable"  # /var/tmp is not a separate filesystem


def test_a_failed_probe_is_an_error_and_missing_facts_are_not_assessed():
    broken = copy.deepcopy(FRESH)
    broken["errors"] = [{"probe": "hardening.sysctl", "message": "timed out"}, {"probe": "security.ssh", "message": "x"}]
    by_id = results(as_vm(broken))
    assert by_id["TRP-SYSCTL-001"].status == "error"
    assert by_id["TRP-SSH-001"].status == "error" and "security.ssh failed" in by_id["TRP-SSH-001"].evidence
    older = copy.deepcopy(FRESH)
    del older["hardening"]
    by_id = results(older)
    assert by_id["TRP-ACCT-003"].status == "not_assessed"
    assert by_id["TRP-SSH-001"].status == "fail"  # from the security section, still there


def test_sshd_not_installed_is_not_applicable():
    facts = copy.deepcopy(FRESH)
    facts["security"]["ssh"] = {"installed": False, "settings": {}}
    assert results(facts)["TRP-SSH-001"].status == "not_applicable"


# --------------------------------------------------------------------------- levels, switches, modes


def test_levels_switches_and_audit_mode():
    workstation = results(level="workstation")
    assert workstation["TRP-SSH-006"].status == "not_applicable"
    assert workstation["TRP-SSH-006"].evidence == "server control; this host's level is workstation"
    disabled = results(disabled=frozenset({"TRP-SSH-004"}))
    assert disabled["TRP-SSH-004"].status == "not_assessed" and not disabled["TRP-SSH-004"].enforce
    audit_only = assess(CATALOG, FRESH, ctx(mode="audit"))
    assert audit_only.enforce_ids() == []
    assert audit_only.by_id()["TRP-SSH-001"].finding()["evidence"].endswith("not enforced: audit mode")


def test_disruptive_controls_stay_in_audit_below_the_policy_maximum():
    facts = as_vm(FRESH)
    facts["hardening"]["sysctl"]["net.ipv4.ip_forward"] = "1"
    by_id = results(facts)
    assert by_id["TRP-SYSCTL-010"].status == "fail" and not by_id["TRP-SYSCTL-010"].enforce
    assert "disruption high is above the policy's hardening.max_disruption medium" in by_id["TRP-SYSCTL-010"].hold
    assert results(facts, max_disruption="high")["TRP-SYSCTL-010"].enforce


def test_other_distributions_are_audited_only():
    facts = copy.deepcopy(FRESH)
    facts["identity"]["distribution"] = "Rocky"
    by_id = results(facts)
    assert by_id["TRP-SSH-001"].status == "fail"
    assert "audited only" in by_id["TRP-SSH-001"].hold


# --------------------------------------------------------------------------- lockout safeguards


def test_root_logins_stay_allowed_when_tripod_logs_in_as_root():
    held = results(management={**MANAGEMENT, "user": "root", "group": "root", "groups": ["root"]})["TRP-SSH-001"]
    assert not held.enforce and "logs in as root" in held.hold
    over_podman = results(management={**MANAGEMENT, "connection": "containers.podman.podman", "user": "root"})
    assert over_podman["TRP-SSH-001"].enforce  # the management path is not SSH


@pytest.mark.parametrize("management", [
    {**MANAGEMENT, "uses_password": True},
    {**MANAGEMENT, "key_files": []},
])
def test_password_logins_stay_allowed_unless_the_management_user_has_a_key(management):
    held = results(management=management)["TRP-SSH-002"]
    assert held.status == "fail" and not held.enforce
    assert "password" in held.hold or "authorized key" in held.hold


def test_allow_groups_always_keep_the_management_users_group():
    policy = copy.deepcopy(SERVER)
    policy["hardening"]["ssh_allow_groups"] = ["admins"]
    kept = results(policy=policy)["TRP-SSH-020"]
    assert kept.enforce and kept.params["groups"] == ["admins", "tripod"]
    assert "lacks admins, tripod" in kept.evidence
    policy["hardening"]["ssh_allow_groups"] = ["admins", "sudo", "tripod"]
    assert results(policy=policy)["TRP-SSH-020"].params["groups"] == ["admins", "sudo", "tripod"]
    # without the primary group, the user must already be in a listed group
    policy["hardening"]["ssh_allow_groups"] = ["admins"]
    held = results(policy=policy, management={**MANAGEMENT, "group": ""})["TRP-SSH-020"]
    assert held.status == "fail" and not held.enforce and "is in none of the allowed groups (admins)" in held.hold
    policy["hardening"]["ssh_allow_groups"] = ["admins", "sudo"]
    ok = results(policy=policy, management={**MANAGEMENT, "group": ""})["TRP-SSH-020"]
    assert ok.enforce and ok.params["groups"] == ["admins", "sudo"]


def test_faillock_exempts_the_management_users_group():
    control = results()["TRP-PAM-002"]
    assert control.enforce and control.params["admin_group"] == "tripod"
    assert not results(management={**MANAGEMENT, "group": ""})["TRP-PAM-002"].enforce


def test_the_firewall_never_closes_the_management_port():
    facts = copy.deepcopy(FRESH)
    facts["hardening"]["capabilities"].update(net_admin=True)
    facts["hardening"]["listening"] = [
        {"proto": "tcp", "address": "0.0.0.0", "port": 22}, {"proto": "tcp", "address": "127.0.0.1", "port": 5432},
        {"proto": "tcp", "address": "::", "port": 443}, {"proto": "udp", "address": "0.0.0.0", "port": 161},
    ]
    policy = copy.deepcopy(SERVER)
    policy["hardening"]["firewall_allow"] = ["tcp/8443"]
    assessment = assess(CATALOG, facts, ctx(policy=policy, management={**MANAGEMENT, "server_port": "2222"}))
    firewall = plan(assessment, facts, ctx(policy=policy, management={**MANAGEMENT, "server_port": "2222"}))["firewall"]
    assert firewall == {"tcp": [22, 443, 2222, 8443], "udp": [161], "management": [22, 2222]}
    unknown = results(facts, management={**MANAGEMENT, "server_port": ""})["TRP-FW-001"]
    assert not unknown.enforce and "management SSH port on the host is unknown" in unknown.hold
    facts["hardening"]["packages"]["installed"]["ufw"] = "0.36"
    assert "ufw is installed but inactive" in results(facts)["TRP-FW-001"].hold


def test_the_management_user_is_never_locked_or_given_nologin():
    facts = copy.deepcopy(FRESH)
    facts["security"]["accounts"]["empty_password"] = ["tripod", "olduser"]
    facts["hardening"]["accounts"]["system_login_shells"] = [{"user": "tripod", "uid": 999, "shell": "/bin/bash"},
                                                             {"user": "games", "uid": 5, "shell": "/bin/sh"}]
    by_id = results(facts)
    assert by_id["TRP-ACCT-002"].params["targets"] == ["olduser"]
    assert by_id["TRP-ACCT-010"].params["targets"] == ["games"]


# --------------------------------------------------------------------------- the plan and actions


def test_the_plan_groups_packages_and_marks_access_changes():
    assessment = assess(CATALOG, FRESH, ctx())
    the_plan = plan(assessment, FRESH, ctx())
    assert the_plan["access"] is True
    assert {"ssh", "pam", "sudo", "accounts", "banners"} <= set(the_plan["groups"])
    assert the_plan["packages"]["access"] == ["libpam-pwquality", "libpam-tmpdir"]
    assert "chkrootkit" in the_plan["packages"]["other"] and "aide" in the_plan["packages"]["other"]
    # needrestart depends on binutils (an assembler): reported, never installed by Tripod
    assert "needrestart" not in the_plan["packages"]["other"]
    assert plan(assessment, FRESH, ctx())["held"]["TRP-UPD-002"] == "reported only; remediation is manual"
    assert set(the_plan["params"]) == {c.id for c in CATALOG.for_os("linux")}
    assert the_plan["params"]["TRP-SSH-001"]["sshd"] == {"PermitRootLogin": "no"}
    assert the_plan["params"]["TRP-SSH-025"]["targets"] == [
        {"path": "/etc/ssh/sshd_config", "mode": "0600", "owner": "root", "group": "root"}]


def test_actions_record_what_was_enforced_or_would_be():
    before = assess(CATALOG, FRESH, ctx())
    fixed = copy.deepcopy(FRESH)
    fixed["security"]["ssh"]["settings"]["permitrootlogin"] = "no"
    after = assess(CATALOG, fixed, ctx())
    done = actions(["TRP-SSH-001", "TRP-SSH-004"], after, CATALOG, check_mode=False)
    assert done[0] == {"area": "hardening", "kind": "setting_changed", "changed": True,
                       "detail": "TRP-SSH-001 SSH root login is disabled: Set PermitRootLogin no in Tripod's sshd drop-in."}
    assert "applied, still fail" in done[1]["detail"]
    planned = actions(before.enforce_ids(), before, CATALOG, check_mode=True)
    assert len(planned) == len(before.enforce_ids()) and not any(a["changed"] for a in planned)


def test_the_action_plugin_entry_point_resolves_policy_level_and_switches():
    policy = copy.deepcopy(SERVER)
    policy["hardening"]["disabled_controls"] = ["TRP-SSH-022"]
    result = audit_host(host="web01", groups=["tier_srp_server"], facts=FRESH, policy=policy, mode="enforce",
                        management=MANAGEMENT, level="workstation", disabled=["TRP-SSH-021"], today=TODAY)
    by_id = result.assessment.by_id()
    assert by_id["TRP-SSH-022"].status == by_id["TRP-SSH-021"].status == "not_assessed"
    assert by_id["TRP-SSH-006"].status == "not_applicable"
    assert result.plan["level"] == "workstation"


# --------------------------------------------------------------------------- Windows (recorded, hand-written)


def test_windows_controls_evaluate_from_recorded_facts():
    assessment = assess(CATALOG, WIN_FACTS, ctx(windows=WIN_HARDENING, management={
        "connection": "winrm", "user": "ACME\\svc-tripod", "port": 5986, "winrm_transport": "kerberos"}))
    by_id = assessment.by_id()
    assert len(by_id) == len(CATALOG.for_os("windows"))
    expected = {
        "TRP-WIN-001": "pass", "TRP-WIN-003": "fail", "TRP-WIN-004": "fail", "TRP-WIN-005": "pass",
        "TRP-WIN-007": "fail", "TRP-WIN-008": "pass", "TRP-WIN-011": "pass", "TRP-WIN-014": "pass",
        "TRP-WIN-015": "fail", "TRP-WIN-017": "fail", "TRP-WIN-018": "pass", "TRP-WIN-021": "fail",
        "TRP-WIN-023": "pass", "TRP-WIN-024": "fail", "TRP-WIN-027": "fail", "TRP-WIN-029": "fail",
        "TRP-WIN-022": "fail", "TRP-WIN-034": "not_applicable", "TRP-WIN-035": "pass", "TRP-WIN-039": "pass", "TRP-WIN-041": "fail",
        "TRP-WIN-042": "pass", "TRP-WIN-046": "fail",
    }
    assert {k: by_id[k].status for k in expected} == expected
    assert by_id["TRP-WIN-017"].evidence == "MinimumPasswordLength 7 (minimum 14)"
    assert by_id["TRP-WIN-024"].evidence == "Account Lockout: Success (needs Failure)"
    assert by_id["TRP-WIN-046"].evidence == "Spooler start mode Auto, Running"
    assert "error" not in assessment.counts() and "not_assessed" not in assessment.counts()


def test_windows_without_the_hardening_read_is_not_assessed_not_passed():
    by_id = assess(CATALOG, WIN_FACTS, ctx(windows={})).by_id()
    assert by_id["TRP-WIN-004"].status == "not_assessed"
    assert by_id["TRP-WIN-008"].status == "pass"  # from the Windows compliance facts


def test_windows_safeguards_keep_the_management_path():
    management = {"connection": "winrm", "user": "Administrator", "port": 5985, "winrm_transport": "basic",
                  "winrm_scheme": "http"}
    facts = copy.deepcopy(WIN_FACTS)
    facts["security"]["firewall"]["profiles"]["Public"] = False
    windows = copy.deepcopy(WIN_HARDENING)
    for name in ("AllowBasic", "AllowUnencryptedTraffic"):
        windows["registry"][f"HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\{name}"] = 1
    by_id = assess(CATALOG, facts, ctx(windows=windows, management=management)).by_id()
    assert "built-in Administrator" in by_id["TRP-WIN-016"].hold
    assert "Basic authentication" in by_id["TRP-WIN-042"].hold
    assert "unencrypted WinRM" in by_id["TRP-WIN-043"].hold
    assert by_id["TRP-WIN-010"].enforce  # the task adds the WinRM and RDP allow rules first
    assert by_id["TRP-WIN-034"].status == "not_applicable"


# --------------------------------------------------------------------------- generic comparisons


@pytest.mark.parametrize(("value", "spec", "problem"), [
    ("no", {"in": ["no"]}, None),
    ("yes", {"in": ["no"]}, "yes (expected no)"),
    ("6", {"max": 4}, "6 (maximum 4)"),
    ("x", {"min": 1}, "x (expected a number)"),
    (None, {"in": ["1"]}, "unset (expected 1)"),
    ("", {"nonempty": True}, "empty or unset"),
    (5, {"equals": 5}, None),
])
def test_compare(value, spec, problem):
    assert compare(value, spec) == problem


def test_an_unknown_check_is_an_error_not_a_pass():
    outcome = run_check("no_such_check", FRESH, {}, CheckContext())
    assert outcome.status == "error"


def test_controls_marked_after_packages_are_applied_when_the_run_installs_packages():
    """A package may bring an assembler and apt writes new logs: re-applied, never reported as fixed."""
    by_id = results()
    assert by_id["TRP-PERM-006"].status == "pass" and by_id["TRP-PERM-006"].enforce
    assert by_id["TRP-PERM-006"].params["names"][0] == "as"
    nothing_to_install = results(disabled=frozenset(
        c.id for c in CATALOG.for_os("linux") if c.remediation.get("packages")))
    assert not nothing_to_install["TRP-PERM-006"].enforce
    assessment = assess(CATALOG, FRESH, ctx())
    status = plan(assessment, FRESH, ctx())["status"]
    done = actions(assessment.enforce_ids(), assessment, CATALOG, check_mode=False, before_status=status)
    assert not [a for a in done if a["detail"].startswith("TRP-PERM-006")]


def test_debians_own_chkrootkit_timer_fails_the_rootkit_control_until_it_is_off():
    """chkrootkit.timer runs chkrootkit-daily, which mails its result and fails without mail(1)."""
    facts = copy.deepcopy(FRESH)
    hardening = facts["hardening"]
    hardening["packages"]["installed"]["chkrootkit"] = "0.57-2+b9"
    hardening["units"]["tripod-rootkit-scan.timer"] = {"active": True, "enabled": True, "found": True,
                                                       "unit_file_state": "enabled"}
    hardening["units"]["chkrootkit.timer"] = {"active": True, "enabled": True, "found": True,
                                              "unit_file_state": "enabled"}
    result = results(facts)["TRP-MAL-001"]
    assert result.status == "fail" and result.enforce
    assert result.evidence.startswith("chkrootkit.timer (Debian's chkrootkit-daily) is enabled")
    hardening["units"]["chkrootkit.timer"].update(active=False, enabled=False, unit_file_state="disabled")
    assert results(facts)["TRP-MAL-001"].status == "pass"
