"""Hardening checks: sshd settings (the effective `sshd -T` values), MaxStartups, AllowGroups."""

from __future__ import annotations

import re
from typing import Any, Mapping

from tripod.checks.engine import NotAssessed, failed, listing, not_applicable, passed
from tripod.hardening.evaluators.registry import (
    NotInstalled,
    absent_is_not_applicable,
    as_spec,
    check,
    compare,
    every,
    value_spec,
)
from tripod.hardening.safeguards import allowed_ssh_groups


def _sshd(facts: Mapping[str, Any]) -> Mapping[str, str]:
    ssh = facts["security"]["ssh"]
    if ssh.get("installed") is False:
        raise NotInstalled("sshd is not installed")
    settings = ssh.get("settings") or {}
    if not settings:
        raise NotAssessed("no effective sshd settings in the facts")
    return settings


@check("sshd", "security.ssh")
@absent_is_not_applicable
def _check_sshd(facts, params, ctx):
    settings = _sshd(facts)
    key = params["key"]
    value = settings.get(key)
    if "reject" in params:
        offered = [item for item in (value or "").split(",") if item]
        weak = [item for item in offered if any(re.search(p, item) for p in params["reject"])]
        if weak:
            return failed(f"{key} offers {listing(weak)}")
        return passed(f"{key}: {listing(offered, 4)}")
    problem = compare(value, value_spec(params))
    return failed(f"{key} {problem}") if problem else passed(f"{key} {value}")


@check("sshd_all", "security.ssh")
@absent_is_not_applicable
def _check_sshd_all(facts, params, ctx):
    settings = _sshd(facts)
    return every((key, settings.get(key), compare(settings.get(key), as_spec(spec)))
                 for key, spec in params["settings"].items())


@check("sshd_maxstartups", "security.ssh")
@absent_is_not_applicable
def _check_maxstartups(facts, params, ctx):
    value = _sshd(facts).get("maxstartups", "")
    parts = [int(p) for p in re.findall(r"\d+", value)]
    if len(parts) == 1:
        parts = [parts[0], 100, parts[0]]
    if len(parts) != 3:
        return failed(f"maxstartups {value or 'unset'} (expected start:rate:full)")
    start, _rate, full = parts
    if start <= params["start"] and full <= params["full"]:
        return passed(f"maxstartups {value}")
    return failed(f"maxstartups {value} (at most {params['start']}:{params['rate']}:{params['full']})")


@check("sshd_allow_groups", "security.ssh")
@absent_is_not_applicable
def _check_allow_groups(facts, params, ctx):
    settings = _sshd(facts)
    wanted = allowed_ssh_groups(ctx.policy, ctx.management or {})
    groups = (settings.get("allowgroups") or "").split()
    users = (settings.get("allowusers") or "").split()
    if not wanted:
        if groups or users:
            return passed(f"allow list in place: {listing(groups + users)}")
        return not_applicable("the policy names no allowed groups (hardening.ssh_allow_groups)")
    missing = [g for g in wanted if g not in groups]
    if missing:
        return failed(f"AllowGroups {' '.join(groups) or 'unset'} lacks {listing(missing)}")
    return passed(f"AllowGroups {' '.join(groups)}")
