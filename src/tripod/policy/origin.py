"""Where an inventory value came from: ansible-core >= 2.19 tags loaded values with their file and line."""

from __future__ import annotations

from typing import Any


def ansible_origin(value: Any) -> str | None:
    """`path:line` for a value loaded by Ansible, or None when it cannot be known."""
    try:
        from ansible._internal._datatag._tags import Origin
    except ImportError:  # another ansible-core: the file is simply not named
        return None
    try:
        tag = Origin.get_tag(value)
    except Exception:  # noqa: BLE001 - naming the file is best effort, never a failure
        return None
    if tag is None or not tag.path:
        return None
    return f"{tag.path}:{tag.line_num}" if tag.line_num else str(tag.path)
