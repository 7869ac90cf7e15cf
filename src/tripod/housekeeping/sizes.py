"""Byte counts written the way systemd and humans write them."""

from __future__ import annotations

import re

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5, "E": 1024**6}
_SIZE = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[BKMGTPE]?)(?:i?B)?$")


def parse_size(text: str) -> int:
    """`10.7M` -> 11219763, `0B` -> 0, `8M` -> 8388608 (systemd's format_bytes, base 1024)."""
    match = _SIZE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a size like 10.7M")
    return int(float(match.group("number")) * _UNITS[match.group("unit")])


def human_size(count: int | None) -> str:
    """`209715200` -> `200.0 MiB`; None -> `unknown size`."""
    if count is None:
        return "unknown size"
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
