"""awx/configure.yml, the AWX configuration as code (docs/awx.md), checked without an AWX: it passes the
syntax check and ansible-lint's production profile; every option it gives an awx.awx module is one that
module documents; every playbook a job template names exists; the workflows and schedules launch templates
the playbook defines; the rrules keep AWX's rules; secrets never reach a log; and its variable checks pass
with the example vars file and name the variables, not the values, when they fail."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pytest
import yaml

from tripod.store.location import URL_VARIABLE
from tripod.triage.secrets import ENV as SECRETS_ENV

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "awx" / "configure.yml"
EXAMPLE = ROOT / "awx" / "example-client.yml"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "TRIPOD_NO_EVIDENCE": "1"}
JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined)

PLAY: dict[str, Any] = yaml.safe_load(PLAYBOOK.read_text())[0]
TASKS: list[dict[str, Any]] = PLAY["tasks"]
EXAMPLE_VARS: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
SPEC: dict[str, Any] = next(t["ansible.builtin.validate_argument_spec"]["argument_spec"] for t in TASKS
                            if "ansible.builtin.validate_argument_spec" in t)
SECRET_VARS = sorted(name for name, spec in SPEC.items() if spec.get("no_log"))


def module_of(task: dict[str, Any]) -> str:
    return next(key for key in task if "." in key)


def tasks_of(module: str) -> list[dict[str, Any]]:
    return [task for task in TASKS if module_of(task) == module]


def render(template: Any, context: dict[str, Any]) -> Any:
    if isinstance(template, str):
        return JINJA.from_string(template).render(context)
    if isinstance(template, list):
        return [render(value, context) for value in template]
    if isinstance(template, dict):
        return {key: render(value, context) for key, value in template.items()}
    return template


def context(overrides: dict[str, Any]) -> dict[str, Any]:
    """The play's variables as Ansible would see them with `overrides` as extra vars, for those that plain
    Jinja can render (names, rrules); the others (filters, lookups) are left out."""
    fixed = {key: value for key, value in overrides.items() if "lookup(" not in str(value)}
    known: dict[str, Any] = dict(fixed)
    for _ in range(3):
        for key, value in PLAY["vars"].items():
            if key not in fixed:
                try:
                    known[key] = render(value, known)
                except (jinja2.TemplateError, TypeError):
                    pass
    return known


def loop_items(task: dict[str, Any]) -> list[Any]:
    """The items of a task's `loop: "{{ play_var }}"`."""
    match = re.fullmatch(r"\{\{ (\w+) \}\}", task["loop"])
    assert match, task["loop"]
    return list(PLAY["vars"][match.group(1)])


def concrete_names(module: str, known: dict[str, Any]) -> list[str]:
    (task,) = tasks_of(module)
    return [render(task[module]["name"], {**known, "item": item}) for item in loop_items(task)]


@pytest.fixture(scope="module", autouse=True)
def lint() -> Iterator[subprocess.Popen[str]]:
    """ansible-lint, started with the module's first test and run in the background while the others run
    (it takes the longest); the last test reads its result."""
    process = subprocess.Popen([str(BIN / "ansible-lint"), "--offline", "--profile", "production", "awx/"],
                               cwd=ROOT, env={**ENV, "NO_COLOR": "1", "PATH": f"{BIN}:{ENV.get('PATH', '')}"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield process
    if process.poll() is None:
        process.kill()
        process.communicate()


def test_every_option_is_one_the_awx_module_documents() -> None:
    modules = sorted({module_of(task) for task in TASKS if module_of(task).startswith("awx.awx.")})
    assert {"awx.awx.organization", "awx.awx.project", "awx.awx.inventory", "awx.awx.inventory_source",
            "awx.awx.credential_type", "awx.awx.credential", "awx.awx.execution_environment",
            "awx.awx.job_template", "awx.awx.workflow_job_template", "awx.awx.schedule"} <= set(modules)
    done = subprocess.run([str(BIN / "ansible-doc"), "--json", "-t", "module", *modules], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    docs = json.loads(done.stdout)

    def check(args: dict[str, Any], options: dict[str, Any], where: str) -> None:
        names = {alias for name, option in options.items() for alias in [name, *(option.get("aliases") or [])]}
        unknown = sorted(set(args) - names)
        assert not unknown, f"{where}: {unknown} not among the documented options"
        for name, value in args.items():
            option = options.get(name, {})
            if option.get("choices") and isinstance(value, str) and "{{" not in value:
                assert value in option["choices"], f"{where}.{name}: {value!r} not in {option['choices']}"

    for task in TASKS:
        module = module_of(task)
        if module in docs:
            options = docs[module]["doc"]["options"]
            check(task[module], options, f"{task['name']} ({module})")
    (workflow,) = tasks_of("awx.awx.workflow_job_template")
    node_options = docs["awx.awx.workflow_job_template"]["doc"]["options"]["workflow_nodes"]["suboptions"]
    for node in workflow["awx.awx.workflow_job_template"]["workflow_nodes"]:
        check(node, node_options, f"workflow node {node['identifier']}")
        check(node["unified_job_template"], node_options["unified_job_template"]["suboptions"], node["identifier"])
        check(node.get("related", {}), node_options["related"]["suboptions"], node["identifier"])


def test_job_templates_run_playbooks_that_exist_with_the_variables_they_take() -> None:
    templates = PLAY["vars"]["tripod_awx_job_templates"]
    (task,) = tasks_of("awx.awx.job_template")
    assert task["awx.awx.job_template"]["playbook"] == "{{ item.playbook }}"
    for template in templates:
        assert (ROOT / template["playbook"]).is_file(), f"{template['name']}: {template['playbook']} does not exist"
        assert template["playbook"].startswith("playbooks/"), template
    assert {t["playbook"] for t in templates} >= {f"playbooks/{name}.yml" for name in
                                                  ("audit", "cycle", "patch", "harden", "report", "triage")}
    # The cycle names its playbook accepts, from the playbook's own assertion.
    plays = yaml.safe_load((ROOT / "playbooks" / "cycle.yml").read_text())
    (cycle_play,) = [play for play in plays if "pre_tasks" in play]
    that = cycle_play["pre_tasks"][0]["ansible.builtin.assert"]["that"]
    accepted = set(re.findall(r"'(\w+)'", that.split(" in ", 1)[1]))
    cycles = {t["extra_vars"]["tripod_cycle"] for t in templates if t["playbook"] == "playbooks/cycle.yml"}
    assert cycles == {"daily", "weekly", "monthly"} and cycles <= accepted, (cycles, accepted)
    # patch and harden: a dry run (--check) and a real run of the same playbook.
    for playbook in ("playbooks/patch.yml", "playbooks/harden.yml"):
        job_types = sorted(t.get("job_type", "run") for t in templates if t["playbook"] == playbook)
        assert job_types == ["check", "run"], (playbook, job_types)
    names = concrete_names("awx.awx.job_template", context(EXAMPLE_VARS))
    assert len(set(names)) == len(names) and all(name.startswith("acme-logistics - ") for name in names), names


def test_workflows_run_the_cadence_s_cycle_then_triage_always() -> None:
    known = context(EXAMPLE_VARS)
    templates = {known["tripod_awx_prefix"] + t["name"]: t for t in PLAY["vars"]["tripod_awx_job_templates"]}
    assert set(templates) == set(concrete_names("awx.awx.job_template", known))
    (task,) = tasks_of("awx.awx.workflow_job_template")
    args = task["awx.awx.workflow_job_template"]
    cadences = loop_items(task)
    assert cadences == ["daily", "weekly", "monthly"]
    for cadence in cadences:
        nodes = render(args["workflow_nodes"], {**known, "item": cadence})
        identifiers = {node["identifier"] for node in nodes}
        launched = {}
        for node in nodes:
            target = node["unified_job_template"]
            assert target["type"] == "job_template" and target["name"] in templates, target
            assert target["organization"]["name"] == known["tripod_awx_organization"]
            launched[node["identifier"]] = templates[target["name"]]
            for edge in node.get("related", {}).values():
                assert {e["identifier"] for e in edge} <= identifiers, edge
        assert launched["cycle"]["extra_vars"] == {"tripod_cycle": cadence}
        assert launched["triage"]["playbook"] == "playbooks/triage.yml"
        (cycle_node,) = [node for node in nodes if node["identifier"] == "cycle"]
        assert cycle_node["related"] == {"always_nodes": [{"identifier": "triage"}]}


# AWX's rrule rules (awx/api/serializers.py, SchedulePreviewSerializer.validate_rrule).
DTSTART = re.compile(r"DTSTART(?:;TZID=(?P<tz>[A-Za-z_/+-]+))?:(?P<date>\d{8})T(?P<time>\d{6})(?P<z>Z?)")
DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}


def awx_rrule_problems(rrule: str) -> list[str]:
    problems = []
    start, _, rule = rrule.partition(" ")
    match = DTSTART.fullmatch(start)
    if not match:
        return [f"{rrule}: no valid DTSTART"]
    if not match["tz"] and not match["z"]:
        problems.append("DTSTART is a naive datetime")
    if match["tz"]:
        ZoneInfo(match["tz"])  # an unknown zone raises
    if not rule.startswith("RRULE:") or " " in rule:
        return [*problems, f"{rrule}: one RRULE expected"]
    parts = dict(part.split("=", 1) for part in rule[len("RRULE:"):].split(";"))
    if parts.get("FREQ") not in {"MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}:
        problems.append(f"FREQ {parts.get('FREQ')}")
    if not parts.get("INTERVAL", "").isdigit():
        problems.append("INTERVAL required")
    for day in parts.get("BYDAY", "MO").split(","):
        if day not in DAYS:
            problems.append(f"BYDAY {day} (a numeric prefix is not supported)")
    for key, low, high in (("BYMONTHDAY", 1, 31), ("BYMONTH", 1, 12)):
        if key in parts and not (parts[key].isdigit() and low <= int(parts[key]) <= high):
            problems.append(f"{key} {parts[key]} (one value)")
    if "BYSETPOS" in parts and not parts["BYSETPOS"].lstrip("-").isdigit():
        problems.append(f"BYSETPOS {parts['BYSETPOS']}")
    unknown = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "BYHOUR", "BYMINUTE"}
    if unknown or "COUNT" in rule and "UNTIL" in rule or "EXDATE" in rrule or "RDATE" in rrule:
        problems.append(f"unsupported parts {sorted(unknown)}")
    return problems


def test_the_rule_check_knows_awx_s_rejections() -> None:
    assert awx_rrule_problems("DTSTART:20260101T021000Z RRULE:FREQ=DAILY;INTERVAL=1") == []
    for bad in ("DTSTART:20260101T021000 RRULE:FREQ=DAILY;INTERVAL=1", "DTSTART:20260101T021000Z RRULE:FREQ=DAILY",
                "DTSTART:20260101T021000Z RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1SU",
                "DTSTART:20260101T021000Z RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTH=1,7;BYMONTHDAY=5"):
        assert awx_rrule_problems(bad), bad


@pytest.mark.parametrize("overrides", [{"tripod_awx_client": "acme"}, EXAMPLE_VARS], ids=["defaults", "example"])
def test_schedules_launch_defined_templates_with_rrules_awx_accepts(overrides: dict[str, Any]) -> None:
    known = context(overrides)
    launchable = {*concrete_names("awx.awx.job_template", known),
                  *concrete_names("awx.awx.workflow_job_template", known)}
    (task,) = tasks_of("awx.awx.schedule")
    args = task["awx.awx.schedule"]
    schedules = loop_items(task)
    for schedule in schedules:
        launches = render(args["unified_job_template"], {**known, "item": schedule})
        assert launches in launchable, f"{schedule['name']}: {launches} is not defined ({sorted(launchable)})"
        rrule = render(schedule["rrule"], known)
        assert awx_rrule_problems(rrule) == [], (schedule["name"], rrule)
    launched = {render(args["unified_job_template"], {**known, "item": s}) for s in schedules}
    prefix = known["tripod_awx_prefix"]
    assert {f"{prefix}cycle {c} + triage" for c in ("daily", "weekly", "monthly")} | {f"{prefix}report"} <= launched


def expressions(value: Any, conditional: bool = False) -> Iterator[str]:
    """The Jinja expressions in a task's arguments (a conditional is one whole)."""
    if isinstance(value, str):
        yield from [value] if conditional else re.findall(r"\{\{(.*?)\}\}", value, re.S)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item, conditional)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from expressions(item, key == "that")


def test_secrets_are_no_log_and_never_written_in_the_example() -> None:
    assert {"tripod_awx_evidence_url", "tripod_awx_vault_password", "tripod_awx_machine_ssh_key"} <= set(SECRET_VARS)
    # The only task that reads a secret and logs: the value check, whose message is made of literal text.
    logs_safely = {"AWX | Check the variables", "AWX | Check the values"}
    for task in TASKS:
        # `when` is left out: a condition's value is never shown.
        text = "\n".join(expressions({key: value for key, value in task.items() if key not in ("name", "when")}))
        read = [name for name in SECRET_VARS if re.search(rf"\b{name}\b", text)]
        if read and task["name"] not in logs_safely:
            assert task.get("no_log") is True, f"{task['name']} reads {read} without no_log"
    for task in tasks_of("awx.awx.credential"):
        assert task.get("no_log") is True, task["name"]
    for name in SECRET_VARS:
        value = EXAMPLE_VARS.get(name)
        assert value is None or "lookup(" in str(value), f"{name} has a value in {EXAMPLE.name}"


def test_the_credential_type_injects_what_tripod_reads() -> None:
    (task,) = tasks_of("awx.awx.credential_type")
    args = task["awx.awx.credential_type"]
    fields = {field["id"]: field for field in args["inputs"]["fields"]}
    injected = args["injectors"]["env"]
    expected = {URL_VARIABLE, *(SECRETS_ENV[key] for key in ("webhook_token", "smtp_user", "smtp_password"))}
    assert set(injected) == expected
    for variable, template in injected.items():
        (field,) = re.findall(r"\{\{ (\w+) \}\}", template)
        assert field in fields, (variable, field)
        if variable != SECRETS_ENV["smtp_user"]:
            assert fields[field].get("secret") is True, field
    assert args["inputs"]["required"] == ["evidence_url"]


def run_checks(env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    """Only the variable checks (tagged always; --tags always runs nothing else), no controller needed."""
    command = [str(BIN / "ansible-playbook"), str(PLAYBOOK), "-e", f"@{EXAMPLE}", "--tags", "always", *extra]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_example_passes_the_checks_and_a_bad_set_up_is_named_not_shown() -> None:
    secret = "postgresql://tripod:s3cret-Pa55@db.msp.example/tripod"
    good = run_checks({**ENV, "CONTROLLER_HOST": "https://awx.msp.example", "TRIPOD_AWX_EVIDENCE_URL": secret})
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ok=2" in good.stdout and "failed=0" in good.stdout, good.stdout
    bad_env = {key: value for key, value in ENV.items() if key not in ("CONTROLLER_HOST", "TRIPOD_AWX_EVIDENCE_URL")}
    bad = run_checks(bad_env, "-e", "tripod_awx_vault_id=prod", "-e", "tripod_awx_vault_password=",
                     "-e", f"tripod_awx_webhook_token={secret}")
    assert bad.returncode == 2, bad.stdout + bad.stderr
    for named in ("CONTROLLER_HOST is not set", "tripod_awx_evidence_url must be a postgresql:// URL",
                  "tripod_awx_vault_id needs tripod_awx_vault_password", "Nothing was changed"):
        assert named in " ".join(bad.stdout.split()), named
    assert "s3cret-Pa55" not in good.stdout + good.stderr + bad.stdout + bad.stderr


def test_syntax_check_and_ansible_lint_production(lint: subprocess.Popen[str]) -> None:
    checked = subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", str(PLAYBOOK)], cwd=ROOT, env=ENV,
                             capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    output, _ = lint.communicate(timeout=300)
    assert lint.returncode == 0, output
    assert "0 failure(s), 0 warning(s)" in output, output
    assert "Profile 'production' was required, and it passed" in output, output
