"""What a report knows about a waiver: from the finding's `waiver` reference, or from a waiver list.

A finding carries only a reference string. The report reads what that string holds:

- a JSON object: `{"id": "W-7", "owner": "ops", "expires": "2026-12-31", "ticket": "SD-1"}`;
- `key=value` (or `key: value`) pairs separated by `;` or `,`, e.g.
  `W-7; owner=ops; ticket=SD-1; expires=2026-12-31`: a first part without a key is the id;
- the hardening role's form (`tripod.waivers.Waiver.reference`):
  `ACME-1234 (owner jane@acme.example, group legacy_backup, expires 2027-03-31)`;
- a plain id (`W-7`): owner and expiry are then unknown, and shown as such.

Keys: `id`, `control`, `scope`, `owner`, `ticket`, `justification` (or `reason`), `expires`
(or `expiry`, `until`). A waiver list can be passed to the report (`from_waivers_file()` reads a
client's waivers file, `tripod report --waivers FILE`); an entry whose reference matches a
finding's waiver reference takes precedence over what the string holds, and adds what the
string lacks (the justification).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

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

    def lookup(self, reference: str, control: str | None = None) -> Waiver:
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
