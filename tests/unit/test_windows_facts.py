"""Windows compliance facts: the recorded samples and static checks of the PowerShell module.

No Windows host and no PowerShell are available where these tests run, so the module is checked
statically: its syntax is tokenized (brackets must balance outside strings and comments), its
argument spec must match the documentation stub, it must stay read-only and PowerShell 5.1
compatible, and its lifecycle table must match docs/windows.md. The samples in
tests/data/windows/ are hand-written recordings in the schema's shape; they are validated against
src/tripod/schemas/compliance_facts.schema.json and checked for internal consistency.
"""

from __future__ import annotations

import ast
import json
import math
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

jsonschema = pytest.importorskip("jsonschema")

from tests.powershell import ALIASES, APPROVED_VERBS, Tokenized, block_after, bracket_errors, tokenize  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PS1 = ROOT / "plugins" / "modules" / "win_compliance_facts.ps1"
STUB = ROOT / "plugins" / "modules" / "win_compliance_facts.py"
DOC = ROOT / "docs" / "windows.md"
SCHEMA = ROOT / "src" / "tripod" / "schemas" / "compliance_facts.schema.json"
DATA = ROOT / "tests" / "data" / "windows"
SAMPLES = sorted(DATA.glob("*.json"))


@pytest.fixture(scope="module")
def ps1_source() -> str:
    return PS1.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ps1(ps1_source) -> Tokenized:
    return tokenize(ps1_source)


def code_units(tok: Tokenized) -> list[tuple[str, str]]:
    """The main script and the runspace script (a here-string), each as blanked code."""
    units = [("main", tok.code)]
    for line, body in tok.here_strings:
        units.append((f"here-string at line {line}", tokenize(body).code))
    return units


# --------------------------------------------------------------------------------------------
# Static checks of the PowerShell module
# --------------------------------------------------------------------------------------------

def test_ps1_is_an_ansible_basic_module(ps1_source):
    lines = ps1_source.splitlines()
    assert lines[0] == "#!powershell"
    assert "#AnsibleRequires -CSharpUtil Ansible.Basic" in lines
    assert "[Ansible.Basic.AnsibleModule]::Create($args, $spec)" in ps1_source
    assert "$module.ExitJson()" in ps1_source
    assert re.search(r"supports_check_mode\s*=\s*\$true", ps1_source)


def test_ps1_brackets_balance(ps1):
    for name, code in code_units(ps1):
        assert bracket_errors(code) == [], name


def test_ps1_here_strings_are_the_runspace_script(ps1):
    # The Windows Update runspace script is the only here-string; it must itself be valid code.
    assert len(ps1.here_strings) == 1
    body = ps1.here_strings[0][1]
    assert body.lstrip().startswith("param($State, $SecurityCategoryIds, $DefinitionCategoryId)")
    assert "IsInstalled=0 and IsHidden=0 and Type='Software'" in body


def test_ps1_uses_no_aliases_or_discouraged_cmdlets(ps1):
    for name, code in code_units(ps1):
        for alias in ALIASES:
            found = re.search(r"\|\s*" + alias + r"(?=[\s{(]|$)", code, re.IGNORECASE | re.MULTILINE)
            assert not found, f"{name}: alias after a pipe: {found.group(0)!r}"
        for pattern in [r"\bGet-WmiObject\b", r"\bgwmi\b", r"\bInvoke-Expression\b", r"\bWrite-Host\b",
                        r"\bInvoke-WmiMethod\b"]:
            assert not re.search(pattern, code, re.IGNORECASE), f"{name}: {pattern}"


def test_ps1_is_powershell_51_syntax(ps1):
    # No PowerShell 7 operators: null-coalescing, null-conditional member access, pipeline chains,
    # ternary. Strings are blanked, so these only match real code.
    for name, code in code_units(ps1):
        for pattern, what in [(r"\?\?", "??"), (r"\?\.", "?."), (r"&&", "&&"), (r"\|\|", "||"),
                              (r"\s\?\s[^:\n]+\s:\s", "ternary")]:
            assert not re.search(pattern, code), f"{name}: PowerShell 7 syntax {what}"
        assert not re.search(r"\bForEach-Object\s+-Parallel\b", code, re.IGNORECASE), name


def test_ps1_is_read_only(ps1):
    writers = ["Set-ItemProperty", "New-ItemProperty", "Remove-ItemProperty", "New-Item", "Remove-Item",
               "Set-Item", "Copy-Item", "Move-Item", "Rename-Item", "Set-Content", "Add-Content",
               "Out-File", "Set-Service", "Start-Service", "Stop-Service", "Restart-Service",
               "Set-NetFirewallProfile", "Set-MpPreference", "Update-MpSignature", "Install-", "Uninstall-",
               "Enable-", "Disable-", "Invoke-CimMethod", "Set-CimInstance", "Remove-CimInstance",
               "Restart-Computer", "Stop-Computer"]
    for name, code in code_units(ps1):
        for cmdlet in writers:
            assert not re.search(r"(?<![\w-])" + re.escape(cmdlet), code, re.IGNORECASE), f"{name}: {cmdlet}"
    # The Windows Update Agent is only searched, never asked to download or install.
    runspace = ps1.here_strings[0][1]
    for method in ["CreateUpdateDownloader", "CreateUpdateInstaller", ".Download(", ".Install("]:
        assert method not in runspace


def test_ps1_functions_use_approved_verbs(ps1):
    names = []
    for _name, code in code_units(ps1):
        names += re.findall(r"^\s*function\s+([\w-]+)", code, re.MULTILINE | re.IGNORECASE)
    assert names
    for function in names:
        verb, _, noun = function.partition("-")
        assert noun, f"{function}: not Verb-Noun"
        assert verb in APPROVED_VERBS, f"{function}: {verb} is not an approved verb"


def test_ps1_follows_script_analyzer_conventions(ps1):
    for name, code in code_units(ps1):
        # PSPossibleIncorrectComparisonWithNull: $null goes on the left.
        assert not re.search(r"-(?:eq|ne)\s+\$null\b", code, re.IGNORECASE), name
        # PSUseShouldProcessForStateChangingFunctions: a read-only module defines no state-changing verbs.
        for function in re.findall(r"^\s*function\s+([\w-]+)", code, re.MULTILINE | re.IGNORECASE):
            verb = function.split("-")[0]
            assert verb not in {"New", "Set", "Remove", "Start", "Stop", "Restart", "Reset", "Update"}, function
        # PSAvoidUsingEmptyCatchBlock.
        assert not re.search(r"catch\s*\{\s*\}", code), name
        # PSAvoidGlobalVars.
        assert "$global:" not in code.lower(), name


def test_ps1_cim_queries_all_have_the_timeout(ps1):
    # Every CIM query goes through Get-CimData, which passes -OperationTimeoutSec.
    code = ps1.code
    assert len(re.findall(r"\bGet-CimInstance\b", code)) == 1
    helper = block_after(code, code.index("function Get-CimData"))
    assert "OperationTimeoutSec" in helper
    assert "Get-CimInstance" in helper


def test_ps1_every_probe_is_wrapped(ps1):
    # Probe bodies run through Invoke-Probe (try/catch). Outside them, only the runspace start and
    # collection, which have their own try/catch, may call a cmdlet that can throw.
    code = ps1.code
    probes = re.findall(r"Invoke-Probe\s+-Name\s+'([^']*)'", PS1.read_text(encoding="utf-8"))
    assert len(probes) >= 15
    invoke = block_after(code, code.index("function Invoke-Probe"))
    assert "try" in invoke and "catch" in invoke and "Add-ProbeError" in invoke


def _spec_options(ps1_source: str) -> dict[str, dict[str, str]]:
    tok = tokenize(ps1_source)
    start = tok.code.index("$spec = @{")
    block = ps1_source[start:start + len(block_after(tok.code, start)) + (tok.code.index("{", start) - start)]
    options = {}
    for name, body in re.findall(r"^\s*(\w+)\s*=\s*@\{([^{}]*)\}\s*$", block, re.MULTILINE):
        options[name] = dict(re.findall(r"(\w+)\s*=\s*('[^']*'|\$\w+|@\(\)|-?\d+)", body))
    return options


def _documentation() -> dict:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                values[target.id] = node.value.value
    assert {"DOCUMENTATION", "EXAMPLES", "RETURN"} <= values.keys()
    return {key: yaml.safe_load(text) for key, text in values.items() if key in ("DOCUMENTATION", "EXAMPLES", "RETURN")}


def _ps_literal(text: str):
    if text == "@()":
        return []
    if text in ("$true", "$false"):
        return text == "$true"
    if text == "$null":
        return None
    if text.startswith("'"):
        return text[1:-1]
    return int(text)


def test_spec_matches_documentation(ps1_source):
    docs = _documentation()
    documented = docs["DOCUMENTATION"]["options"]
    spec = _spec_options(ps1_source)
    assert set(spec) == set(documented), "options in the .ps1 $spec and the .py DOCUMENTATION differ"
    for name, doc in documented.items():
        entry = spec[name]
        assert _ps_literal(entry["type"]) == doc["type"], name
        assert _ps_literal(entry.get("elements", "$null")) == doc.get("elements"), name
        assert _ps_literal(entry.get("default", "$null")) == doc.get("default"), name
        assert doc.get("description"), name
    assert docs["DOCUMENTATION"]["module"] == "win_compliance_facts"
    for example in docs["EXAMPLES"]:
        assert set(example.get("tripod.maintenance.win_compliance_facts") or {}) <= set(documented)


def test_module_reads_every_option(ps1_source):
    for name in _documentation()["DOCUMENTATION"]["options"]:
        assert f"$module.Params.{name}" in ps1_source, name


def test_probe_names_are_documented(ps1_source):
    named = set(re.findall(r"Invoke-Probe\s+-Name\s+'([^']+)'", ps1_source))
    named |= set(re.findall(r"(?:Add-ProbeError|Add-ProbeTime)\s+-Probe\s+'([^']+)'", ps1_source))
    doc = DOC.read_text(encoding="utf-8")
    listed = set(re.findall(r"`([a-z_.]+)`", doc[doc.index("Probe names"):doc.index("| key | Windows source")]))
    assert named <= listed, f"probes missing from docs/windows.md: {sorted(named - listed)}"


def test_facts_skeleton_has_every_required_key(ps1):
    """The empty facts built in the .ps1 carry every key the schema requires."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    code = PS1.read_text(encoding="utf-8")
    start = ps1.code.index("$facts = @{")
    block = code[start:start + len(block_after(ps1.code, start)) + (ps1.code.index("{", start) - start)]

    def walk(node, prefix=""):
        for key in node.get("required", []):
            assert re.search(r"\b" + re.escape(key) + r"\s*=", block), f"{prefix}{key} missing from $facts"
            child = node.get("properties", {}).get(key, {})
            if child.get("type") == "object" and "required" in child:
                walk(child, f"{prefix}{key}.")

    walk(schema)
    for key in ["defender", "bitlocker", "local_admins", "guest_enabled", "profiles"]:
        assert re.search(r"\b" + key + r"\s*=", block), key
    assert "os_family = 'windows'" in block
    assert "schema_version = 1" in block
    assert "manager = 'windows_update'" in block


# --------------------------------------------------------------------------------------------
# Lifecycle table: the .ps1 and docs/windows.md say the same thing
# --------------------------------------------------------------------------------------------

DOC_CHANNELS = {
    "server": {"server"}, "Home/Pro": {"consumer"}, "Enterprise/Education": {"enterprise"},
    "all": {"consumer", "enterprise"}, "LTSC": {"ltsc"}, "IoT LTSC": {"iot_ltsc"},
    "LTSB, IoT LTSB": {"ltsc", "iot_ltsc"}, "LTSC, IoT LTSC": {"ltsc", "iot_ltsc"},
}


def ps1_lifecycle(ps1_source: str) -> set[tuple]:
    rows = re.findall(
        r"@\{ server = \$(true|false); build = (\d+); channel = '(\w+)'; product = '([\w-]+)'; "
        r"version = '([\w-]+)'; eol = '(\d{4}-\d{2}-\d{2})' \}", ps1_source)
    return {(product, version, int(build), channel, eol, server == "true")
            for server, build, channel, product, version, eol in rows}


def test_lifecycle_table_matches_docs(ps1_source):
    table = ps1_lifecycle(ps1_source)
    assert len(table) == ps1_source.count("@{ server = $"), "a lifecycle row did not parse"
    doc = DOC.read_text(encoding="utf-8")
    documented = set()
    for product, version, build, channel, eol in re.findall(
            r"^\| (windows[\w-]*) \| ([\w-]+) \| (\d+) \| ([^|]+?) \| (\d{4}-\d{2}-\d{2}) \|", doc, re.MULTILINE):
        for ch in DOC_CHANNELS[channel]:
            documented.add((product, version, int(build), ch, eol, ch == "server"))
    assert table == documented


def test_lifecycle_table_has_the_required_releases(ps1_source):
    table = ps1_lifecycle(ps1_source)
    eol = {(p, v, ch): e for p, v, _b, ch, e, _s in table}
    # Published end-of-support dates (extended support for Windows Server).
    assert eol[("windows-server", "2012-R2", "server")] == "2023-10-10"
    assert eol[("windows-server", "2016", "server")] == "2027-01-12"
    assert eol[("windows-server", "2019", "server")] == "2029-01-09"
    assert eol[("windows-server", "2022", "server")] == "2031-10-14"
    assert eol[("windows-server", "2025", "server")] == "2034-10-10"
    assert eol[("windows-10", "22H2", "consumer")] == "2025-10-14"
    assert eol[("windows-11", "23H2", "consumer")] == "2025-11-11"
    assert eol[("windows-11", "23H2", "enterprise")] == "2026-11-10"
    assert eol[("windows-11", "24H2", "consumer")] == "2026-10-13"
    assert eol[("windows-11", "24H2", "enterprise")] == "2027-10-12"
    # One row per (server, build, channel): the first match would otherwise hide a later one.
    keys = [(s, b, ch) for _p, _v, b, ch, _e, s in table]
    assert len(keys) == len(set(keys))


# --------------------------------------------------------------------------------------------
# The recorded samples
# --------------------------------------------------------------------------------------------

def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def validator():
    assert SCHEMA.exists(), f"{SCHEMA} is missing"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def read_sample(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_samples():
    names = {p.name for p in SAMPLES}
    assert {"server2022_pending_security_reboot.json", "server2019_patched_firewall_off.json",
            "win11_workstation_bitlocker_off.json"} <= names


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_matches_schema(path, validator):
    errors = sorted(validator.iter_errors(read_sample(path)), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_semantics(path, ps1_source):
    facts = read_sample(path)
    now = utc(facts["collected_at"])
    assert facts["os_family"] == "windows"
    assert facts["schema_version"] == 1

    identity = facts["identity"]
    assert identity["distribution"].startswith("Windows ")
    build = identity["distribution_version"].split(".")[2]
    assert identity["kernel"].split(".")[0] == build
    assert identity["architecture"] in ("x86_64", "aarch64")
    assert identity["virtualization"] in ("microsoft", "vmware", "kvm", "xen", "oracle", "amazon", "google",
                                          "parallels", "none")
    boot = utc(identity["boot_time"])
    assert abs((now - boot).total_seconds() - identity["uptime_seconds"]) <= 1

    # Lifecycle: from the module's own table, and days_left counted from the run's UTC date.
    lifecycle = facts["lifecycle"]
    table = ps1_lifecycle(ps1_source)
    rows = [r for r in table if r[0] == lifecycle["product"] and r[1] == lifecycle["version"] and r[2] == int(build)]
    assert rows, "no lifecycle row for this sample"
    assert lifecycle["eol_date"] in {r[4] for r in rows}
    assert lifecycle["days_left"] == (date.fromisoformat(lifecycle["eol_date"]) - now.date()).days
    assert lifecycle.get("source") == "tripod"

    patches = facts["patches"]
    assert patches["manager"] == "windows_update"
    assert patches["held"] == []
    pending = patches["pending"]
    for update in pending:
        assert update["origin"] == "Windows Update"
        assert update["installed"] is None
        if update["kb"] is not None:
            assert re.fullmatch(r"KB\d+", update["kb"])
            assert update["candidate"] == update["kb"]
            assert f"({update['kb']})" in update["name"] or update["kb"] in update["name"]
        else:
            assert re.fullmatch(r"[0-9a-f-]{36}:\d+", update["candidate"])
        assert update["severity"] in (None, "Critical", "Important", "Moderate", "Low")
        if update["severity"] is not None:
            assert update["security"], "an update with an MSRC severity is a security update"
    if patches["security_count"] is None:
        assert any(e["probe"] == "patches.pending" for e in facts["errors"])
        assert pending == []
    else:
        assert patches["security_count"] == sum(1 for u in pending if u["security"])
        assert patches["other_count"] == sum(1 for u in pending if not u["security"])
    assert patches["reboot_required"] == bool(patches["reboot_reasons"])
    if patches["reboot_required_since"] is not None:
        assert patches["reboot_required"]
        assert utc(patches["reboot_required_since"]) >= boot
    if patches["last_upgrade"] is not None:
        assert utc(patches["last_upgrade"]) <= now

    capacity = facts["capacity"]
    for fs in capacity["filesystems"]:
        assert re.fullmatch(r"[A-Z]:", fs["mount"])
        assert fs["used_bytes"] + fs["free_bytes"] == fs["size_bytes"]
        assert fs["used_percent"] == round(fs["used_bytes"] / fs["size_bytes"] * 100, 1)
        assert fs["inodes_total"] is None and fs["inodes_used"] is None and fs["inodes_percent"] is None
    memory = capacity["memory"]
    assert memory["available_bytes"] <= memory["total_bytes"]
    used = memory["total_bytes"] - memory["available_bytes"]
    assert memory["used_percent"] == round(used / memory["total_bytes"] * 100, 1)
    swap = capacity["swap"]
    assert swap["free_bytes"] <= swap["total_bytes"]
    load = capacity["load"]
    assert load["load5"] is None and load["load15"] is None and load["per_core15"] is None
    assert isinstance(load["cores"], int) and load["cores"] >= 1

    services = facts["services"]
    assert services["failed"] == sorted(services["failed"], key=str.upper)  # ordinal, ignoring case
    for name, state in services["watched"].items():
        if state.get("found") is False:
            assert state["active"] is False and state["enabled"] is False

    assert facts["time"]["service"] == "w32time"

    security = facts["security"]
    assert security["ssh"]["settings"] == {}
    assert security["sudo"]["nopasswd"] == []
    assert security["world_writable"] == {"paths": [], "files": [], "truncated": False}
    assert security["accounts"]["uid0"] == [] and security["accounts"]["empty_password"] == []
    admins = security["accounts"]["local_admins"]
    assert admins == sorted(admins, key=str.upper) and all("\\" in a for a in admins)
    firewall = security["firewall"]
    assert firewall["backend"] == "windows"
    assert set(firewall["profiles"]) == {"Domain", "Private", "Public"}
    if firewall["active"]:
        # active = every profile on and MpsSvc running; a stopped MpsSvc alone can make it false.
        assert all(firewall["profiles"].values())
    assert security["auto_updates"]["mechanism"] == "windows_update"
    for volume, protected in security["bitlocker"].items():
        assert re.fullmatch(r"[A-Z]:", volume)
        assert isinstance(protected, bool)
    fixed = {fs["mount"] for fs in capacity["filesystems"]}
    assert set(security["bitlocker"]) <= fixed

    for cert in facts["certificates"]:
        assert cert["days_left"] == math.floor((utc(cert["not_after"]) - now).total_seconds() / 86400)
        if cert["path"].lower().startswith("cert:"):
            assert re.fullmatch(r"Cert:\\LocalMachine\\\w+\\[0-9A-F]{40}", cert["path"])
    for marker in facts["backups"]:
        if marker["exists"]:
            hours = (now - utc(marker["modified"])).total_seconds() / 3600
            assert marker["age_hours"] == round(hours, 2)
        else:
            assert marker["modified"] is None and marker["age_hours"] is None

    probes = set(re.findall(r"Invoke-Probe\s+-Name\s+'([^']+)'", ps1_source)) | {"patches.pending"}
    for error in facts["errors"]:
        assert error["probe"] in probes
        assert error["message"]
    for probe in facts.get("probe_seconds", {}):
        assert probe in probes


def test_sample_scenarios():
    s2022 = read_sample(DATA / "server2022_pending_security_reboot.json")
    assert s2022["identity"]["distribution"] == "Windows Server 2022"
    assert s2022["patches"]["security_count"] >= 1
    assert {u["severity"] for u in s2022["patches"]["pending"] if u["security"]} == {"Critical", "Important"}
    assert s2022["patches"]["reboot_required"] is True
    assert s2022["patches"]["reboot_required_since"] is not None

    s2019 = read_sample(DATA / "server2019_patched_firewall_off.json")
    assert s2019["identity"]["distribution"] == "Windows Server 2019"
    assert s2019["patches"]["pending"] == []
    assert s2019["patches"]["security_count"] == 0 and s2019["patches"]["other_count"] == 0
    assert s2019["patches"]["reboot_required"] is False
    assert s2019["security"]["defender"]["signature_age_days"] == 10
    profiles = s2019["security"]["firewall"]["profiles"]
    assert sorted(profiles.values()) == [False, True, True]
    assert s2019["security"]["firewall"]["active"] is False

    win11 = read_sample(DATA / "win11_workstation_bitlocker_off.json")
    assert win11["identity"]["distribution"] == "Windows 11"
    assert win11["identity"]["virtualization"] == "none"
    assert win11["security"]["bitlocker"]["C:"] is False
    assert win11["patches"]["security_count"] == 0
