"""The enforced items of a hardening plan (`tripod.maintenance.hardening_audit`'s `hardening_plan`), for the role's looped tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def enforced_items(plan: Mapping[str, Any], kind: str) -> list[dict[str, str]]:
    """[{id, key, value}] of the enforced controls' `kind` parameters (e.g. sysctl), in plan order:
    one looped task sets them all, and its output still names each control.
    A list parameter (e.g. modules) gives one item per entry, with an empty value."""
    params = plan.get("params") or {}
    items: list[dict[str, str]] = []
    for control_id in plan.get("enforce") or []:
        wanted = (params.get(control_id) or {}).get(kind) or {}
        pairs = wanted.items() if isinstance(wanted, Mapping) else ((entry, "") for entry in wanted)
        items.extend({"id": str(control_id), "key": str(key), "value": str(value)} for key, value in pairs)
    return items
