"""Every client's monthly report in one go, optionally in parallel worker processes.

Each worker opens its own connection to the store (one per process, as the store requires)
and writes whole clients, so a worker holds one client's report at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from tripod.report.monthly import build_monthly
from tripod.report.render import environment, write_report
from tripod.report.waivers import Waiver
from tripod.store import EvidenceStore


@dataclass(frozen=True)
class Written:
    client: str
    score: float | None
    band: str
    reporting: int
    expected: int
    files: tuple[Path, ...]


def _write_clients(store_path: Path, clients: list[str], month: str, out: Path, formats: list[str],
                   now: datetime | None, waivers: Mapping[str, Waiver]) -> list[Written]:
    results = []
    with EvidenceStore(store_path) as store:
        for client in clients:
            report = build_monthly(store, client, month, now=now, waivers=waivers)
            files = write_report(report, out, formats)
            overall, coverage = report["scorecard"]["overall"], report["coverage"]
            results.append(Written(client, overall["score"], overall["band"], coverage["reporting"],
                                   coverage["expected"], tuple(files)))
    return results


def write_monthly_reports(store_path: Path, clients: list[str], month: str, out: Path, formats: list[str], *,
                          jobs: int = 1, now: datetime | None = None,
                          waivers: Mapping[str, Waiver] | None = None) -> list[Written]:
    """Write `month`'s report of each client; with jobs > 1, clients are shared among that many processes.

    `waivers`: known waivers by the reference findings carry (`waivers.from_waivers_file()`)."""
    known = dict(waivers or {})
    if jobs <= 1 or len(clients) <= 1:
        return _write_clients(store_path, clients, month, out, formats, now, known)
    jobs = min(jobs, len(clients))
    shares = [clients[i::jobs] for i in range(jobs)]
    # Workers forked after the templates are compiled share them; they open their own store
    # connection (the caller must not hold one open across the fork). Spawn where fork is missing.
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    if method == "fork":
        environment().get_template("monthly.html.j2")
    context = get_context(method)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_write_clients, store_path, share, month, out, formats, now, known)
                   for share in shares]
        done = {w.client: w for future in futures for w in future.result()}
    return [done[client] for client in clients]
