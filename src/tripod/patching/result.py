"""What one host's patch run did, as findings and actions in the shared result model.

`build()` takes what the role registered along the way (the plan, package listings before and
after, the package manager's result, the reboot, the facts after the run, a failure) and
returns:

- actions: `package_updated` / `package_installed` / `package_removed` (before -> after versions)
  and `reboot`, with `changed` false when only planned (check mode, or audit mode);
- findings: the outcome (TRP-PATCH-004) and, after a change, the health gate (TRP-PATCH-005);
- `failed`: the host must fail (a failed task, a failed Windows update, a failed health gate),
  so that the rollout counts it against `patch.max_fail_percentage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tripod.checks import health
from tripod.checks.engine import listing, parse_time
from tripod.patching import outcome, versions, windows
from tripod.patching.failures import classify


@dataclass
class HostRun:
    """Everything the role knows about one host's run (the action plugin's arguments)."""

    policy: Mapping[str, Any]
    guard: Mapping[str, Any]
    plan: Mapping[str, Any]
    facts: Mapping[str, Any] = field(default_factory=dict)
    install: Mapping[str, Any] = field(default_factory=dict)
    versions_before: str = ""
    versions_after: str = ""
    reboot: Mapping[str, Any] = field(default_factory=dict)  # decision (RebootDecision.to_dict()) + result
    failure: Mapping[str, Any] | None = None  # {task, result}


@dataclass
class Result:
    findings: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    failed: bool = False
    outcome: str = ""
    message: str = ""
    # The same facts as the message, as lists: the message abbreviates long lists.
    updated: list[str] = field(default_factory=list)  # changed (or, when only planned, to change)
    held: list[str] = field(default_factory=list)  # held for this run and released afterwards
    excluded: list[str] = field(default_factory=list)  # pending, excluded by policy
    kept_back: list[str] = field(default_factory=list)  # selected but not changed (Windows: failed)


def _action(kind: str, detail: str, changed: bool) -> dict[str, Any]:
    return {"area": "patching", "kind": kind, "detail": detail[:500], "changed": changed}


def health_gate(facts: Mapping[str, Any], policy: Mapping[str, Any]) -> tuple[bool, str]:
    """Required services active and no filesystem over its critical threshold (the health checks' rules)."""
    checks = {check.check_id: check for check in health.CHECKS}
    services = checks["TRP-SVC-002"].run(facts, policy)
    disks = checks["TRP-DISK-001"].run(facts, policy)
    problems = []
    if services["status"] in ("fail", "error"):
        problems.append(services["evidence"])
    if disks["status"] == "error" or (disks["status"] == "fail" and disks["severity"] == "critical"):
        problems.append(disks["evidence"])
    if problems:
        return False, "; ".join(problems)
    return True, f"{services['evidence']}; {disks['evidence']}"


def _duration(guard: Mapping[str, Any], now: datetime) -> str:
    started = parse_time(guard.get("started_at"))
    return f"{max(0, int((now - started).total_seconds()))} s" if started else ""


def _origins(plan: Mapping[str, Any]) -> dict[str, str]:
    return {str(u["name"]): str(u.get("origin") or "") for u in plan.get("updates") or []}


def _linux_changes(run: HostRun, apply: bool) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Actions for the package changes, the names that changed, and planned names that did not (kept back)."""
    origins = _origins(run.plan)
    if not apply:
        actions = [_action("package_updated", f"{u['name']} {u.get('installed')} -> {u.get('candidate')}"
                           + (f" ({u['origin']})" if u.get("origin") else ""), False)
                   for u in run.plan.get("updates") or []]
        return actions, [str(u["name"]) for u in run.plan.get("updates") or []], []
    if not run.versions_before or not run.versions_after:
        return [], [], []
    changes = versions.diff(versions.parse_listing(run.versions_before), versions.parse_listing(run.versions_after))
    actions = [_action(c.kind, c.detail(origins.get(c.name) or None), True) for c in changes]
    changed = {c.name for c in changes}
    kept_back = [name for name in run.plan.get("install") or [] if name not in changed]
    return actions, [c.name for c in changes], kept_back


def _windows_changes(run: HostRun, apply: bool) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Actions for Windows updates; the third list holds the updates that failed."""
    found = windows.read_result(run.install)
    if not apply:
        updates = found or [windows.WindowsUpdate(str(u.get("kb") or ""), str(u["name"]), False, None)
                            for u in run.plan.get("updates") or []]
        return [_action("package_updated", u.label, False) for u in updates], [u.label for u in updates], []
    installed = [u for u in found if u.installed]
    # Not installed without a failure: waiting for a reboot; the next run installs it.
    failed = [f"{u.label} ({u.failure})" for u in found if not u.installed and u.failure]
    return [_action("package_updated", u.label, True) for u in installed], [u.label for u in installed], failed


def _reboot(run: HostRun) -> tuple[list[dict[str, Any]], str, bool]:
    """The reboot action, the sentence for the evidence, and whether a reboot happened."""
    reboot = run.reboot or {}
    if reboot.get("reboot") and reboot.get("rebooted"):
        before, after = reboot.get("boot_before"), reboot.get("boot_after")
        boots = f"; boot time {before} -> {after}" if before and after and before != after else ""
        text = f"rebooted, back after {int(reboot.get('elapsed') or 0)} s ({reboot.get('reason')}){boots}"
        return [_action("reboot", text, True)], text, True
    if reboot.get("planned"):
        text = f"would reboot ({reboot.get('reason')})"
        return [_action("reboot", text, False)], text, False
    if reboot.get("deferred"):
        return [], f"reboot needed, not done: {reboot['deferred']} ({reboot.get('reason')})", False
    return [], "", False


def build(run: HostRun, now: datetime | None = None) -> Result:
    """The findings and actions of one host's patch run."""
    now = now or datetime.now(UTC)
    apply = bool(run.guard.get("apply"))
    result = Result()
    is_windows = run.plan.get("manager") == "windows_update"
    actions, changed, problems = (_windows_changes if is_windows else _linux_changes)(run, apply)
    reboot_actions, reboot_text, rebooted = _reboot(run)
    result.actions = actions + reboot_actions
    result.updated, result.kept_back = list(changed), list(problems)
    result.excluded = [str(name) for name in run.plan.get("excluded") or []]
    parts = []
    if changed:
        verb = "updated" if apply else "to update"
        parts.append(f"{len(changed)} package(s) {verb}: {listing(changed, 8)}")
    if run.plan.get("hold") and run.plan.get("install") and apply:
        result.held = [str(name) for name in run.plan["hold"]]
        parts.append(f"held for the run and released: {listing(result.held, 5)}")
    elif run.plan.get("excluded"):
        parts.append(f"excluded by policy: {listing(list(run.plan['excluded']), 5)}")
    if run.plan.get("held_already"):
        parts.append(f"left on hold: {listing(list(run.plan['held_already']), 5)}")
    if problems and not is_windows:
        parts.append(f"kept back by apt: {listing(problems, 5)}")
    if reboot_text:
        parts.append(reboot_text)
    if run.guard.get("override"):
        parts.append("window overridden by an engineer")
    if run.guard.get("visit"):
        parts.append("during an engineer's visit (the visit is the window)")
    if run.guard.get("preview"):
        upcoming = run.guard.get("next_window")
        parts.insert(0, f"outside the window; at the next patch window ({upcoming or 'none scheduled'})")
    duration = _duration(run.guard, now)
    if duration:
        parts.append(duration)

    if run.failure is not None:
        failure = classify(str(run.failure.get("task") or ""), run.failure.get("result") or {},
                           int(run.policy["patch"]["retries"]))
        result.outcome, result.failed = outcome.FAILED, True
        detail = "; ".join([failure.message, *parts])
    elif is_windows and problems:
        result.outcome, result.failed = outcome.FAILED, True
        detail = "; ".join([f"{len(problems)} update(s) failed: {listing(problems, 3)}", *parts])
    elif not apply:
        # A preview of the next window is a plan even when it is empty: it asserts nothing about today.
        result.outcome = outcome.PLANNED if (changed or reboot_actions or run.guard.get("preview")) \
            else outcome.NOTHING_TO_DO
        detail = "; ".join(parts) or "no update to install, no reboot needed"
    else:
        result.outcome = outcome.PATCHED if (changed or rebooted) else outcome.NOTHING_TO_DO
        detail = "; ".join(parts) or "no update to install, no reboot needed"
        if changed or rebooted:
            ok, gate_text = health_gate(run.facts, run.policy)
            result.findings.append(_gate_finding(ok, gate_text))
            if not ok:
                result.outcome, result.failed = outcome.FAILED, True
                detail = f"health gate after patching: {gate_text}; {detail}"
    result.findings.insert(0, outcome.finding(result.outcome, detail))
    result.message = f"{result.outcome}: {detail}"
    return result


def _gate_finding(ok: bool, evidence: str) -> dict[str, Any]:
    return {
        "area": "patching",
        "check_id": outcome.GATE_CHECK,
        "title": "Health gates pass after patching",
        "severity": "critical" if not ok else "info",
        "status": "pass" if ok else "fail",
        "evidence": evidence[:1000],
        "remediation": "" if ok else "Bring the services back and free space before the next batch; the rollout stops "
        "when too many hosts of a batch fail their gates.",
        "waiver": None,
    }
