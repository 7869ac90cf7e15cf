"""The compliance facts JSON schema (src/tripod/schemas/compliance_facts.schema.json) and real samples.

tests/data/linux/*.json are facts recorded from real hosts by the module itself:

- debian12-container.json, debian13-container.json: fleet containers with planted ground truth,
  written by `TRIPOD_RECORD_FACTS=1 pytest tests/integration/test_compliance_facts.py`;
- debian12-vm-no-systemd.json: a Debian 12 development VM without systemd as PID 1, recorded with
  `ansible localhost -m tripod.maintenance.compliance_facts -e ansible_python_interpreter=/usr/bin/python3`
  (JSON stdout callback) from the repository root; one sandbox-internal tmpfs was removed from it.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import jsonschema
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "src" / "tripod" / "schemas" / "compliance_facts.schema.json"
SAMPLES = sorted((REPO_ROOT / "tests" / "data" / "linux").glob("*.json"))

if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.modules import compliance_facts as cf  # noqa: E402


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def problems(validator: jsonschema.Draft202012Validator, facts: dict) -> list[str]:
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in validator.iter_errors(facts)]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_schema_is_valid_draft_2020_12():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_there_are_recorded_samples():
    names = {p.name for p in SAMPLES}
    assert {"debian12-container.json", "debian13-container.json"} <= names


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_recorded_sample_is_valid(validator, path):
    facts = load(path)
    assert problems(validator, facts) == []
    assert facts["os_family"] == "linux"
    assert facts["identity"]["distribution"] == "Debian"


@pytest.mark.parametrize("path", [p for p in SAMPLES if "container" in p.name], ids=lambda p: p.stem)
def test_container_samples_carry_the_planted_ground_truth(path):
    facts = load(path)
    assert facts["errors"] == []
    assert facts["patches"]["held"] == ["tzdata"]
    assert facts["patches"]["security_count"] >= 1
    assert facts["patches"]["reboot_required"] is True
    assert any(fs["mount"] == "/mnt/full" and fs["used_percent"] >= 95 for fs in facts["capacity"]["filesystems"])
    assert [c["days_left"] < 0 for c in facts["certificates"]] == [True]
    assert facts["security"]["accounts"]["uid0"] == ["toor"]


def test_the_empty_shape_is_valid(validator):
    facts = cf.empty_facts()
    facts["collected_at"] = "2026-11-27T23:05:00Z"
    facts["duration_seconds"] = 0.0
    assert problems(validator, facts) == []


def test_live_facts_from_this_machine_are_valid(validator):
    """The module's own output on whatever machine runs the tests (in-process, no Ansible)."""
    facts = cf.Collector({"probe_timeout": 20, "world_writable_paths": ["/etc"], "world_writable_limit": 20,
                          "world_writable_timeout": 2}).collect()
    assert problems(validator, facts) == []
    assert facts["probes_run"] == cf.ALL_PROBES


def windows_sample(base: dict) -> dict:
    """A Windows-shaped document: Windows-only keys present, Linux-only keys absent."""
    facts = copy.deepcopy(base)
    facts["os_family"] = "windows"
    for key in ("distribution_point_release", "container"):
        facts["identity"].pop(key, None)
    facts["identity"].update({"distribution": "Windows Server 2022", "distribution_version": "10.0.20348",
                              "kernel": "20348", "virtualization": "microsoft"})
    facts["lifecycle"].pop("source", None)
    facts["patches"] = {
        "manager": "windows_update", "security_count": 1, "other_count": 0, "held": [], "last_upgrade": None,
        "reboot_required": False, "reboot_reasons": [], "reboot_required_since": None,
        "pending": [{"name": "2026-11 Cumulative Update", "installed": None, "candidate": "KB5040000",
                     "origin": "Windows Update", "security": True, "kb": "KB5040000", "severity": "Critical"}],
    }
    for fs in facts["capacity"]["filesystems"]:
        fs.update({"inodes_total": None, "inodes_used": None, "inodes_percent": None})
    facts["capacity"]["load"].update({"load5": None, "load15": None, "per_core15": None})
    facts["services"]["watched"] = {"W32Time": {"active": True, "enabled": True}}
    facts["time"] = {"synchronized": True, "source": "time.windows.com", "service": "w32time"}
    security = facts["security"]
    security["ssh"] = {"settings": {}}
    security["accounts"] = {"uid0": [], "empty_password": [], "local_admins": ["Administrator"], "guest_enabled": False}
    security["firewall"] = {"active": True, "backend": "windows", "profiles": {"Domain": True, "Private": True, "Public": True}}
    security["auto_updates"] = {"configured": True, "mechanism": "windows_update"}
    security["defender"] = {"realtime_enabled": True, "signature_age_days": 1, "antivirus_enabled": True}
    security["bitlocker"] = {"C:": True}
    for key in ("probes_run", "probe_seconds"):
        facts.pop(key, None)
    return facts


def test_windows_shape_is_valid(validator):
    assert problems(validator, windows_sample(load(SAMPLES[0]))) == []


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda f: f.pop("patches"), "(root)"),
        (lambda f: f["identity"].pop("hostname"), "identity"),
        (lambda f: f.update(os_family="macos"), "os_family"),
        (lambda f: f.update(collected_at="2026-11-27 23:05"), "collected_at"),
        (lambda f: f["lifecycle"].update(eol_date="June 2028"), "lifecycle.eol_date"),
        (lambda f: f["patches"].update(security_count=-1), "patches.security_count"),
        (lambda f: f["patches"]["pending"].append({"name": "x"}), "patches.pending.%d"),
        (lambda f: f["capacity"]["filesystems"][0].update(used_percent=120), "capacity.filesystems.0.used_percent"),
        (lambda f: f["services"]["watched"].update(ssh={"active": "active", "enabled": True}), "services.watched.ssh.active"),
        (lambda f: f["security"]["firewall"].update(backend="pf"), "security.firewall.backend"),
        (lambda f: f["security"]["ssh"]["settings"].update(PermitRootLogin="no"), "security.ssh.settings"),
        (lambda f: f["time"].update(service="openntpd"), "time.service"),
        (lambda f: f["certificates"].append({"path": "/x", "subject": None, "not_after": None, "days_left": 1}),
         "certificates.%d.not_after"),
        (lambda f: f["errors"].append({"probe": "x"}), "errors.%d"),
    ],
)
def test_the_schema_rejects_wrong_shapes(validator, mutate, where):
    facts = load(SAMPLES[0])
    mutate(facts)
    found = problems(validator, facts)
    assert found, "the schema accepted a wrong shape"
    if "%d" in where:
        collection = {"patches.pending": facts["patches"]["pending"], "certificates": facts["certificates"],
                      "errors": facts["errors"]}[where.split(".%d")[0]]
        where = where % (len(collection) - 1)
    assert any(p.startswith(where + ":") for p in found), found
