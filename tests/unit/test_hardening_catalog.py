"""The hardening catalog: complete, consistent with the evaluators, the facts probe and the role's tasks."""

from __future__ import annotations

import copy
import fnmatch
import re
import sys
from pathlib import Path

import pytest
import yaml

from tripod.checks import CHECKS as OTHER_CHECKS
from tripod.hardening import docs
from tripod.hardening.catalog import REQUIRED, CatalogError, load_catalog, parse_catalog
from tripod.hardening.evaluators import CHECKS

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOG_FILE = REPO_ROOT / "src" / "tripod" / "hardening" / "catalog.yml"
LINUX_TASKS = REPO_ROOT / "roles" / "hardening" / "tasks" / "linux"
WINDOWS_TASKS = REPO_ROOT / "roles" / "hardening" / "tasks" / "windows" / "controls.yml"
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_hardening_probe as probe  # noqa: E402

CATALOG = load_catalog()
LINUX = CATALOG.for_os("linux")
WINDOWS = CATALOG.for_os("windows")
RAW = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))


def patch_tasks(path: Path) -> dict[str, dict]:
    """Top-level tasks (or blocks) named `ID | PATCH | title`, by id. A task named
    `TRP-SSH-001..024 | PATCH | ...` covers every control of that range (one looped or merged write),
    and `TRP-SYSCTL-001..021, TRP-CORE-002 | PATCH | ...` those of the range and the other id."""
    found: dict[str, dict] = {}
    for task in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        name = task.get("name", "")
        match = re.match(r"^(TRP-[A-Z0-9]+-\d{3}) \| PATCH \| (.+)$", name)
        combined = re.match(r"^(TRP-[A-Z0-9]+-\d{3}(?:\.\.\d{3})?(?:, TRP-[A-Z0-9]+-\d{3}(?:\.\.\d{3})?)*) \| PATCH \| ",
                            name) if not match else None
        ids = [match.group(1)] if match else []
        for part in combined.group(1).split(", ") if combined else []:
            ranged = re.match(r"^(TRP-[A-Z0-9]+-)(\d{3})\.\.(\d{3})$", part)
            if ranged:
                prefix, first, last = ranged.group(1), int(ranged.group(2)), int(ranged.group(3))
                ids += [f"{prefix}{number:03d}" for number in range(first, last + 1)]
            else:
                ids.append(part)
        for control_id in ids:
            assert control_id not in found, f"{path.name}: two PATCH tasks for {control_id}"
            found[control_id] = {**task, "_combined": bool(combined)}
    return found


def test_the_catalog_has_the_controls_the_issue_asks_for():
    assert len(LINUX) >= 60
    assert len(WINDOWS) >= 30
    groups = {c.group for c in LINUX}
    assert {"ssh", "accounts", "pam", "sudo", "sysctl", "filesystem", "permissions", "auditd", "logging", "time",
            "updates", "firewall", "services", "core", "banners", "cron"} <= groups
    titles = " ".join(c.title for c in WINDOWS).lower()
    for topic in ("smbv1", "network level authentication", "firewall", "defender", "user account control",
                  "password", "lock", "audited", "llmnr", "netbios", "powershell", "bitlocker", "guest"):
        assert topic in titles, topic


def test_every_raw_control_has_every_field():
    defaults = RAW.get("defaults") or {}
    for entry in RAW["controls"]:
        merged = {**defaults, **entry}
        missing = [key for key in REQUIRED if key not in merged]
        assert not missing, f"{entry.get('id')}: missing {missing}"
        assert {"cis", "nist"} <= set(merged["references"]) <= {"cis", "nist", "lynis"}, entry["id"]
        assert merged["references"]["nist"], entry["id"]
        assert merged["rationale"].strip() and merged["title"].strip(), entry["id"]
        assert merged["remediation"]["summary"].strip(), entry["id"]


def test_ids_are_unique_and_do_not_clash_with_other_checks():
    ids = [c.id for c in CATALOG]
    assert len(ids) == len(set(ids))
    others = {check.check_id for checks in OTHER_CHECKS.values() for check in checks}
    assert not set(ids) & others
    assert "TRP-WAIVER-001" not in ids


def test_every_control_has_a_known_audit_check():
    unknown = sorted(f"{c.id}: {c.check}" for c in CATALOG if c.check not in CHECKS)
    assert unknown == []


def test_every_linux_control_has_exactly_one_patch_task_named_and_tagged_after_it():
    tasks: dict[str, dict] = {}
    for path in sorted(LINUX_TASKS.glob("*.yml")):
        for control_id, task in patch_tasks(path).items():
            assert control_id not in tasks, f"{control_id} has PATCH tasks in two files"
            tasks[control_id] = {**task, "_file": path.name}
    for control in LINUX:
        task = tasks.get(control.id)
        if control.manual:  # reported only (e.g. TRP-UPD-002: needrestart would bring an assembler)
            assert task is None, f"{control.id} is manual but has a remediation task"
            continue
        assert task is not None, f"{control.id} has no remediation task"
        if task["_combined"]:  # one write for the group: the plan's items name the control
            # Every kernel parameter goes to the one sysctl file, whatever its control's group.
            group = "sysctl" if "sysctl" in control.remediation else control.group
            assert task["_file"] == f"{group}.yml", f"{control.id} is in {task['_file']}"
            assert f"hardening_{group}" in task["tags"]
            assert set(control.remediation) & {"sshd", "sshd_allow_groups", "sysctl", "modules"}, control.id
            continue
        assert task["_file"] == f"{control.group}.yml", f"{control.id} is in {task['_file']}"
        assert task["name"] == f"{control.id} | PATCH | {control.title}"
        assert control.id in task["tags"], f"{control.id}: not tagged with its id"
        when = task["when"] if isinstance(task["when"], list) else [task["when"]]
        assert f"'{control.id}' in hardening_plan.enforce" in when, f"{control.id}: not switched by the plan"
    assert set(tasks) == {c.id for c in LINUX if not c.manual}, "PATCH tasks for controls the catalog does not have"


def test_every_windows_control_has_a_patch_task_unless_manual():
    tasks = patch_tasks(WINDOWS_TASKS)
    for control in WINDOWS:
        if control.manual:
            assert control.id not in tasks
            continue
        assert tasks[control.id]["name"] == f"{control.id} | PATCH | {control.title}"
        assert control.id in tasks[control.id]["tags"]


def test_each_linux_group_file_is_included_by_the_enforce_tasks():
    enforce = (LINUX_TASKS / "enforce.yml").read_text() + (LINUX_TASKS / "access.yml").read_text()
    for group in {c.group for c in LINUX}:
        assert f"include_tasks: {group}.yml" in enforce, group
        if group == "sysctl":  # included for every enforced kernel parameter, whatever its group
            assert "hardening_sysctl_items: \"{{ hardening_plan | tripod.maintenance.hardening_enforced_items('sysctl') }}\"" in enforce
            assert "when: hardening_sysctl_items | length > 0" in enforce
        else:
            assert f"'{group}' in hardening_plan.groups" in enforce, group


def _files_of(control) -> list[str]:
    return list(control.audit.get("paths") or [])


def test_the_facts_probe_reads_everything_the_catalog_checks():
    stat_globs = probe.STAT_GLOBS
    for control in LINUX:
        audit = control.audit
        if control.check == "sysctl":
            assert set(audit["values"]) <= set(probe.SYSCTL_KEYS), control.id
        for path in _files_of(control):
            if control.check == "file_mode":
                assert path in probe.STAT_PATHS, f"{control.id}: {path}"
        if audit.get("glob"):
            assert audit["glob"] in stat_globs or any(fnmatch.fnmatch(audit["glob"], g) for g in stat_globs), control.id
        for package in audit.get("packages") or []:
            assert package in probe.PACKAGES, f"{control.id}: {package}"
        for unit in audit.get("units") or []:
            assert unit in probe.UNITS, f"{control.id}: {unit}"
        for module in audit.get("modules") or []:
            assert module in probe.MODULES, f"{control.id}: {module}"
        for key in ("database",):
            if key in audit:
                assert audit[key] in probe.STAT_PATHS, control.id
        for timer in audit.get("timers") or []:
            assert timer in probe.UNITS, control.id
        if audit.get("timer"):
            assert audit["timer"] in probe.UNITS, control.id
        if audit.get("unit"):
            assert audit["unit"] in probe.UNITS, control.id
        if control.check == "mount":
            assert audit["path"] in probe.MOUNTS, control.id
        if control.check == "banner":
            assert audit["path"] in probe.BANNERS, control.id
        if control.check == "allow_file":
            assert audit["allow"] in probe.STAT_PATHS and set(audit["package"]) <= set(probe.PACKAGES), control.id
        if control.check == "pam_module":
            assert audit["file"] in probe.PAM_FILES and audit["package"] in probe.PACKAGES, control.id
    compilers = CATALOG.get("TRP-PERM-006")
    assert compilers is not None and tuple(compilers.remediation["names"]) == probe.COMPILERS


def test_windows_reads_cover_every_registry_check():
    reads = CATALOG.windows_reads()
    keys = {(r["path"], r["name"]) for r in reads["registry"]}
    for control in WINDOWS:
        for spec in control.audit.get("values") or ([control.audit] if "path" in control.audit else []):
            assert (spec["path"], spec["name"]) in keys, control.id
    assert set(reads["audit_subcategories"]) == {c.audit["subcategory"] for c in WINDOWS if c.check == "win_audit_policy"}
    assert all(re.match(r"^\{[0-9A-F-]{36}\}$", guid) for guid in reads["audit_subcategories"].values())


def test_linux_remediations_never_touch_files_outside_their_own_paths():
    """Tripod's own drop-ins are named so; the role writes nothing under /tmp or the user's home."""
    text = "\n".join(p.read_text() for p in LINUX_TASKS.glob("*.yml"))
    for dest in re.findall(r"dest: (\S+)", text):
        assert not dest.startswith(("/tmp", "/home", "/root")), dest


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.update(id="TRP-SSH-1"), "is not TRP-<AREA>-<NNN>"),
        (lambda c: c.pop("rationale"), "rationale is missing"),
        (lambda c: c.update(severity="severe"), "severity 'severe'"),
        (lambda c: c.update(levels=["desktop"]), "levels must be"),
        (lambda c: c.update(references={"cis": "5.1"}), "references must have cis and nist"),
        (lambda c: c.update(references={"cis": None, "nist": ["AC-6"], "lynis": ["SSH 7408"]}), "references.lynis"),
        (lambda c: c.update(references={"cis": None, "nist": ["AC6"]}), "NIST SP 800-53"),
        (lambda c: c["remediation"].update(sshdd={"X": "1"}), "remediation.sshdd is not a parameter"),
        (lambda c: c["audit"].update({"3DES": None}), "has no value"),
        (lambda c: c.update(container="not_applicable"), "needs a container_reason"),
        (lambda c: c.update(colour="blue"), "unknown key 'colour'"),
    ],
)
def test_a_broken_catalog_names_the_control_and_the_key(mutate, message):
    data = copy.deepcopy(RAW)
    mutate(data["controls"][0])
    with pytest.raises(CatalogError, match=re.escape(message)) as raised:
        parse_catalog(data)
    assert "catalog.yml: controls[0]" in str(raised.value)


def test_a_duplicate_id_is_refused():
    data = copy.deepcopy(RAW)
    data["controls"].append(copy.deepcopy(data["controls"][0]))
    with pytest.raises(CatalogError, match="duplicate id"):
        parse_catalog(data)


def test_docs_hardening_is_current():
    doc = REPO_ROOT / "docs" / "hardening.md"
    assert doc.read_text(encoding="utf-8") == docs.render_markdown(), \
        "regenerate: python -m tripod.hardening.docs > docs/hardening.md"


def test_docs_list_every_control():
    text = docs.render_markdown()
    for control in CATALOG:
        assert f"| `{control.id}` | {control.title} |" in text
