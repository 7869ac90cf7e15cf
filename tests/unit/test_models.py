"""The result model: findings, actions, score, facts validation (docs/schema.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tripod import models
from tripod.models import AREAS, SEVERITIES, STATUSES, Action, Finding, ValidationError, score

FINDING: dict[str, Any] = {
    "area": "hardening",
    "check_id": "TRP-SSH-001",
    "title": "SSH root login is disabled",
    "severity": "high",
    "status": "fail",
    "evidence": "PermitRootLogin yes",
    "remediation": "Set PermitRootLogin no",
}
ACTION: dict[str, Any] = {
    "area": "housekeeping",
    "kind": "space_reclaimed",
    "detail": "/var/cache/apt/archives",
    "bytes": 1024,
    "changed": True,
}


def test_constants_follow_the_contract():
    assert AREAS == ("patching", "hardening", "health", "housekeeping")
    assert SEVERITIES == ("info", "low", "medium", "high", "critical")
    assert STATUSES == ("pass", "fail", "error", "not_applicable", "waived", "not_assessed")


def test_finding_round_trip_keeps_every_field():
    data = {**FINDING, "waiver": None, "host": "web1", "client": "acme", "tier": "tier_srp_server",
            "run_id": "r1", "time": "2026-11-27T23:05:00Z"}
    finding = Finding.from_dict(data)
    assert finding.to_dict() == data
    assert Finding.from_dict(finding.to_dict()) == finding


def test_finding_defaults_and_frozen():
    finding = Finding.from_dict({k: FINDING[k] for k in ("area", "check_id", "title", "severity", "status")})
    assert (finding.evidence, finding.remediation, finding.waiver, finding.host, finding.time) == ("", "", None, None, None)
    with pytest.raises(AttributeError):
        finding.status = "pass"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"area": "network"}, "area", "'network' is not one of patching, hardening, health, housekeeping"),
        ({"severity": "severe"}, "severity", "is not one of info, low, medium, high, critical"),
        ({"status": "passed"}, "status", "'passed' is not one of pass, fail"),
        ({"check_id": "TRP-SSH-1"}, "check_id", "does not match TRP-<AREA>-<NNN>"),
        ({"check_id": "trp-ssh-001"}, "check_id", "does not match"),
        ({"check_id": "TRP-SSH-0011"}, "check_id", "does not match"),
        ({"title": ""}, "title", "must not be empty"),
        ({"title": 3}, "title", "must be a string, got 3 (int)"),
        ({"evidence": ["x"]}, "evidence", "must be a string"),
        ({"time": "yesterday"}, "time", "is not an ISO 8601 time"),
        ({"sevrity": "high"}, "sevrity", "unknown field"),
    ],
)
def test_finding_errors_name_the_field(change, field, words):
    with pytest.raises(ValidationError) as caught:
        Finding.from_dict({**FINDING, **change})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("missing", ["area", "check_id", "title", "severity", "status"])
def test_finding_required_fields(missing):
    data = {k: v for k, v in FINDING.items() if k != missing}
    with pytest.raises(ValueError, match=f"^{missing}: is required$"):
        Finding.from_dict(data)


def test_check_id_accepts_digits_in_the_area_part():
    assert Finding.from_dict({**FINDING, "check_id": "TRP-X509-042"}).check_id == "TRP-X509-042"


def test_not_a_mapping():
    with pytest.raises(ValidationError) as caught:
        Finding.from_dict(["area", "hardening"])  # type: ignore[arg-type]
    assert caught.value.field is None
    assert caught.value.at("findings[3]") == "findings[3]: must be a mapping, got ['area', 'hardening'] (list)"


def test_times_are_normalized_to_utc():
    assert Finding.from_dict({**FINDING, "time": "2026-11-28T01:05:00+02:00"}).time == "2026-11-27T23:05:00Z"
    assert Finding.from_dict({**FINDING, "time": "2026-11-27T23:05:00.123456"}).time == "2026-11-27T23:05:00Z"


def test_with_context_fills_only_what_is_missing():
    finding = Finding.from_dict({**FINDING, "client": "acme"})
    filled = finding.with_context(host="web1", client="other", run_id="r1", time=None)
    assert (filled.host, filled.client, filled.run_id, filled.time) == ("web1", "acme", "r1", None)
    with pytest.raises(ValueError, match="title: not a context field"):
        finding.with_context(title="x")


def test_action_round_trip():
    action = Action.from_dict(ACTION)
    assert action.to_dict() == {**ACTION, "host": None, "client": None, "tier": None, "run_id": None, "time": None}
    assert Action.from_dict({**ACTION, "bytes": None}).bytes is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"changed": "yes"}, "changed"),
        ({"changed": None}, "changed"),
        ({"bytes": -1}, "bytes"),
        ({"bytes": True}, "bytes"),
        ({"bytes": "10"}, "bytes"),
        ({"kind": "Package Updated"}, "kind"),
        ({"detail": ""}, "detail"),
        ({"area": "health_check"}, "area"),
    ],
)
def test_action_errors_name_the_field(change, field):
    with pytest.raises(ValidationError) as caught:
        Action.from_dict({**ACTION, **change})
    assert caught.value.field == field


def test_action_changed_is_required():
    with pytest.raises(ValidationError, match="changed: is required and must be a boolean"):
        Action.from_dict({k: v for k, v in ACTION.items() if k != "changed"})


def test_score():
    def f(status: str) -> Finding:
        return Finding.from_dict({**FINDING, "status": status})

    assert score([]) is None
    assert score([f("not_applicable"), f("waived"), f("not_assessed")]) is None
    assert score([f("pass"), f("pass"), f("fail"), f("error"), f("waived"), f("not_applicable")]) == 0.5
    assert score([{"status": "pass"}, {"status": "not_assessed"}]) == 1.0
    assert models.score_from_counts({"pass": 3, "fail": 1, "waived": 9}) == 0.75


PLACEHOLDER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["schema_version", "collected_at", "os_family"],
    "properties": {
        "schema_version": {"const": 1},
        "collected_at": {"type": "string"},
        "os_family": {"enum": ["linux", "windows"]},
        "capacity": {"type": "object", "properties": {"filesystems": {"type": "array", "items": {
            "type": "object", "properties": {"used_percent": {"type": "number"}}}}}},
    },
}


@pytest.fixture
def placeholder_schema(monkeypatch):
    """The real schema file belongs to another part of Tripod; test against a small stand-in."""
    monkeypatch.setattr(models, "_facts_schema", lambda: PLACEHOLDER_SCHEMA)


def test_validate_facts_reports_every_problem_with_its_path(placeholder_schema):
    good = {"schema_version": 1, "collected_at": "2026-11-27T23:05:00Z", "os_family": "linux"}
    assert models.validate_facts(good) == []
    bad = {"schema_version": 2, "os_family": "beos",
           "capacity": {"filesystems": [{"used_percent": 10}, {"used_percent": "full"}]}}
    problems = models.validate_facts(bad)
    assert len(problems) == 4
    assert "(root): 'collected_at' is a required property" in problems
    assert any(p.startswith("capacity.filesystems.1.used_percent: 'full' is not of type 'number'") for p in problems)
    assert any(p.startswith("os_family: 'beos' is not one of") for p in problems)
    assert any(p.startswith("schema_version: 1 was expected") for p in problems)


def test_validate_facts_uses_the_packaged_schema_when_present():
    models._facts_schema.cache_clear()  # type: ignore[attr-defined]
    path = Path(models.__file__).parent / "schemas" / models.FACTS_SCHEMA
    if not path.exists():
        with pytest.raises(FileNotFoundError, match="compliance facts schema is missing"):
            models.validate_facts({})
        return
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert models._facts_schema() == schema
    assert models.validate_facts({}) != [], "an empty object is not a valid facts document"


def test_a_findings_waiver_is_structured_and_validated():
    data = {**FINDING, "status": "waived", "waiver": {"id": "SD-1", "owner": "ops", "expires": "2026-12-31"}}
    finding = Finding.from_dict(data)
    assert finding.waiver is not None and (finding.waiver.id, finding.waiver.expires) == ("SD-1", "2026-12-31")
    assert finding.to_dict()["waiver"] == {"id": "SD-1", "control": None, "scope": None, "owner": "ops",
                                           "ticket": None, "justification": None, "expires": "2026-12-31"}
    assert Finding.from_dict({**FINDING, "waiver": "SD-2"}).waiver.to_dict()["id"] == "SD-2"  # an id only
    for waiver, field in (({"owner": "ops"}, "waiver.id"), ({"id": "SD-1", "expires": "soon"}, "waiver.expires"),
                          ({"id": "SD-1", "colour": "red"}, "waiver.colour"), (7, "waiver")):
        with pytest.raises(ValueError, match=rf"^{field}: "):
            Finding.from_dict({**FINDING, "waiver": waiver})
