"""Waivers: a client's documented, time-limited exceptions to hardening controls.

A waivers file (YAML, one per client inventory; schema in src/tripod/schemas/waivers.schema.json):

    waivers:
      - control: TRP-SSH-002
        scope: {group: legacy_backup}          # or {host: acme-db01}
        owner: jane.doe@acme.example
        ticket: ACME-1234
        justification: The backup appliance logs in with a password until its 2027 replacement.
        expires: 2027-03-31

A waiver applies to a host when the host is named, or is in the named group. Until the end of
its expiry date (UTC) the control is `waived` and never enforced; afterwards it is expired: the
control fails and a finding says so. Every problem in the file is an InputError naming the
file and the entry (`waivers[2].expires`), raised before anything is changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Collection, Iterable, Mapping, Sequence

import yaml

from tripod.errors import InputError

FIELDS = ("control", "scope", "owner", "ticket", "justification", "expires")
SCOPE_KINDS = ("host", "group")
_CONTROL = re.compile(r"^TRP-[A-Z0-9]+-\d{3}$")


@dataclass(frozen=True)
class Waiver:
    control: str
    scope_kind: str  # host or group
    scope: str
    owner: str
    ticket: str
    justification: str
    expires: date
    index: int = 0

    def applies_to(self, host: str, groups: Collection[str]) -> bool:
        return self.scope == host if self.scope_kind == "host" else self.scope in groups

    def expired(self, today: date) -> bool:
        """Valid through its expiry date; expired from the day after."""
        return today > self.expires

    @property
    def reference(self) -> str:
        """The reference in findings: `TICKET; control=..; scope=..; owner=..; ticket=..; expires=..`.

        The `key=value` form is what the reports read back (tripod.report.waivers.parse_reference);
        `;` and `,` separate its fields, so they are dropped from the values.
        """
        fields = {"control": self.control, "scope": f"{self.scope_kind} {self.scope}", "owner": self.owner,
                  "ticket": self.ticket, "expires": self.expires.isoformat()}
        clean = {key: re.sub(r"[;,]\s*", " ", value) for key, value in fields.items()}
        return "; ".join([clean["ticket"]] + [f"{key}={value}" for key, value in clean.items()])


@dataclass(frozen=True)
class WaiverMatch:
    """The waiver deciding a control on one host, and whether it has expired."""

    waiver: Waiver
    expired: bool


def _where(path: str, index: int | None = None, key: str | None = None) -> str:
    where = path
    if index is not None:
        where += f": waivers[{index}]"
        if key:
            where += f".{key}"
    return where


def _text(entry: Mapping[str, Any], key: str, path: str, index: int) -> str:
    value = entry.get(key)
    if value is None:
        raise InputError(f"{_where(path, index, key)}: is required")
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{_where(path, index, key)}: must be a non-empty string, got {value!r}")
    return value.strip()


class _BadDate(str):
    """A YAML timestamp that is not a real date (`2027-02-30`), kept with its line for the error."""

    line: int = 0
    reason: str = ""


class _WaiverLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that an impossible date is an error naming its line, not a crash."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError as exc:
        bad = _BadDate(str(node.value))
        bad.line, bad.reason = node.start_mark.line + 1, str(exc)
        return bad


_WaiverLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _expiry(value: Any, path: str, index: int, notes: list[str] | None = None) -> date:
    if isinstance(value, _BadDate):
        raise InputError(f"{path}:{value.line}: waivers[{index}].expires: '{value}' is not a date ({value.reason})")
    if isinstance(value, datetime):
        if notes is not None:
            notes.append(f"{_where(path, index, 'expires')}: {value.isoformat()} is a date and time; a waiver "
                         f"expires at the end of its day (UTC), so only the date {value.date()} counts")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{_where(path, index, 'expires')}: {value!r} is not a date (YYYY-MM-DD)")


def _entry(entry: Any, index: int, path: str, known_controls: Collection[str] | None,
           notes: list[str] | None = None) -> Waiver:
    if not isinstance(entry, Mapping):
        raise InputError(f"{_where(path, index)}: must be a mapping with {', '.join(FIELDS)}")
    unknown = sorted(str(k) for k in entry if k not in FIELDS)
    if unknown:
        raise InputError(f"{_where(path, index, unknown[0])}: unknown key (allowed: {', '.join(FIELDS)})")
    control = _text(entry, "control", path, index)
    if not _CONTROL.match(control):
        raise InputError(f"{_where(path, index, 'control')}: {control!r} is not a control id like TRP-SSH-002")
    if known_controls is not None and control not in known_controls:
        raise InputError(f"{_where(path, index, 'control')}: {control} is not in Tripod's hardening catalog")
    scope = entry.get("scope")
    if not isinstance(scope, Mapping) or len(scope) != 1 or next(iter(scope)) not in SCOPE_KINDS:
        raise InputError(f"{_where(path, index, 'scope')}: must be {{host: NAME}} or {{group: NAME}}, got {scope!r}")
    kind, name = next(iter(scope.items()))
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{_where(path, index, 'scope')}.{kind}: must be a non-empty host or group name")
    if "expires" not in entry:
        raise InputError(f"{_where(path, index, 'expires')}: is required (a waiver without an expiry is not allowed)")
    return Waiver(
        control=control, scope_kind=str(kind), scope=name.strip(), owner=_text(entry, "owner", path, index),
        ticket=_text(entry, "ticket", path, index), justification=_text(entry, "justification", path, index),
        expires=_expiry(entry["expires"], path, index, notes), index=index,
    )


def parse_waivers(data: Any, path: str, known_controls: Collection[str] | None = None,
                  notes: list[str] | None = None) -> list[Waiver]:
    """Validate parsed YAML; every problem raises InputError naming the file and the entry.
    Doubtful but usable entries (a date and time as expiry) add a line to `notes`."""
    if data is None:
        return []
    if not isinstance(data, Mapping) or set(data) - {"waivers", "version"}:
        raise InputError(f"{path}: must be a mapping with a `waivers` list (and optionally `version: 1`)")
    if data.get("version", 1) != 1:
        raise InputError(f"{path}: version: {data['version']!r} is not supported (1)")
    entries = data.get("waivers") or []
    if not isinstance(entries, list):
        raise InputError(f"{path}: waivers: must be a list")
    waivers = [_entry(entry, index, path, known_controls, notes) for index, entry in enumerate(entries)]
    seen: dict[tuple[str, str, str], int] = {}
    for waiver in waivers:
        key = (waiver.control, waiver.scope_kind, waiver.scope)
        if key in seen:
            raise InputError(f"{_where(path, waiver.index)}: duplicates waivers[{seen[key]}] "
                             f"({waiver.control} for {waiver.scope_kind} {waiver.scope})")
        seen[key] = waiver.index
    return waivers


def load_waivers(path: str | Path, known_controls: Collection[str] | None = None,
                 notes: list[str] | None = None) -> list[Waiver]:
    """Read and validate a waivers file."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{shown}: waivers file not found") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read the waivers file ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_WaiverLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else shown
        raise InputError(f"{where}: YAML parsing failed: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{shown}: YAML parsing failed: {exc}") from None
    return parse_waivers(data, shown, known_controls, notes)


def inside(path: Path, directory: Path) -> bool:
    """True when `path` (symlinks resolved) is `directory` or below it."""
    return path.resolve().is_relative_to(directory.resolve())


def review(waivers: Sequence[Waiver], path: str, hosts: Collection[str], groups: Collection[str],
           today: date) -> list[str]:
    """Warnings about a valid file: waivers already expired, scopes that name no host or group of the inventory."""
    notes = []
    for waiver in waivers:
        where = _where(path, waiver.index)
        if waiver.expired(today):
            notes.append(f"{where}: {waiver.control} for {waiver.scope_kind} {waiver.scope} expired on "
                         f"{waiver.expires.isoformat()}; the control is enforced again and reported as failed")
        known = hosts if waiver.scope_kind == "host" else groups
        if waiver.scope not in known:
            notes.append(f"{where}.scope.{waiver.scope_kind}: {waiver.scope} is not a {waiver.scope_kind} of the "
                         "inventory; the waiver applies to nothing")
    return notes


def match(waivers: Iterable[Waiver], control: str, host: str, groups: Collection[str], today: date) -> WaiverMatch | None:
    """The waiver deciding `control` on `host`: a valid one wins over expired ones; host scope over group."""
    candidates = [w for w in waivers if w.control == control and w.applies_to(host, groups)]
    if not candidates:
        return None
    valid = [w for w in candidates if not w.expired(today)]
    pool = valid or candidates
    pool.sort(key=lambda w: (w.scope_kind != "host", -w.expires.toordinal()))
    return WaiverMatch(pool[0], expired=not valid)


def applicable(waivers: Sequence[Waiver], host: str, groups: Collection[str]) -> list[Waiver]:
    return [w for w in waivers if w.applies_to(host, groups)]
