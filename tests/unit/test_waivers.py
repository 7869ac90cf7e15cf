"""Hardening waivers: the model, the file checks (named file and entry), and their effect on findings."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml

from tripod.errors import InputError
from tripod.hardening.host import audit_host, read_waivers
from tripod.policy import tier_policy
from tripod.waivers import load_waivers, match, parse_waivers

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO_ROOT / "src" / "tripod" / "schemas" / "waivers.schema.json").read_text())
FRESH = json.loads((REPO_ROOT / "tests" / "data" / "hardening" / "debian12-fleet-fresh.json").read_text())
TODAY = date(2026, 11, 28)
MANAGEMENT = {"connection": "ssh", "user": "tripod", "group": "tripod", "groups": ["tripod"],
              "key_files": ["/home/tripod/.ssh/authorized_keys"], "server_port": "22"}

VALID = {
    "waivers": [
        {"control": "TRP-SSH-002", "scope": {"group": "legacy_backup"}, "owner": "jane.doe@acme.example",
         "ticket": "ACME-1234", "justification": "The backup appliance logs in with a password.",
         "expires": date(2027, 3, 31)},
        {"control": "TRP-ACCT-008", "scope": {"host": "acme-db01"}, "owner": "ops@acme.example",
         "ticket": "ACME-1200", "justification": "The database team shares files through group read.",
         "expires": date(2026, 10, 31)},
    ]
}


def write(tmp_path: Path, data, name: str = "waivers.yml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def as_json(data):
    """The YAML document as JSON sees it (dates as ISO strings), for the JSON schema."""
    return json.loads(json.dumps(data, default=lambda d: d.isoformat()))


def test_a_valid_file_loads_and_agrees_with_the_json_schema(tmp_path):
    waivers = load_waivers(write(tmp_path, VALID), {"TRP-SSH-002", "TRP-ACCT-008"})
    assert [(w.control, w.scope_kind, w.scope, w.expires) for w in waivers] == [
        ("TRP-SSH-002", "group", "legacy_backup", date(2027, 3, 31)),
        ("TRP-ACCT-008", "host", "acme-db01", date(2026, 10, 31)),
    ]
    jsonschema.Draft202012Validator(SCHEMA).validate(as_json(VALID))


def test_waivers_match_by_host_or_group_and_expire_after_their_day(tmp_path):
    waivers = parse_waivers(VALID, "w.yml")
    assert match(waivers, "TRP-SSH-002", "backup01", ["legacy_backup"], TODAY).expired is False
    assert match(waivers, "TRP-SSH-002", "web01", ["tier_srp_server"], TODAY) is None
    assert match(waivers, "TRP-ACCT-008", "acme-db01", [], date(2026, 10, 31)).expired is False
    assert match(waivers, "TRP-ACCT-008", "acme-db01", [], date(2026, 11, 1)).expired is True


@pytest.mark.parametrize(
    ("mutate", "where", "message"),
    [
        (lambda w: w[1].pop("expires"), "waivers[1].expires", "is required (a waiver without an expiry"),
        (lambda w: w[0].update(expires="31/03/2027"), "waivers[0].expires", "'31/03/2027' is not a date (YYYY-MM-DD)"),
        (lambda w: w[0].update(control="TRP-SSH-999"), "waivers[0].control", "TRP-SSH-999 is not in Tripod's hardening catalog"),
        (lambda w: w[0].update(control="ssh-002"), "waivers[0].control", "'ssh-002' is not a control id"),
        (lambda w: w[1].update(owner=""), "waivers[1].owner", "must be a non-empty string"),
        (lambda w: w[0].pop("ticket"), "waivers[0].ticket", "is required"),
        (lambda w: w[0].pop("justification"), "waivers[0].justification", "is required"),
        (lambda w: w[0].update(scope={"host": "a", "group": "b"}), "waivers[0].scope", "must be {host: NAME} or {group: NAME}"),
        (lambda w: w[0].update(scope={"hosts": ["a"]}), "waivers[0].scope", "must be {host: NAME} or {group: NAME}"),
        (lambda w: w[0].update(reason="x"), "waivers[0].reason", "unknown key"),
        (lambda w: w.append(copy.deepcopy(w[0])), "waivers[2]", "duplicates waivers[0]"),
        (lambda w: w.append("TRP-SSH-001"), "waivers[2]", "must be a mapping"),
    ],
)
def test_a_malformed_file_names_the_file_and_the_entry(tmp_path, mutate, where, message):
    data = copy.deepcopy(VALID)
    mutate(data["waivers"])
    path = write(tmp_path, data)
    with pytest.raises(InputError) as raised:
        load_waivers(path, {"TRP-SSH-002", "TRP-ACCT-008", "TRP-SSH-001"})
    assert str(raised.value).startswith(f"{path}: {where}")
    assert message in str(raised.value)
    if "TRP-SSH-999" not in message and "mapping" not in message:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(as_json(data))


def test_broken_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "waivers:\n  - control: TRP-SSH-002\n    scope: {group: [x\n")
    with pytest.raises(InputError, match=rf"^{path}:\d+:\d+: YAML parsing failed"):
        load_waivers(path)


def test_the_top_level_must_be_a_waivers_list(tmp_path):
    with pytest.raises(InputError, match="must be a mapping with a `waivers` list"):
        load_waivers(write(tmp_path, {"exceptions": []}))
    assert load_waivers(write(tmp_path, "")) == []


def test_the_default_file_is_optional_but_a_named_one_must_exist(tmp_path):
    policy = tier_policy("tier_srp_server")
    assert read_waivers(policy, str(tmp_path)) == ([], None)
    named = copy.deepcopy(policy)
    named["hardening"]["waivers_file"] = "exceptions/acme.yml"
    with pytest.raises(InputError, match=r"acme\.yml: waivers file not found"):
        read_waivers(named, str(tmp_path))
    write(tmp_path, VALID)
    waivers, path = read_waivers(policy, str(tmp_path))
    assert len(waivers) == 2 and path == str(tmp_path / "waivers.yml")


def audit(tmp_path, host, groups, mode="enforce", today=TODAY, **kwargs):
    policy = copy.deepcopy(tier_policy("tier_srp_server"))
    policy["hardening"]["max_disruption"] = "medium"  # the waived control, TRP-SSH-002, is a medium one
    return audit_host(host=host, groups=groups, facts=FRESH, policy=policy, mode=mode,
                      management=MANAGEMENT, inventory_dir=str(tmp_path), today=today, **kwargs)


def test_a_waived_control_is_waived_with_its_reference_and_never_enforced(tmp_path):
    write(tmp_path, VALID)
    result = audit(tmp_path, "backup01", ["tier_srp_server", "legacy_backup"])
    finding = next(f for f in result.assessment.findings() if f["check_id"] == "TRP-SSH-002")
    assert finding["status"] == "waived"
    # The waiver is structured data on the finding: the report reads it, never parses a string.
    assert finding["waiver"] == {"id": "ACME-1234", "control": "TRP-SSH-002", "scope": "group legacy_backup",
                                 "owner": "jane.doe@acme.example", "ticket": "ACME-1234",
                                 "justification": VALID["waivers"][0]["justification"], "expires": "2027-03-31"}
    from tripod.models import Finding

    assert Finding.from_dict(finding).waiver.expires == "2027-03-31"
    assert "audit: fail: passwordauthentication yes" in finding["evidence"]
    assert "TRP-SSH-002" not in result.plan["enforce"]
    waiver_check = next(f for f in result.assessment.findings() if f["check_id"] == "TRP-WAIVER-001")
    assert waiver_check["status"] == "pass" and "1 waiver(s) apply, none expired" in waiver_check["evidence"]
    # the same control on a host outside the waiver's scope fails and is enforced
    other = audit(tmp_path, "web01", ["tier_srp_server"])
    assert "TRP-SSH-002" in other.plan["enforce"]


def test_an_expired_waiver_fails_the_control_and_adds_a_finding(tmp_path):
    write(tmp_path, VALID)
    result = audit(tmp_path, "acme-db01", ["tier_srp_server"])
    findings = {f["check_id"]: f for f in result.assessment.findings()}
    control = findings["TRP-ACCT-008"]
    assert control["status"] == "fail"
    assert (control["waiver"]["id"], control["waiver"]["expires"]) == ("ACME-1200", "2026-10-31")
    assert control["evidence"].startswith("waiver ACME-1200 expired on 2026-10-31; audit: fail: UMASK 022")
    expired = findings["TRP-WAIVER-001"]
    assert expired["status"] == "fail"
    assert "TRP-ACCT-008 (ACME-1200, ops@acme.example, expired 2026-10-31)" in expired["evidence"]
    assert expired["waiver"] is None, "the meta-check is not a waiver: the expired one is on its control"
    assert "TRP-ACCT-008" in result.plan["enforce"]
    held = audit(tmp_path, "acme-db01", ["tier_srp_server"], enforce_expired_waivers=False)
    assert "TRP-ACCT-008" not in held.plan["enforce"]
    assert "hardening_enforce_expired_waivers" in held.plan["held"]["TRP-ACCT-008"]


def test_an_expired_waiver_fails_even_a_passing_control(tmp_path):
    data = copy.deepcopy(VALID)
    data["waivers"][1]["control"] = "TRP-SSH-003"  # PermitEmptyPasswords no: passes on the fleet image
    write(tmp_path, data)
    finding = next(f for f in audit(tmp_path, "acme-db01", []).assessment.findings() if f["check_id"] == "TRP-SSH-003")
    assert finding["status"] == "fail"
    assert "audit: pass: permitemptypasswords no" in finding["evidence"]


def test_a_malformed_file_stops_the_audit_before_any_change(tmp_path):
    data = copy.deepcopy(VALID)
    data["waivers"][1]["expires"] = "soon"
    path = write(tmp_path, data)
    with pytest.raises(InputError, match=rf"^{path}: waivers\[1\]\.expires: 'soon' is not a date"):
        audit(tmp_path, "acme-db01", [])
