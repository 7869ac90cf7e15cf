"""What a patch run installs, from the host's pending updates and its policy.

The pending updates come from the compliance facts (`patches.pending`), read after the
package lists were refreshed. On Debian and Ubuntu an update is a security update when its
candidate version comes from a `*-security` suite (the facts module reads that from
`apt-cache policy`), so "security only" means: the updates whose candidate comes from the
security suite. Everything else that is pending (other updates, excluded packages, updates
not approved) is held for the run, so that `apt-get upgrade` installs exactly the selected
updates, never marks a library as manually installed, and never pulls a held package in as
a dependency. The holds are released afterwards; holds an administrator set before the run
are left alone.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

# Windows Update categories for each update class (ansible.windows.win_updates category_names).
WINDOWS_CATEGORIES: dict[str, list[str]] = {
    "security": ["SecurityUpdates"],
    "all": ["*"],
}
_KB = re.compile(r"^KB\d+$", re.IGNORECASE)


def matches(name: str, patterns: Iterable[str]) -> bool:
    """True when a package name matches one of the names or shell globs (`linux-image-*`)."""
    base = name.split(":", 1)[0]  # libc6:i386 matches libc6
    return any(fnmatch.fnmatchcase(base, pattern) or fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _windows_matches(update: Mapping[str, Any], patterns: Iterable[str]) -> bool:
    kb = str(update.get("kb") or "")
    for pattern in patterns:
        if _KB.match(pattern) and kb and kb.upper() == pattern.upper():
            return True
        if fnmatch.fnmatchcase(str(update.get("name", "")), pattern):
            return True
    return False


@dataclass
class Plan:
    """The decision for one host; `to_dict()` is what the role keeps as `patching_plan.plan`."""

    manager: str | None
    classes: str
    updates: list[dict[str, Any]] = field(default_factory=list)  # selected: name, installed, candidate, origin, security
    install: list[str] = field(default_factory=list)  # names of the selected updates
    hold: list[str] = field(default_factory=list)  # pending but not selected, to hold for this run
    excluded: list[str] = field(default_factory=list)
    not_approved: list[str] = field(default_factory=list)
    not_security: list[str] = field(default_factory=list)
    held_already: list[str] = field(default_factory=list)  # held before the run: left as they are
    rejected_kbs: list[str] = field(default_factory=list)
    windows: dict[str, Any] = field(default_factory=dict)  # win_updates arguments

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        parts = [f"{len(self.updates)} update(s) to install"]
        for label, names in (("excluded", self.excluded), ("not approved", self.not_approved),
                             ("not security", self.not_security), ("already held", self.held_already),
                             ("rejected KB", self.rejected_kbs)):
            if names:
                parts.append(f"{len(names)} {label}")
        return ", ".join(parts)


def _selection(update: Mapping[str, Any], patch: Mapping[str, Any], windows: bool) -> str:
    """Why a pending update is (not) installed: selected, rejected, held_already, excluded, not_approved, not_security."""
    name = str(update["name"])

    def match(patterns: Iterable[str]) -> bool:
        return _windows_matches(update, patterns) if windows else matches(name, patterns)

    if windows and update.get("kb") and str(update["kb"]).upper() in {kb.upper() for kb in patch["reject_kbs"]}:
        return "rejected"
    if not windows and update.get("held"):
        return "held_already"
    if match(patch["exclude"]):
        return "excluded"
    if patch["approval"] == "approved_only" and not match(patch["approved_packages"]):
        return "not_approved"
    if patch["classes"] == "security" and not update.get("security"):
        return "not_security"
    return "selected"


def glob_to_regex(pattern: str) -> str:
    """A name glob as an anchored regex for win_updates' accept_list and reject_list."""
    if _KB.match(pattern):
        return pattern.upper()
    return fnmatch.translate(pattern).replace(r"\Z", "$").replace("(?s:", "(?:")


def windows_arguments(patch: Mapping[str, Any]) -> dict[str, Any]:
    """ansible.windows.win_updates arguments from the policy: categories, accept and reject lists."""
    reject = [kb.upper() for kb in patch["reject_kbs"]] + [glob_to_regex(p) for p in patch["exclude"]]
    accept = [glob_to_regex(p) for p in patch["approved_packages"]] if patch["approval"] == "approved_only" else []
    return {"category_names": WINDOWS_CATEGORIES[patch["classes"]], "reject_list": reject, "accept_list": accept}


def plan_updates(facts: Mapping[str, Any], policy: Mapping[str, Any]) -> Plan:
    """The plan for one host from its compliance facts and effective policy."""
    patch = policy["patch"]
    patches = facts.get("patches") or {}
    manager = patches.get("manager")
    plan = Plan(manager=manager, classes=patch["classes"])
    buckets = {"excluded": plan.excluded, "not_approved": plan.not_approved, "not_security": plan.not_security,
               "held_already": plan.held_already, "rejected": plan.rejected_kbs}
    windows = manager == "windows_update"
    for update in patches.get("pending") or []:
        reason = _selection(update, patch, windows)
        name = str(update["name"])
        if reason == "selected":
            plan.updates.append({key: update.get(key) for key in ("name", "installed", "candidate", "origin", "security", "kb")})
            plan.install.append(name)
        else:
            buckets[reason].append(str(update.get("kb") or name) if reason == "rejected" else name)
    if windows:
        plan.windows = windows_arguments(patch)
    else:
        plan.hold = list(plan.excluded + plan.not_approved + plan.not_security)
    return plan
