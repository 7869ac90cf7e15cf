"""Tripod's sysctl file in one write: the enforced kernel parameters merged into its current text.

The role reads the file once, writes the merged text once and sets the changed parameters with
one `sysctl -w`, instead of one `ansible.posix.sysctl` round trip per parameter. `merge()` edits
the text the way that module does, key by key: the first line of a key gets the new value, later
lines of the same key go, and a new key is appended; comments and other keys stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_LINE = re.compile(r"^\s*-?\s*([A-Za-z0-9_./*-]+)\s*=")
HEADER = "# Managed by Tripod (tripod.maintenance.hardening): the kernel parameters of the enforced controls."


def _key(name: str) -> str:
    """sysctl accepts `a/b/c` for `a.b.c`; one spelling for comparison."""
    return name.strip().replace("/", ".")


def merge(text: str, items: Iterable[Mapping[str, str]]) -> str:
    """`text` with each item's `key = value` (items as `hardening_enforced_items` gives them)."""
    wanted = {_key(item["key"]): str(item["value"]) for item in items}
    lines = text.splitlines() if text.strip() else [HEADER]
    out: list[str] = []
    done: set[str] = set()
    for line in lines:
        match = _LINE.match(line)
        key = _key(match.group(1)) if match else None
        if key is None or key not in wanted:
            out.append(line)
        elif key not in done:
            out.append(f"{key} = {wanted[key]}")
            done.add(key)
    out.extend(f"{key} = {value}" for key, value in wanted.items() if key not in done)
    return "\n".join(out) + "\n"
