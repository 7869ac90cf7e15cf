"""Patch-state checks: pending updates and pending reboots (area `patching`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from tripod.checks.engine import Check, Outcome, failed, listing, parse_time, passed


def lists_problem(facts: Mapping[str, Any], policy: Mapping[str, Any]) -> str | None:
    """Why the pending updates in `facts` cannot be trusted, or None.

    Pending updates are computed from the package lists the host has: lists never downloaded,
    older than the policy's patch.max_list_age_hours, or of unknown age make "0 pending" meaningless.
    """
    lists = facts["patches"].get("lists")
    limit = policy["patch"]["max_list_age_hours"]
    if lists is None:
        return "of unknown age (the facts do not report them)"
    if not lists:
        return "absent: no package source is configured"
    missing = [str(e.get("name")) for e in lists if e.get("age_hours") is None]
    stale = [f"{e.get('name')} ({float(e['age_hours']):.0f} h)" for e in lists
             if e.get("age_hours") is not None and float(e["age_hours"]) > limit]
    parts = ([f"never downloaded: {', '.join(missing)}"] if missing else []) + (
        [f"older than {limit} h: {', '.join(stale)}"] if stale else [])
    return "; ".join(parts) or None


def _not_assessed(problem: str) -> Outcome:
    return Outcome("not_assessed", f"pending updates not assessed: package lists {problem} (see TRP-PATCH-006)")


def _lists(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    problem = lists_problem(facts, policy)
    lists = facts["patches"].get("lists")
    if lists is None:
        return Outcome("not_assessed", f"package lists {problem}")
    if problem:
        return failed(f"package lists {problem}", "high" if "never downloaded" in problem or not lists else None)
    ages = [float(e["age_hours"]) for e in lists]
    return passed(f"{len(lists)} source(s), oldest checked {max(ages):.0f} h ago "
                  f"(limit {policy['patch']['max_list_age_hours']} h)")


def _security_updates(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    patches = facts["patches"]
    problem = lists_problem(facts, policy)
    if problem:
        return _not_assessed(problem)
    security = [u for u in patches["pending"] if u.get("security")]
    if not security:
        return passed("no security updates pending")
    names = listing([f"{u['name']} {u.get('candidate') or ''}".strip() for u in security])
    text = f"{len(security)} security update(s) pending: {names}"
    # `first_seen` is added on the controller from the evidence store (tripod.patching.history):
    # when Tripod first saw each update pending on this host. Without history: pending, high.
    times = ((parse_time(u.get("first_seen")), str(u["name"])) for u in security)
    seen = sorted((moment, name) for moment, name in times if moment is not None)
    if not seen:
        return failed(text, "high")
    oldest, name = seen[0]
    days, grace = (now - oldest).days, int(policy["patch"]["security_grace_days"])
    waited = f"; oldest pending since {oldest:%Y-%m-%d} ({name}, {days} days, grace {grace})"
    return failed(text + waited, "critical" if days > grace else "high")


def _other_updates(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    problem = lists_problem(facts, policy)
    if problem:
        return _not_assessed(problem)
    other = [u for u in facts["patches"]["pending"] if not u.get("security")]
    if not other:
        return passed("no other updates pending")
    severity = "medium" if policy["patch"]["classes"] == "all" else "low"
    return failed(f"{len(other)} non-security update(s) pending: {listing([u['name'] for u in other])}", severity)


def _reboot(facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime) -> Outcome:
    # Whether a reboot is pending is the patch state; how long it may stay pending is a health
    # threshold (health.reboot_pending_max_days), judged by TRP-REBOOT-001 in the health area.
    patches = facts["patches"]
    if not patches.get("reboot_required"):
        return passed("no reboot required")
    reasons = "; ".join(patches.get("reboot_reasons") or []) or "reason not reported"
    since = parse_time(patches.get("reboot_required_since"))
    pending = f" (pending {(now - since).days} days)" if since is not None else ""
    return failed(f"reboot required{pending}: {reasons}")


CHECKS = (
    Check("TRP-PATCH-001", "patching", "Security updates are installed", "high",
          "Run the patch playbook inside the host's maintenance window (tripod run patch).",
          _security_updates, probes=("patches.pending",)),
    Check("TRP-PATCH-002", "patching", "Other updates are installed", "low",
          "Include non-security updates in the next scheduled patch run, or accept them as deferred.",
          _other_updates, probes=("patches.pending",)),
    Check("TRP-PATCH-003", "patching", "No reboot is pending", "medium",
          "Reboot the host in its maintenance window so the updated kernel and libraries are in use.",
          _reboot, probes=("patches.reboot",)),
    Check("TRP-PATCH-006", "patching", "Package lists are current", "medium",
          "Refresh the package lists (apt-get update, dnf makecache, a Windows Update scan) and find out why the "
          "host's scheduled refresh did not run or failed (network, proxy, mirror, apt-daily.timer).",
          _lists, probes=("patches.lists",)),
)
