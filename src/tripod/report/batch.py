"""Every client's monthly report in one go, optionally in parallel worker processes.

Each worker opens its own connection to the store (one per process, as the store requires)
and writes whole clients, one at a time, taking the next as it finishes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from tripod.report.delivery import summary_text
from tripod.report.archive import kept_or_built
from tripod.report.monthly import REPORT_SCHEMA, build_monthly
from tripod.report.render import environment, write_report
from tripod.report.settings import ReportSettings, default_settings
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
    summary: str = ""  # the executive summary as plain text (the body of the mail)


@dataclass(frozen=True)
class Options:
    """How to write each client's report: `formats` None = each client's report.formats."""

    formats: tuple[str, ...] | None = None
    appendix: bool = False
    settings: Mapping[str, ReportSettings] | None = None
    recompute: bool = False  # a closed month: build it from the store again instead of the kept figures


def _write_client(store: EvidenceStore, client: str, month: str, out: Path, options: Options,
                  now: datetime | None, waivers: Mapping[str, Waiver]) -> Written:
    settings = (options.settings or {}).get(client) or default_settings(client)
    at = (now or datetime.now(UTC)).astimezone(UTC)
    report, text = kept_or_built(store.path, client, month, at,
                                 lambda: build_monthly(store, client, month, now=at, waivers=waivers,
                                                       settings=settings),
                                 schema=REPORT_SCHEMA, recompute=options.recompute)
    formats = list(options.formats or settings.formats)
    files = write_report(report, out, formats, appendix=options.appendix, json_text=text)
    overall, coverage = report["scorecard"]["overall"], report["coverage"]
    return Written(client, overall["score"], overall["band"], coverage["reporting"], coverage["expected"], tuple(files),
                   summary_text(report))


#: The store connection of a worker process (one per process, as the store requires).
_worker_store: EvidenceStore | None = None


def _open_worker_store(store_path: Path) -> None:
    global _worker_store  # one connection per worker process, for its lifetime
    _worker_store = EvidenceStore(store_path)


def _write_in_worker(client: str, month: str, out: Path, options: Options, now: datetime | None,
                     waivers: Mapping[str, Waiver]) -> Written:
    assert _worker_store is not None, "the worker's store is opened by its initializer"
    return _write_client(_worker_store, client, month, out, options, now, waivers)


def write_monthly_reports(store_path: Path, clients: list[str], month: str, out: Path,
                          formats: list[str] | None = None, *, jobs: int = 1, now: datetime | None = None,
                          waivers: Mapping[str, Waiver] | None = None, appendix: bool = False,
                          settings: Mapping[str, ReportSettings] | None = None,
                          recompute: bool = False) -> list[Written]:
    """Write `month`'s report of each client; with jobs > 1, in that many worker processes, which
    take the next client as they finish one (so one large client does not hold the others back).

    `waivers`: known waivers by the reference findings carry (`waivers.from_waivers_file()`). `settings`:
    each client's `report.*` policy (`tripod.report.settings`); `formats` None: each client's
    report.formats. `appendix`: the HTML and PDF get the per-host appendix. A closed month's figures are
    the ones kept when it was first built (tripod.report.archive), unless `recompute`."""
    known = dict(waivers or {})
    options = Options(tuple(formats) if formats else None, appendix, dict(settings or {}), recompute)
    if jobs <= 1 or len(clients) <= 1:
        with EvidenceStore(store_path) as store:
            return [_write_client(store, client, month, out, options, now, known) for client in clients]
    jobs = min(jobs, len(clients))
    # Workers forked after the templates are compiled share them; each opens its own store
    # connection (the caller must not hold one open across the fork). Spawn where fork is missing.
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    if method == "fork":
        environment().get_template("monthly.html.j2")
    context = get_context(method)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_open_worker_store,
                             initargs=(store_path,)) as pool:
        futures = [pool.submit(_write_in_worker, client, month, out, options, now, known) for client in clients]
        return [future.result() for future in futures]
