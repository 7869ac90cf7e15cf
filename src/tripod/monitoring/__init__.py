"""Remote monitoring: each host's Tripod metrics for the node exporter's textfile collector.

`tripod.monitoring.metrics` computes them from what the evidence store recorded for the
host in the current run; the `tripod.maintenance.metrics` action writes them on the host
through `tripod.maintenance.prom_textfile`. docs/monitoring.md explains the whole path.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from tripod.monitoring.metrics import METRICS, Sample, host_metrics, render
from tripod.store import EvidenceStore

__all__ = ["METRICS", "Sample", "host_metrics", "host_metrics_text", "render"]


def host_metrics_text(db_path: str | Path, run_id: str, host: str, client: str | None, tier: str | None,
                      now: datetime | None = None) -> tuple[str, dict[str, float]] | None:
    """The metrics file of `host` for run `run_id`, and a summary of it; None when the store has
    nothing of this host in this run (the run is unknown, or the host recorded no facts and no findings)."""
    with EvidenceStore(db_path) as store:
        record = store.host_run(run_id, host, client)
    if record is None or (record.facts is None and not record.findings):
        return None
    samples = host_metrics(record, client, tier, now or datetime.now(timezone.utc))
    text = render(samples, {"Written by Tripod": "tripod.maintenance.metrics; do not edit", "run_id": run_id})
    summary = {sample.name: sample.value for sample in samples if len(sample.labels) == 3}
    return text, summary
