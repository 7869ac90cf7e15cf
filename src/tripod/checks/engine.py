"""The Check type: metadata plus a function from facts and policy to a status and evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, NamedTuple

from tripod.text import clip


class Outcome(NamedTuple):
    """What a check found: a status, the severity of this result, and short evidence."""

    status: str
    evidence: str
    severity: str | None = None  # None: the check's own severity


Evaluator = Callable[[Mapping[str, Any], Mapping[str, Any], datetime], Outcome]


def passed(evidence: str) -> Outcome:
    return Outcome("pass", evidence)


def failed(evidence: str, severity: str | None = None) -> Outcome:
    return Outcome("fail", evidence, severity)


def not_applicable(evidence: str) -> Outcome:
    return Outcome("not_applicable", evidence)


def probe_error(facts: Mapping[str, Any], *probes: str) -> Outcome | None:
    """An `error` outcome when a probe this check relies on failed on the host.

    `probes` are exact probe names (`capacity.filesystems`); an error of a parent probe
    (`capacity`) covers its children, never the other way round.
    """
    for error in facts.get("errors") or []:
        name = str(error.get("probe", ""))
        if any(probe == name or probe.startswith(f"{name}.") for probe in probes):
            return Outcome("error", clip(f"probe {error['probe']} failed: {error.get('message', '')}", 300))
    return None


@dataclass(frozen=True)
class Check:
    check_id: str
    area: str
    title: str
    severity: str
    remediation: str
    evaluate: Evaluator
    probes: tuple[str, ...] = ()
    # The policy key (health section) whose empty list makes this check not applicable.
    needs_policy_list: str | None = None

    def run(self, facts: Mapping[str, Any], policy: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(timezone.utc)
        outcome = None
        if self.needs_policy_list and not policy["health"][self.needs_policy_list]:
            outcome = not_applicable(f"the policy lists no {self.needs_policy_list.replace('_', ' ')}")
        elif self.probes:
            outcome = probe_error(facts, *self.probes)
        if outcome is None:
            try:
                outcome = self.evaluate(facts, policy, now)
            except (KeyError, TypeError, ValueError) as exc:
                outcome = Outcome("error", f"facts incomplete for this check: {type(exc).__name__}: {exc}"[:300])
        return {
            "area": self.area,
            "check_id": self.check_id,
            "title": self.title,
            "severity": outcome.severity or self.severity,
            "status": outcome.status,
            "evidence": outcome.evidence,
            "remediation": self.remediation if outcome.status in ("fail", "error") else "",
            "waiver": None,
        }


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def listing(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
