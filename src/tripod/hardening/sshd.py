"""sshd settings in one validated write: which settings a run sets, and the file with them merged in.

The role writes Tripod's sshd file (the drop-in, or sshd_config where there is no drop-in
directory) in one task instead of one `lineinfile` per setting: `settings()` collects the
settings of the SSH controls the plan enforces (plus the site's extra settings), `merge()`
puts them into the file's current text the way `lineinfile` would, key by key, leaving every
other line alone. The same merge into /etc/ssh/sshd_config makes the effective settings visible
to scanners that read only that file (sshd reads the drop-in first, and the first value wins, so
both say the same and the drop-in decides).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

_KEY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)(\s|=|$)")
_MATCH = re.compile(r"^\s*Match\s", re.IGNORECASE)


def settings(plan: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict[str, str]:
    """{Keyword: value} of the enforced controls that set sshd keywords, in plan order, then `extra`."""
    params = plan.get("params") or {}
    result: dict[str, str] = {}
    for control_id in plan.get("enforce") or []:
        control = params.get(control_id) or {}
        for key, value in (control.get("sshd") or {}).items():
            result[str(key)] = str(value)
        if control.get("sshd_allow_groups") and control.get("groups"):
            result["AllowGroups"] = " ".join(str(group) for group in control["groups"])
    for key, value in (extra or {}).items():
        result[str(key)] = str(value)
    return result


def visible(plan: Mapping[str, Any], effective: Mapping[str, Any]) -> dict[str, str]:
    """{Keyword: effective value} of the passing SSH controls' keywords, from `sshd -T` (the facts).
    Written into sshd_config with the enforced settings, so a scanner reading only that file sees
    what sshd uses; sshd already uses these values, so writing them changes nothing in effect."""
    params, status = plan.get("params") or {}, plan.get("status") or {}
    result: dict[str, str] = {}
    for control_id, state in status.items():
        if state != "pass":
            continue
        for key in ((params.get(control_id) or {}).get("sshd") or {}):
            value = effective.get(str(key).lower())
            if value not in (None, ""):
                result[str(key)] = str(value)
    return result


def merge(text: str, wanted: Mapping[str, str], before_match: bool = False, header: str = "") -> str:
    """`text` with each keyword of `wanted` set: its first line replaced, later ones (before any
    Match block) removed, missing ones added at the end or, with `before_match`, before the first
    Match block (settings after it would apply to matched connections only)."""
    lower = {key.lower(): key for key in wanted}
    lines = text.splitlines()
    out: list[str] = []
    seen: set[str] = set()
    in_match = False
    insert_at: int | None = None
    for line in lines:
        if _MATCH.match(line):
            in_match = True
            if insert_at is None:
                insert_at = len(out)
        found = _KEY.match(line)
        key = found.group(1).lower() if found and not in_match else None
        if key in lower:
            if key not in seen:
                seen.add(key)
                out.append(f"{lower[key]} {wanted[lower[key]]}")
            continue
        out.append(line)
    missing = [f"{key} {wanted[key]}" for key in wanted if key.lower() not in seen]
    if missing and header and header not in out:
        missing.insert(0, header)
    if before_match and insert_at is not None:
        out[insert_at:insert_at] = missing
    else:
        out.extend(missing)
    return "\n".join(out) + "\n"
