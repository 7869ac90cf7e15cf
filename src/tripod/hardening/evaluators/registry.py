"""The registry of the hardening catalog's audit checks (`@check`, `run_check`) and the helpers the
check modules share (tripod.hardening.evaluators explains the checks)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from tripod.checks.engine import NotAssessed, Outcome, failed, guarded, not_applicable, passed

WEAK_BANNER = re.compile(r"\\[mrsv]")
OS_NAMES = re.compile(r"\b(debian|ubuntu|red hat|rhel|centos|rocky|alma|fedora|suse|linux|gnu)\b", re.I)


@dataclass(frozen=True)
class CheckContext:
    """What a check may need besides the facts: the policy and the management connection."""

    policy: Mapping[str, Any] = field(default_factory=dict)
    management: Mapping[str, Any] = field(default_factory=dict)
    windows: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[[Mapping[str, Any], Mapping[str, Any], CheckContext], Outcome]
CHECKS: dict[str, Check] = {}
# The facts probes each check relies on: an error of one of them makes the check `error`.
PROBES: dict[str, tuple[str, ...]] = {}


def check(name: str, *probes: str) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        CHECKS[name] = func
        PROBES[name] = probes
        return func
    return register


def run_check(name: str, facts: Mapping[str, Any], params: Mapping[str, Any], ctx: CheckContext) -> Outcome:
    """Run one check through the check engine (a failed probe is `error`, missing facts `not_assessed`)."""
    func = CHECKS.get(name)
    if func is None:
        return Outcome("error", f"unknown check {name!r} (catalog and evaluators disagree)")
    return guarded(func, facts, PROBES.get(name, ()), params, ctx)


# --------------------------------------------------------------------------- helpers


def hardening(facts: Mapping[str, Any], part: str) -> Any:
    """One part of the `hardening` facts section; NotAssessed when the probe did not run."""
    section = facts.get("hardening")
    ran = facts.get("probes_run")
    if not isinstance(section, Mapping) or part not in section or (ran is not None and "hardening" not in ran):
        raise NotAssessed("the facts have no hardening data (compliance_facts ran without its hardening probe)")
    return section[part]


def as_number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def compare(value: Any, spec: Mapping[str, Any]) -> str | None:
    """None when `value` satisfies spec (in / not_in / min / max / equals / nonempty), else why not."""
    shown = "unset" if value is None else repr(value) if not isinstance(value, str) else value
    if "equals" in spec and value != spec["equals"]:
        return f"{shown} (expected {spec['equals']})"
    if "in" in spec and (value is None or str(value).strip() not in [str(v) for v in spec["in"]]):
        return f"{shown} (expected {' or '.join(str(v) for v in spec['in'])})"
    if "not_in" in spec and (value is None or str(value).strip() in [str(v) for v in spec["not_in"]]):
        return f"{shown} (must not be {' or '.join(str(v) for v in spec['not_in'])})"
    if spec.get("nonempty") and not str(value or "").strip():
        return "empty or unset"
    if "min" in spec or "max" in spec:
        number = as_number(value)
        if number is None:
            return f"{shown} (expected a number)"
        if "min" in spec and number < float(spec["min"]):
            return f"{shown} (minimum {spec['min']})"
        if "max" in spec and number > float(spec["max"]):
            return f"{shown} (maximum {spec['max']})"
    return None


def value_spec(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k in ("equals", "in", "not_in", "min", "max", "nonempty")}


def as_spec(spec: Any) -> Mapping[str, Any]:
    """A catalog value spec: a mapping (min, max, ...) or a plain list of accepted values."""
    return spec if isinstance(spec, Mapping) else {"in": spec}


def every(items: Iterable[tuple[str, Any, str | None]], joiner: str = " ") -> Outcome:
    """Pass when no (label, value, problem) has a problem; the evidence lists them all."""
    problems, good = [], []
    for label, value, problem in items:
        if problem:
            problems.append(f"{label}{joiner}{problem}")
        else:
            good.append(f"{label}{joiner}{value}")
    return failed("; ".join(problems)) if problems else passed(", ".join(good))


class NotInstalled(Exception):
    """The software a check is about is not installed (see absent_is_not_applicable)."""


def absent_is_not_applicable(func: Check) -> Check:
    """Report not_applicable when the software the check is about is not installed."""
    def wrapper(facts: Mapping[str, Any], params: Mapping[str, Any], ctx: CheckContext) -> Outcome:
        try:
            return func(facts, params, ctx)
        except NotInstalled as exc:
            return not_applicable(str(exc))
    return wrapper
