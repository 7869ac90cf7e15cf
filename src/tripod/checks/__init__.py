"""Checks evaluated on the controller from one host's compliance facts and effective policy.

No check contacts a host: each is a pure function of the facts gathered in one round trip
(`tripod.maintenance.compliance_facts`) and the host's policy. Each returns one finding in
the shared result model (docs/schema.md). The `tripod.maintenance.evaluate` action plugin
runs them for the areas a play asks for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from tripod.checks import health, patching
from tripod.checks.engine import Check

CHECKS: dict[str, tuple[Check, ...]] = {
    "patching": patching.CHECKS,
    "health": health.CHECKS,
}


def evaluate(
    facts: Mapping[str, Any],
    policy: Mapping[str, Any],
    areas: Iterable[str] = tuple(CHECKS),
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every finding for the given areas, in a stable order."""
    findings = []
    for area in areas:
        if area not in CHECKS:
            raise ValueError(f"unknown area '{area}'; known: {', '.join(CHECKS)}")
        for check in CHECKS[area]:
            findings.append(check.run(facts, policy, now))
    return findings


__all__ = ["CHECKS", "Check", "evaluate"]
