"""Alertmanager's webhook payload (version 4) as triage observations.

https://prometheus.io/docs/alerting/latest/configuration/#webhook_config documents the
payload. Each alert becomes one observation:

- host: the `host` label (Tripod's metrics carry it), else `instance` without its port;
- check: the `check_id` label when it is a Tripod check id (so an alert about, say,
  pending security updates shares the ticket of the finding TRP-PATCH-001), else
  `alert:<alertname>`;
- severity: the `severity` label, Tripod's own names or Prometheus' usual ones
  (`warning` is medium, `page` is critical); medium when absent;
- a firing alert is a problem observed when it arrives; a resolved one ends the problem
  at its `endsAt`. Its fingerprint and start time identify the alert across Alertmanager's
  repeats and retries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from tripod.models import CHECK_ID_PATTERN, SEVERITIES, normalize_time
from tripod.triage.model import Observation

SEVERITY_ALIASES = {"warning": "medium", "warn": "medium", "error": "high", "page": "critical",
                    "information": "info", "informational": "info", "none": "info"}
_PORT = re.compile(r"^\[?(?P<host>.*?)\]?(:\d+)?$")


class PayloadError(ValueError):
    """The request is not an Alertmanager webhook payload; the message names the key."""


@dataclass(frozen=True)
class Alert:
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: str
    ends_at: str | None
    fingerprint: str

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "unnamed")

    @property
    def host(self) -> str | None:
        if self.labels.get("host"):
            return self.labels["host"]
        instance = self.labels.get("instance", "")
        match = _PORT.match(instance)
        return (match.group("host") if match else instance) or None

    @property
    def check_id(self) -> str:
        check = self.labels.get("check_id", "")
        return check if CHECK_ID_PATTERN.match(check) else f"alert:{self.name}"

    @property
    def severity(self) -> str:
        raw = self.labels.get("severity", "medium").strip().lower()
        raw = SEVERITY_ALIASES.get(raw, raw)
        return raw if raw in SEVERITIES else "medium"


#: How far ahead of this machine's clock an alert's time may be (clock skew); later is refused.
MAX_CLOCK_SKEW = timedelta(days=1)
#: An alert's time before this is refused too (Alertmanager's "no time" 0001-01-01 means unset).
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _text_map(value: Any, key: str) -> dict[str, str]:
    """Labels and annotations: Alertmanager sends strings only; anything else is refused."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PayloadError(f"{key}: must be an object")
    for name, item in value.items():
        if not isinstance(item, str):
            raise PayloadError(f"{key}.{name}: must be a string, got {type(item).__name__} {str(item)[:40]}")
    return {str(name): item for name, item in value.items()}


def _time(value: Any, key: str, future_ok: bool = False) -> str | None:
    if value in (None, "") or str(value).startswith("0001-01-01"):
        return None
    try:
        normalized = normalize_time(str(value), key)
    except ValueError:
        raise PayloadError(f"{key}: {value!r} is not an RFC 3339 time") from None
    moment = datetime.fromisoformat(normalized.replace("Z", "+00:00"))
    if moment < EARLIEST:
        raise PayloadError(f"{key}: {value!r} is before {EARLIEST.year}")
    if not future_ok and moment > datetime.now(timezone.utc) + MAX_CLOCK_SKEW:
        raise PayloadError(f"{key}: {value!r} is in the future (more than a day ahead of this server's clock)")
    return normalized


def parse_payload(data: Any) -> list[Alert]:
    """The alerts of one webhook request; PayloadError names the first bad key."""
    if not isinstance(data, Mapping):
        raise PayloadError("the body must be a JSON object")
    if str(data.get("version", "4")) != "4":
        raise PayloadError(f"version: {data.get('version')!r} is not 4, the payload version this server reads")
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts: must be a list")
    parsed = []
    for index, raw in enumerate(alerts):
        where = f"alerts[{index}]"
        if not isinstance(raw, Mapping):
            raise PayloadError(f"{where}: must be an object")
        status = raw.get("status")
        if status not in ("firing", "resolved"):
            raise PayloadError(f"{where}.status: {status!r} is not firing or resolved")
        labels = _text_map(raw.get("labels"), f"{where}.labels")
        starts_at = _time(raw.get("startsAt"), f"{where}.startsAt")
        if starts_at is None:
            raise PayloadError(f"{where}.startsAt: is required")
        fingerprint = str(raw.get("fingerprint") or "") or "-".join(f"{k}={v}" for k, v in sorted(labels.items()))
        parsed.append(Alert(status=status, labels=labels,
                            annotations=_text_map(raw.get("annotations"), f"{where}.annotations"),
                            starts_at=starts_at,
                            # a firing alert's endsAt is Alertmanager's guess of when it times out: ahead of now
                            ends_at=_time(raw.get("endsAt"), f"{where}.endsAt", future_ok=status == "firing"),
                            fingerprint=fingerprint))
    return parsed


def observation(alert: Alert, host: str, client: str, tier: str | None, received_at: str) -> Observation:
    """The observation one alert makes, for a host already identified."""
    firing = alert.status == "firing"
    notes = alert.annotations
    evidence = notes.get("description") or notes.get("summary") or ", ".join(
        f"{k}={v}" for k, v in sorted(alert.labels.items()))
    return Observation(
        client=client, host=host, tier=tier, check_id=alert.check_id, problem=firing, severity=alert.severity,
        title=notes.get("summary") or alert.name, evidence=evidence[:1000],
        remediation=notes.get("runbook_url") or notes.get("runbook") or "",
        observed_at=received_at if firing else (alert.ends_at or received_at), source="alertmanager",
        source_ref=f"alert:{alert.fingerprint}@{alert.starts_at}",
        resolution="" if firing else "Alertmanager resolved the alert",
    )
