"""The one check engine: every check, health, patching or hardening, is a function of the facts
(and its policy or parameters) that returns an `Outcome`; `guarded` runs it the same way for all:
a failed probe it relies on makes it `error`, facts it cannot find make it `not_assessed`
(`NotAssessed`) or `error` (incomplete facts), never a pass.

`Check` is a health or patching check with its metadata (tripod.checks.health, .patching); the
hardening catalog's checks are registered by name in tripod.hardening.evaluators.
"""

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


class NotAssessed(Exception):
    """The facts lack what this check needs (an older facts module, a probe that did not run)."""


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


def guarded(evaluate: Callable[..., Outcome], facts: Mapping[str, Any], probes: tuple[str, ...],
            *args: Any) -> Outcome:
    """Run `evaluate(facts, *args)`, turning a failed probe and missing facts into honest statuses."""
    failure = probe_error(facts, *probes)
    if failure is not None:
        return failure
    try:
        return evaluate(facts, *args)
    except NotAssessed as exc:
        return Outcome("not_assessed", str(exc))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Outcome("error", clip(f"facts incomplete for this check: {type(exc).__name__}: {exc}", 300))


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
        if self.needs_policy_list and not policy["health"][self.needs_policy_list]:
            outcome = not_applicable(f"the policy lists no {self.needs_policy_list.replace('_', ' ')}")
        else:
            outcome = guarded(self.evaluate, facts, self.probes, policy, now)
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
