"""Turn what the housekeeping steps did (their registered results) into actions.

Every step that freed space gives one action of kind `space_reclaimed` with its bytes; a
changed Windows event log size gives a `setting_changed` action. In a dry run (check mode or
an `audit` policy) the actions say what would be freed, with `changed: false`; nothing was
deleted. A step that was skipped, failed, or found nothing gives no action, so a run with
nothing left to do records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from tripod.housekeeping.journal import freed_by_vacuum

AREA = "housekeeping"


def _ran(result: Mapping[str, Any] | None) -> TypeGuard[Mapping[str, Any]]:
    """The step ran and succeeded (a skipped or failed task, or one never reached, did not)."""
    return bool(result) and not result.get("skipped") and not result.get("failed")  # type: ignore[union-attr]


def _action(detail: str, reclaimed: int | None, changed: bool, kind: str = "space_reclaimed") -> dict[str, Any]:
    return {"area": AREA, "kind": kind, "detail": detail, "bytes": reclaimed, "changed": changed}


def file_actions(result: Mapping[str, Any] | None, changed: bool) -> list[dict[str, Any]]:
    """One action per directory in which files were (or would be) deleted (clean_files' shape)."""
    if not _ran(result):
        return []
    return [_action(f"{entry.get('label') or 'old files'}: {entry['files']} file(s) older than "
                    f"{entry['max_age_days']} day(s) under {entry['path']}", int(entry["bytes"]), changed)
            for entry in result.get("paths") or [] if entry.get("files")]


def linux_actions(plan: Mapping[str, Any], steps: Mapping[str, Any], dry_run: bool) -> list[dict[str, Any]]:
    """Actions for the Linux steps; `steps` maps a step name to its registered result."""
    changed = not dry_run
    actions = file_actions(steps.get("files"), changed)
    cache, kernels, orphans, journal = plan["package_cache"], plan["kernels"], plan["autoremove"], plan["journal"]
    if cache["run"] and (dry_run or _ran(steps.get("package_cache"))):
        actions.append(_action(f"package cache: {cache['files']} downloaded package file(s) "
                               f"({' '.join(cache['command'])})", cache["bytes"], changed))
    kernel_step = steps.get("kernels")
    if kernels["run"] and (dry_run or (_ran(kernel_step) and kernel_step.get("changed"))):
        actions.append(_action(f"old kernels: {', '.join(kernels['remove_releases'])} "
                               f"({', '.join(kernels['remove'])}); kept {', '.join(kernels['keep_releases'])}",
                               kernels["bytes"], changed))
    orphan_step = steps.get("autoremove")
    if orphans["run"] and orphans["packages"] and (dry_run or (_ran(orphan_step) and orphan_step.get("changed"))):
        actions.append(_action(f"unused packages (autoremove): {', '.join(orphans['packages'])}",
                               orphans["bytes"], changed))
    journal_step = steps.get("journal")
    if journal["run"]:
        if dry_run:
            freed = journal["bytes"]
        elif _ran(journal_step):
            freed = freed_by_vacuum(f"{journal_step.get('stdout', '')}\n{journal_step.get('stderr', '')}")
        else:
            freed = 0
        if freed:
            actions.append(_action(f"journal: archived files vacuumed ({' '.join(journal['command'])})", freed, changed))
    return actions


def windows_actions(steps: Mapping[str, Any], dry_run: bool) -> list[dict[str, Any]]:
    """Actions for the Windows steps (results of ansible.windows.win_powershell / win_eventlog)."""
    changed = not dry_run
    files = steps.get("files")
    actions = file_actions((files or {}).get("result"), changed) if _ran(files) else []
    for name, what in (("component_cleanup", "Windows Update component store cleanup (DISM)"),
                       ("recycle_bin", "recycle bins emptied")):
        step = steps.get(name)
        if not _ran(step):
            continue
        outcome = step.get("result") or {}
        if outcome.get("acted"):  # bytes: null when not measurable (DISM in a dry run)
            reclaimed = outcome.get("bytes")
            actions.append(_action(f"{what}: {outcome.get('detail', '')}".rstrip(": "),
                                   None if reclaimed is None else int(reclaimed), changed))
    actions += event_log_actions(steps.get("event_logs"), changed)
    return actions


def event_log_actions(result: Mapping[str, Any] | None, changed: bool) -> list[dict[str, Any]]:
    if not _ran(result):
        return []
    return [_action(f"event log {item['item']}: maximum size set to {item.get('maximum_size_kb', '?')} KB", None, changed,
                    kind="setting_changed")
            for item in _items(result) if item.get("changed")]


def _items(result: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    return (item for item in result.get("results") or [] if not item.get("skipped") and not item.get("failed"))
