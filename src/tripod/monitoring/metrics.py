"""A host's Tripod metrics, from what the evidence store recorded for it in this run.

The node exporter's textfile collector publishes them (role `tripod.maintenance.monitoring`).
Every metric is a gauge labelled with the host (the inventory name), its client and tier.
docs/monitoring.md lists them; docs/prometheus/ has alert rules built on them.

A value the run did not establish is left out rather than published as 0: a host whose
facts were not gathered has no `tripod_security_updates_pending`, one whose run evaluated
no check has no findings counts, and one without scored findings has no `tripod_score`.

The scores (`tripod_score`, `tripod_area_score`) come from the host's latest result of every
check this month, as the monthly report's do, so a health-only run after an audit does not
change what the hardening checks count for; without a client (no `tripod_client`), from this
run's findings. The findings counts are this run's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from tripod.checks.engine import parse_time
from tripod.models import AREAS, SEVERITIES, STATUSES, score
from tripod.store.hostrun import HostRunRecord
from tripod.store.records import HOST_STATUSES

#: name -> help text, in the order they are written.
METRICS: dict[str, str] = {
    "tripod_score": "Compliance score, pass / (pass + fail + error) of the latest result of every check, 0 to 1",
    "tripod_area_score": "The same score for one area (patching, hardening, health, housekeeping)",
    "tripod_security_updates_pending": "Security updates pending at the last run",
    "tripod_other_updates_pending": "Non-security updates pending at the last run",
    "tripod_reboot_required": "1 when the host needs a reboot (last run), else 0",
    "tripod_findings": "Findings of the last run by status",
    "tripod_failing_findings": "Findings of the last run that fail or errored, by severity",
    "tripod_last_run_timestamp_seconds": "When the last Tripod run published these metrics (Unix time)",
    "tripod_last_run_check_mode": "1 when the last run was a dry run (check mode, e.g. tripod audit), else 0",
    "tripod_last_run_status": "The host's result in the last run: 1 for its status, 0 for the others",
    "tripod_certificate_expiry_timestamp_seconds": "When a certificate the last run found expires (Unix time)",
}


@dataclass(frozen=True)
class Sample:
    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


def host_metrics(record: HostRunRecord, client: str | None, tier: str | None, now: datetime) -> list[Sample]:
    """Every sample for one host, from its record of this run."""
    base = (("client", client or ""), ("host", record.host), ("tier", tier or ""))
    samples: list[Sample] = []

    def add(name: str, value: float | int | bool | None, **extra: str) -> None:
        if value is not None:
            samples.append(Sample(name, tuple(sorted(base + tuple(extra.items()))), float(value)))

    scored = record.latest or record.findings
    add("tripod_score", score(scored))
    for area in AREAS:
        add("tripod_area_score", score(f for f in scored if f.area == area), area=area)
    patches = (record.facts or {}).get("patches") or {}
    # Package lists stale or missing (TRP-PATCH-001 not assessed): the counts are not established.
    if not any(f.check_id == "TRP-PATCH-001" and f.status == "not_assessed" for f in record.findings):
        add("tripod_security_updates_pending", patches.get("security_count"))
        add("tripod_other_updates_pending", patches.get("other_count"))
    add("tripod_reboot_required", patches.get("reboot_required"))
    if record.findings:  # a run that evaluated no check says nothing about findings
        by_status = dict.fromkeys(STATUSES, 0)
        failing = dict.fromkeys(SEVERITIES, 0)
        for finding in record.findings:
            by_status[finding.status] += 1
            if finding.status in ("fail", "error"):
                failing[finding.severity] += 1
        for status, count in by_status.items():
            add("tripod_findings", count, status=status)
        for severity, count in failing.items():
            add("tripod_failing_findings", count, severity=severity)
    for certificate in (record.facts or {}).get("certificates") or []:
        expires = parse_time(certificate.get("not_after"))
        if expires is not None and certificate.get("path"):
            add("tripod_certificate_expiry_timestamp_seconds", expires.timestamp(), path=str(certificate["path"]))
    add("tripod_last_run_timestamp_seconds", round(now.timestamp(), 3))
    add("tripod_last_run_check_mode", record.check_mode)
    for status in HOST_STATUSES:
        add("tripod_last_run_status", status == (record.status or "ok"), status=status)
    return samples


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def render(samples: Iterable[Sample], comments: Mapping[str, str] | None = None) -> str:
    """The Prometheus text exposition format (0.0.4): HELP and TYPE, then the samples, by metric."""
    lines = [f"# {key}: {value}" for key, value in (comments or {}).items()]
    grouped: dict[str, list[Sample]] = {}
    for sample in samples:
        if sample.name not in METRICS:
            raise ValueError(f"{sample.name}: not a Tripod metric")
        grouped.setdefault(sample.name, []).append(sample)
    for name, help_text in METRICS.items():
        if name not in grouped:
            continue
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        for sample in grouped[name]:
            labels = ",".join(f'{key}="{_label_value(value)}"' for key, value in sample.labels)
            lines.append(f"{name}{{{labels}}} {_number(sample.value)}")
    return "\n".join(lines) + "\n"
