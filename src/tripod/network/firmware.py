"""The running firmware against the shipped end-of-support table (firmware.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from tripod.shipped import load_yaml


@dataclass(frozen=True)
class Support:
    release: str
    end_of_support: date
    source: str


@lru_cache(maxsize=1)
def table() -> dict[str, list[Support]]:
    raw: dict[str, list[dict[str, Any]]] = load_yaml("tripod.network", "firmware.yml")
    return {platform: [Support(str(e["release"]), date.fromisoformat(str(e["end_of_support"])), str(e["source"]))
                       for e in entries] for platform, entries in raw.items()}


def support_of(platform: str, version: str | None) -> Support | None:
    """The table entry of `version` (longest matching release prefix); None when unknown."""
    if not version:
        return None
    matches = [entry for entry in table().get(platform, []) if version.startswith(entry.release)]
    return max(matches, key=lambda entry: len(entry.release)) if matches else None
