"""Streaming one client's month out of the evidence store, one host at a time.

Five queries, each ordered by host, are merged host by host: the host's rows in runs (for
coverage and tiers), its fact snapshots reduced to the few values trends need, its newest
snapshot of the month reduced to the parts reports read, its latest result of each check in
the month, and its actions in the month. Only one host's facts are in memory at any time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple

from tripod.models import Action
from tripod.report.period import Period, parse_time
from tripod.store import EvidenceStore
from tripod.store.records import add_months, month_bounds
from tripod.store.reporting import FactSample, HostSighting

#: A host is expected in a month when it reported in that month or in this many months before it.
EXPECTED_LOOKBACK_MONTHS = 3


@dataclass(frozen=True, slots=True)
class FsPoint:
    """One filesystem in one snapshot: enough for a days-to-full projection."""

    used_bytes: int
    free_bytes: int | None
    size_bytes: int | None


@dataclass(frozen=True, slots=True)
class Sample:
    """What trends need from one earlier fact snapshot."""

    collected_at: str
    filesystems: Mapping[str, FsPoint]
    pending_security: frozenset[str] | None  # None: pending updates not assessed
    day: float = 0.0  # collected_at in days since the epoch, for trend lines

    def __post_init__(self) -> None:
        if not self.day:
            object.__setattr__(self, "day", parse_time(self.collected_at).timestamp() / 86400.0)


class FindingRow(NamedTuple):
    """A host's latest result of one check in the month (the store's `latest_findings` row)."""

    host: str
    area: str
    check_id: str
    title: str
    severity: str
    status: str
    evidence: str
    remediation: str
    waiver: dict[str, Any] | str | None  # structured; text only in rows from before store migration 5
    tier: str | None
    time: str


@dataclass
class HostMonth:
    """Everything a report needs about one host in one month."""

    host: str
    sightings: list[HostSighting] = field(default_factory=list)  # in the lookback window, oldest first
    facts: dict[str, Any] | None = None  # the latest snapshot of the month
    facts_at: str | None = None
    history: list[Sample] = field(default_factory=list)  # every snapshot up to and including the latest
    findings: list[FindingRow] = field(default_factory=list)  # the latest result of each check in the month
    actions: list[Action] = field(default_factory=list)
    month_start: str = ""

    @property
    def month_sightings(self) -> list[HostSighting]:
        return [s for s in self.sightings if s.finished_at >= self.month_start]

    @property
    def has_data(self) -> bool:
        """Facts or findings this month; a host without either is "no data", never compliant."""
        return self.facts is not None or bool(self.findings)

    @property
    def tiers(self) -> list[str]:
        """Tiers the host was in this month, in order (two when it moved tier)."""
        seen: list[str] = []
        for sighting in self.month_sightings:
            if sighting.tier and (not seen or seen[-1] != sighting.tier):
                seen.append(sighting.tier)
        if not seen:
            seen = [f.tier for f in self.findings[-1:] if f.tier]
        return seen

    @property
    def tier(self) -> str | None:
        """The host's tier at the end of the month, else the last tier it was seen in."""
        tiers = self.tiers
        if tiers:
            return tiers[-1]
        earlier = [s.tier for s in self.sightings if s.tier]
        return earlier[-1] if earlier else None

    @property
    def last_seen(self) -> str | None:
        """The last time the host really answered (a run that reached it, or a fact snapshot);
        None when it was never reached: an unreachable sighting is not a sighting."""
        times = [s.finished_at for s in self.sightings if s.status != "unreachable"]
        if self.facts_at:
            times.append(self.facts_at)
        return max(times) if times else None


def sample_of(sample: FactSample) -> Sample:
    filesystems = {}
    for fs in sample.filesystems:
        if isinstance(fs, dict) and fs.get("mount") and isinstance(fs.get("used_bytes"), int):
            filesystems[str(fs["mount"])] = FsPoint(int(fs["used_bytes"]), fs.get("free_bytes"), fs.get("size_bytes"))
    security = None if sample.security_count is None else frozenset(sample.pending_security)
    return Sample(sample.collected_at, filesystems, security)


def _groups(stream: Iterable[Any], tag: int) -> Iterator[tuple[str, list[Any]]]:
    """(host, items) for each run of one host in a stream ordered by `.host`; fails loudly when the
    stream is not in host order (a host would otherwise be split in two)."""
    previous: str | None = None
    for host, items in groupby(stream, key=attrgetter("host")):
        if previous is not None and host <= previous:
            raise RuntimeError(f"evidence store stream {tag} is not ordered by host ({previous!r} before {host!r})")
        previous = host
        yield host, list(items)


def merge_by_host(*streams: Iterable[Any]) -> Iterator[tuple[str, list[list[Any]]]]:
    """Merge streams each ordered by `.host`; yield (host, [items of stream 0, of stream 1, ...])."""
    groups = [_groups(stream, tag) for tag, stream in enumerate(streams)]
    heads = [next(group, None) for group in groups]
    while True:
        present = [head[0] for head in heads if head is not None]
        if not present:
            return
        host = min(present)
        parts: list[list[Any]] = []
        for index, head in enumerate(heads):
            if head is not None and head[0] == host:
                parts.append(head[1])
                heads[index] = next(groups[index], None)
            else:
                parts.append([])
        yield host, parts


def window_start(period: Period) -> str:
    return month_bounds(add_months(period.months[0], -EXPECTED_LOOKBACK_MONTHS))[0]


def host_months(store: EvidenceStore, client: str, period: Period) -> Iterator[HostMonth]:
    """Each host of `client` seen in the period or the lookback window before it, by host."""
    month = period.months[-1]
    lookback, start, end = window_start(period), month_bounds(month)[0], period.end
    streams = (
        store.host_sightings(client, lookback, end),
        store.fact_samples(client, lookback, end),
        store.latest_report_facts(client, start, end),
        (FindingRow(*row) for row in store.latest_findings(client, month)),
        store.actions(client, month),
    )
    for host, (sightings, samples, latest, findings, actions) in merge_by_host(*streams):
        item = HostMonth(host=host, sightings=sightings, findings=findings, actions=actions, month_start=start,
                         history=[sample_of(sample) for sample in samples])
        if latest:
            item.facts, item.facts_at = latest[-1].facts, latest[-1].collected_at
        yield item
