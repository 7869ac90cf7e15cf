"""Report periods: a month (`YYYY-MM`) and a half year (`YYYY-H1`, `YYYY-H2`), in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tripod.errors import InputError
from tripod.store.records import add_months, month_bounds

_HALF = re.compile(r"^(\d{4})-H([12])$")


def parse_month(text: str, option: str = "--month", *, now: datetime | None = None) -> str:
    """`YYYY-MM`, or `last` (the month before this one, UTC, for monthly timers); else an InputError
    naming the option."""
    if text == "last":
        today = (now or datetime.now(UTC)).astimezone(UTC)
        return add_months(f"{today:%Y-%m}", -1)
    try:
        month_bounds(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a month YYYY-MM (e.g. 2026-11) or `last`") from None
    return text


def parse_time(value: str) -> datetime:
    """An ISO 8601 time from the store (UTC, `Z`) as an aware datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    """A span of whole months: [start, end) as store text, and the months it holds."""

    label: str
    months: tuple[str, ...]

    @property
    def start(self) -> str:
        return month_bounds(self.months[0])[0]

    @property
    def end(self) -> str:
        return month_bounds(self.months[-1])[1]

    def as_of(self, now: datetime) -> datetime:
        """The moment the report speaks of: the end of the period, or `now` while it runs."""
        end = parse_time(self.end) - timedelta(seconds=1)
        return min(end, now.astimezone(UTC))


def month_period(month: str) -> Period:
    return Period(label=month, months=(month,))


def half_period(text: str, option: str = "--half") -> Period:
    """`YYYY-H1` (January to June) or `YYYY-H2` (July to December)."""
    match = _HALF.match(text)
    if not match:
        raise InputError(f"{option}: {text!r} is not a half year YYYY-H1 or YYYY-H2 (e.g. 2026-H2)")
    first = f"{match.group(1)}-{'01' if match.group(2) == '1' else '07'}"
    return Period(label=text, months=tuple(add_months(first, i) for i in range(6)))


def month_start(month: str) -> str:
    return month_bounds(month)[0]


def days_between(earlier: str | date, later: datetime) -> int:
    """Whole days from `earlier` (store time or a date) to `later`; negative when later is earlier."""
    if isinstance(earlier, str):
        return (later - parse_time(earlier)).days
    return (later.date() - earlier).days


def parse_date(value: object) -> date | None:
    """A YYYY-MM-DD (or longer ISO) value as a date; None when missing or unreadable."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
