"""Plan a host's housekeeping from its survey (`tripod.maintenance.housekeeping_facts`) and policy.

The plan says which steps run and what each is expected to free. The role runs the steps the
plan selects, so a second run, with nothing left to reclaim, selects none and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tripod.housekeeping.journal import vacuum_command, vacuum_estimate
from tripod.housekeeping.sizes import human_size

CACHE_COMMANDS: dict[str, list[str]] = {"apt": ["apt-get", "clean"], "dnf": ["dnf", "clean", "packages"]}
NO_KERNELS: dict[str, Any] = {"remove": [], "remove_releases": [], "keep_releases": [], "bytes": 0,
                              "reason": "kernel removal is disabled by the policy (housekeeping.remove_old_kernels)"}


def clean_paths(policy: Mapping[str, Any], core_dump_paths: Iterable[str]) -> list[dict[str, Any]]:
    """The directories for `tripod.maintenance.clean_files`: the policy's, then the core dump directories."""
    entries = [{"path": entry["path"], "max_age_days": entry["max_age_days"],
                "patterns": list(entry.get("patterns") or ["*"]), "label": "old files"}
               for entry in policy["clean_paths"]]
    entries += [{"path": path, "max_age_days": policy["core_dumps_max_age_days"], "patterns": ["*"],
                 "label": "core dumps"} for path in core_dump_paths]
    return entries


def build_plan(survey: Mapping[str, Any], policy: Mapping[str, Any], kernels: Mapping[str, Any] | None,
               core_dump_paths: Iterable[str], now: float) -> dict[str, Any]:
    """The steps to run on one Linux host. `kernels` is the kernel selection, None when disabled."""
    manager = survey.get("package_manager")
    cache = survey.get("package_cache") or {}
    cache_bytes = int(cache.get("bytes") or 0)
    cache_files = int(cache.get("files") or 0)
    kernel_plan = dict(kernels) if kernels is not None else dict(NO_KERNELS)
    kernel_plan["run"] = bool(kernel_plan["remove"]) and manager in CACHE_COMMANDS
    orphans = survey.get("autoremove") or {}
    orphan_names = [p["name"] for p in orphans.get("packages") or []]
    journal = survey.get("journal") or {}
    max_mb, max_days = policy["journald_max_size_mb"], policy["journald_max_age_days"]
    journal_bytes = vacuum_estimate(journal.get("directories") or [], max_mb * 1024 * 1024, max_days, now) \
        if (max_mb or max_days) else 0
    plan: dict[str, Any] = {
        "clean_paths": clean_paths(policy, core_dump_paths),
        "package_cache": {
            "run": bool(policy["package_cache_clean"]) and manager in CACHE_COMMANDS and cache_files > 0,
            "command": CACHE_COMMANDS.get(str(manager), []),
            "files": cache_files,
            "bytes": cache_bytes,
        },
        "kernels": kernel_plan,
        "autoremove": {
            # Removing kernels can orphan their shared packages (headers-common, ...): autoremove then too.
            "run": bool(policy["autoremove"]) and manager in CACHE_COMMANDS and bool(orphan_names or kernel_plan["run"]),
            "packages": orphan_names,
            "bytes": int(orphans.get("bytes") or 0),
        },
        "journal": {
            "run": journal_bytes > 0,
            "command": vacuum_command(max_mb, max_days),
            "bytes": journal_bytes,
            "bytes_now": int(journal.get("bytes") or 0),
        },
        "warnings": [f"housekeeping survey, {e['part']}: {e['message']}" for e in survey.get("errors") or []],
    }
    plan["summary"] = summary(plan)
    return plan


def summary(plan: Mapping[str, Any]) -> str:
    """One line: the steps selected and what each is expected to free."""
    parts = [f"clean {len(plan['clean_paths'])} path(s)"]
    if plan["package_cache"]["run"]:
        parts.append(f"package cache {human_size(plan['package_cache']['bytes'])}")
    if plan["kernels"]["run"]:
        parts.append(f"remove kernel(s) {', '.join(plan['kernels']['remove_releases'])} "
                     f"({human_size(plan['kernels']['bytes'])})")
    if plan["autoremove"]["run"]:
        parts.append(f"autoremove {len(plan['autoremove']['packages'])} package(s) ({human_size(plan['autoremove']['bytes'])})")
    if plan["journal"]["run"]:
        parts.append(f"vacuum the journal (~{human_size(plan['journal']['bytes'])})")
    return "; ".join(parts)
