"""Short text for evidence: a long message keeps its head (what failed) and its tail (why)."""

from __future__ import annotations

MARK = " [...] "


def clip(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else head + MARK + tail, `limit` characters in all
    (the collection's module_utils/tripod_text.py does the same on the hosts)."""
    if len(text) <= limit:
        return text
    keep = limit - len(MARK)
    return text[: keep // 2] + MARK + text[len(text) - (keep - keep // 2):]
