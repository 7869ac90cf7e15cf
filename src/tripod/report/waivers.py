"""What a report knows about a waiver: the structured waiver a finding carries.

Since store migration 5 a finding's waiver is structured data (tripod.models.WaiverInfo: id,
control, scope, owner, ticket, justification, expires), recorded by the hardening role and read
here as it is: nothing is parsed back from text.

Findings recorded before migration 5 carry only a reference string; for those (and only those)
`parse_reference()` reads what the string holds:

- a JSON object: `{"id": "W-7", "owner": "ops", "expires": "2026-12-31", "ticket": "SD-1"}`;
- `key=value` (or `key: value`) pairs separated by `;` or `,`, e.g.
  `W-7; owner=ops; ticket=SD-1; expires=2026-12-31`: a first part without a key is the id;
- the hardening role's old form:
  `ACME-1234 (owner jane@acme.example, group legacy_backup, expires 2027-03-31)`;
- a plain id (`W-7`): owner and expiry are then unknown, and shown as such.

A waiver list can be passed to the report (`from_waivers_file()` reads a client's waivers file,
`tripod report --waivers FILE`); an entry matching a finding's waiver (same ticket and control,
or the same legacy reference) takes precedence, and adds what the finding lacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from tripod.report.period import parse_date

#: Waivers expiring within this many days of the report date are flagged.
EXPIRY_WARNING_DAYS = 30

_ALIASES = {"expiry": "expires", "until": "expires", "expires_on": "expires", "reason": "justification",
            "check_id": "control", "ref": "id", "reference": "id"}
_FIELDS = ("id", "control", "scope", "owner", "ticket", "justification", "expires")
_PAIR = re.compile(r"^\s*([A-Za-z_]+)\s*[=:]\s*(.*?)\s*$")
_HARDENING = re.compile(r"^(?P<ticket>\S+) \(owner (?P<owner>[^,]+), (?P<scope>(?:host|group) [^,]+), "
                        r"expires (?P<expires>\d{4}-\d{2}-\d{2})\)$")


@dataclass(frozen=True)
class Waiver:
    """A waiver as the report shows it; unknown fields are None."""

    reference: str
    control: str | None = None
    scope: str | None = None
    owner: str | None = None
    ticket: str | None = None
    justification: str | None = None
    expires: date | None = None

    def days_left(self, today: date) -> int | None:
        return None if self.expires is None else (self.expires - today).days

    def state(self, today: date) -> str:
        """`expired`, `expiring` (within EXPIRY_WARNING_DAYS), `active`, or `unknown expiry`."""
        left = self.days_left(today)
        if left is None:
            return "unknown expiry"
        if left < 0:
            return "expired"
        return "expiring" if left <= EXPIRY_WARNING_DAYS else "active"


def _fields_of(reference: str) -> dict[str, str]:
    text = reference.strip()
    hardening = _HARDENING.match(text)
    if hardening:
        return {"id": hardening["ticket"], **hardening.groupdict()}
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            return {_ALIASES.get(str(k).lower(), str(k).lower()): str(v) for k, v in loaded.items() if v is not None}
    fields: dict[str, str] = {}
    for index, part in enumerate(re.split(r"[;,]", text)):
        match = _PAIR.match(part)
        if match and not re.match(r"^\s*[A-Za-z]:\\", part):
            key = match.group(1).lower()
            fields[_ALIASES.get(key, key)] = match.group(2)
        elif index == 0 and part.strip():
            fields["id"] = part.strip()
    return fields


def from_structured(data: Mapping[str, Any]) -> Waiver:
    """The waiver a finding carries as structured data (tripod.models.WAIVER_FIELDS)."""
    def text(key: str) -> str | None:
        value = data.get(key)
        return str(value) if value not in (None, "") else None

    return Waiver(reference=text("id") or text("ticket") or "unknown", control=text("control"), scope=text("scope"),
                  owner=text("owner"), ticket=text("ticket"), justification=text("justification"),
                  expires=parse_date(text("expires")))


def parse_reference(reference: str) -> Waiver:
    """The waiver a finding's reference string describes (see the module docstring)."""
    fields = _fields_of(reference)
    return Waiver(
        reference=fields.get("id") or reference.strip(),
        control=fields.get("control"),
        scope=fields.get("scope"),
        owner=fields.get("owner"),
        ticket=fields.get("ticket"),
        justification=fields.get("justification"),
        expires=parse_date(fields.get("expires")),
    )


class WaiverBook:
    """Looks up the waiver behind a finding's reference: the given list first, then the string.

    `waivers`: Waiver objects (found by their `reference`), or a mapping from the reference
    string findings carry to the Waiver (as `from_waivers_file()` returns)."""

    def __init__(self, waivers: Iterable[Waiver] | Mapping[str, Waiver] = ()) -> None:
        if isinstance(waivers, Mapping):
            self._known: Mapping[str, Waiver] = dict(waivers)
        else:
            self._known = {w.reference: w for w in waivers}
        self._by_ticket = {(w.ticket, w.control): w for w in self._known.values() if w.ticket}

    def lookup(self, reference: str | Mapping[str, Any], control: str | None = None) -> Waiver:
        """The waiver of a finding: `reference` is its structured waiver (a mapping), or the
        text of a finding recorded before store migration 5."""
        if isinstance(reference, Mapping):
            carried = from_structured(reference)
            carried = carried if carried.control or control is None else replace(carried, control=control)
            return self._by_ticket.get((carried.ticket or carried.reference, carried.control)) or carried
        parsed = parse_reference(reference)
        known = self._known.get(reference.strip()) or self._known.get(parsed.reference)
        if known is None:
            return parsed if parsed.control or control is None else replace(parsed, control=control)
        return known if known.control or control is None else replace(known, control=control)


def from_waivers_file(path: str | Path) -> dict[str, Waiver]:
    """A client's waivers file (the hardening role's, `tripod.waivers`), keyed by the reference its
    findings carry; an InputError names the file and entry when it is malformed."""
    from tripod.waivers import load_waivers

    return {
        entry.reference: Waiver(reference=entry.ticket, control=entry.control,
                                scope=f"{entry.scope_kind} {entry.scope}", owner=entry.owner, ticket=entry.ticket,
                                justification=entry.justification, expires=entry.expires)
        for entry in load_waivers(path)
    }
