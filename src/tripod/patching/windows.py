"""Read an `ansible.windows.win_updates` result into the same changes as a Linux run.

win_updates returns `updates` (found, and installed when `installed` is true) and
`filtered_updates` (skipped by category, accept or reject list), keyed by update id, each with
`title`, `kb` (a list of numbers), `installed`, `categories`, and on failure `failure_msg` and
`failure_hresult_code`. Tested with recorded results (tests/data/patching/win_updates/*.json):
no Windows host was available to run it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WindowsUpdate:
    kb: str
    title: str
    installed: bool
    failure: str | None

    @property
    def label(self) -> str:
        return f"{self.kb} {self.title}".strip()


def _kb(update: Mapping[str, Any]) -> str:
    kbs = update.get("kb") or []
    return f"KB{kbs[0]}" if kbs else ""


def read_result(result: Mapping[str, Any]) -> list[WindowsUpdate]:
    """Every update win_updates found for installation (not the filtered ones), by KB."""
    updates = []
    for update in (result.get("updates") or {}).values():
        failure = update.get("failure_msg")
        if failure is None and update.get("failure_hresult_code") is not None:
            failure = f"HRESULT {update['failure_hresult_code']}"
        updates.append(WindowsUpdate(kb=_kb(update), title=str(update.get("title") or ""),
                                     installed=bool(update.get("installed")), failure=failure))
    return sorted(updates, key=lambda u: (u.kb, u.title))
