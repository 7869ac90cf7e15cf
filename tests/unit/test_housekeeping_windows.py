"""Static checks of the housekeeping role's Windows script (roles/housekeeping/files/housekeeping.ps1).

No Windows host and no PowerShell are available where these tests run (the role's README says
so): the script is tokenized with the same small tokenizer as win_compliance_facts, and held to
the same rules (balanced brackets, Windows PowerShell 5.1 syntax, no aliases, approved verbs),
plus its own: every deletion sits behind ShouldProcess (so check mode deletes nothing), reparse
points are never followed, and the results have the shape the actions filter reads.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.powershell import ALIASES, APPROVED_VERBS, block_after, bracket_errors, tokenize

ROLE = Path(__file__).resolve().parents[2] / "roles" / "housekeeping"
PS1 = ROLE / "files" / "housekeeping.ps1"


@pytest.fixture(scope="module")
def source() -> str:
    return PS1.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def code(source) -> str:
    return tokenize(source).code


def test_brackets_balance(code):
    assert bracket_errors(code) == []


def test_windows_powershell_51_syntax_without_aliases(source, code):
    assert source.startswith("#Requires -Version 5.1")
    for pattern in (r"\?\?", r"\?\.", r"&&", r"\|\|", r"\bWrite-Host\b", r"\bInvoke-Expression\b", r"\bGet-WmiObject\b"):
        assert not re.search(pattern, code), pattern
    for alias in ALIASES:
        assert not re.search(r"\|\s*" + alias + r"(?=[\s{(]|$)", code, re.IGNORECASE | re.MULTILINE), alias


def test_functions_use_approved_verbs_and_null_on_the_left(code):
    functions = re.findall(r"^\s*function\s+([\w-]+)", code, re.MULTILINE)
    assert len(functions) >= 8
    for function in functions:
        assert function.partition("-")[0] in APPROVED_VERBS, function
    assert not re.search(r"-(?:eq|ne)\s+\$null\b", code, re.IGNORECASE)
    assert not re.search(r"catch\s*\{\s*\}", code)


def test_every_deletion_is_behind_should_process(code):
    # The script itself supports ShouldProcess: win_powershell then runs it in check mode with -WhatIf.
    assert re.match(r"\[CmdletBinding\(SupportsShouldProcess\)\]\s*param\s*\(", code.lstrip())
    deletions = [m.start() for m in re.finditer(r"\.Delete\(\)|\bRemove-Tree\s+-Item|StartComponentCleanup", code)]
    assert len(deletions) >= 4
    for function in ("Invoke-CleanFiles", "Invoke-ComponentCleanup", "Invoke-RecycleBin", "Remove-Tree"):
        body = block_after(code, code.index(f"function {function}"))
        assert "$PSCmdlet.ShouldProcess(" in body, function
    assert not re.search(r"\bRemove-Item\b", code), "Remove-Item -Recurse follows junctions on 5.1"
    assert not re.search(r"\bClear-RecycleBin\b", code), "it only empties the calling user's bin"


def test_reparse_points_are_never_entered(code):
    walker = block_after(code, code.index("function Get-TreeFile"))
    assert "-band $ReparsePoint) { continue }" in walker
    assert "Test-UnderReparsePoint -Item $item" in code


def test_results_have_the_shape_the_actions_filter_reads(code):
    clean = block_after(code, code.index("function Invoke-CleanFiles"))
    for key in ("path", "label", "max_age_days", "files", "bytes", "skipped", "error_count", "errors"):
        assert re.search(rf"\b{key}\s*=", clean), key
    assert "$Ansible.Result = @{ paths = $results }" in clean
    for function in ("Invoke-ComponentCleanup", "Invoke-RecycleBin"):
        body = block_after(code, code.index(f"function {function}"))
        assert re.search(r"acted\s*=", body) and re.search(r"bytes\s*=", body) and "detail" in body, function


def test_the_role_calls_every_step_the_script_has(source):
    steps = set(re.search(r"ValidateSet\(([^)]*)\)", source).group(1).replace("'", "").replace(" ", "").split(","))
    playbook = yaml.safe_load((ROLE / "tasks" / "windows.yml").read_text(encoding="utf-8"))
    tasks = next(task for task in playbook if "block" in task)["block"]
    called = {t["ansible.windows.win_powershell"]["parameters"]["Step"] for t in tasks if "ansible.windows.win_powershell" in t}
    assert called == steps == {"CleanFiles", "ComponentCleanup", "RecycleBin"}
    # Dry runs (report-only, audit policy) go through -ReportOnly; no task sets check_mode itself,
    # so an inherited check mode (--check, or a check_mode keyword) always holds.
    assert all(t["ansible.windows.win_powershell"]["parameters"]["ReportOnly"] == "{{ housekeeping_plan.report_only }}"
               for t in tasks if "ansible.windows.win_powershell" in t)
    assert all(t.get("check_mode") in (None, True) for t in tasks)


def test_report_only_guards_every_change(code):
    for function in ("Invoke-CleanFiles", "Invoke-ComponentCleanup", "Invoke-RecycleBin"):
        body = block_after(code, code.index(f"function {function}"))
        assert "-not $ReportOnly -and $PSCmdlet.ShouldProcess(" in body, function
        assert re.search(r"\$Ansible\.Changed = .*-and -not \$ReportOnly", body), function
