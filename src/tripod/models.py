"""The one result model: findings and actions, and the compliance facts validator.

Every area (patching, hardening, health, housekeeping) reports in these shapes, Linux and
Windows alike; docs/schema.md is the contract. `from_dict()` validates and raises a
ValueError that names the offending field; `to_dict()` gives the plain JSON shape back.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

AREAS: tuple[str, ...] = ("patching", "hardening", "health", "housekeeping")
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
#: A severity's rank, least severe first (info 0 ... critical 4): the one severity order.
SEVERITY_RANK: dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}
STATUSES: tuple[str, ...] = ("pass", "fail", "error", "not_applicable", "waived", "not_assessed")
#: Statuses that count in the score's denominator (pass counts in the numerator too).
SCORED_STATUSES: tuple[str, ...] = ("pass", "fail", "error")

CHECK_ID_PATTERN = re.compile(r"^TRP-[A-Z0-9]+-\d{3}$")
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

#: Context fields the evidence recorder fills in when a role omits them.
CONTEXT_FIELDS: tuple[str, ...] = ("host", "client", "tier", "run_id", "time")

FACTS_SCHEMA = "compliance_facts.schema.json"


class ValidationError(ValueError):
    """Bad input for a finding, an action or a time; `field` names the key (None: the whole entry)."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason

    def at(self, prefix: str) -> str:
        """The message with the field under `prefix`, e.g. `findings[2].severity: ...`."""
        return f"{prefix}.{self.field}: {self.reason}" if self.field else f"{prefix}: {self.reason}"


def utc_now() -> str:
    """The current time as ISO 8601 UTC with a `Z`, to the second."""
    return format_time(datetime.now(timezone.utc))


def format_time(moment: datetime) -> str:
    """`moment` as `YYYY-MM-DDTHH:MM:SSZ` in UTC; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_time(value: str, field: str = "time") -> str:
    """Parse an ISO 8601 time and return it in the canonical UTC form; ValueError names `field`."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"{value!r} is not an ISO 8601 time (e.g. 2026-11-27T23:05:00Z)") from None
    return format_time(parsed)


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def _optional_text(data: Mapping[str, Any], key: str, default: str | None = "") -> str | None:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValidationError(key, f"must be a string, got {_describe(value)}")
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    """A required, non-empty string."""
    value = _optional_text(data, key, default=None)
    if value is None:
        raise ValidationError(key, "is required")
    if not value.strip():
        raise ValidationError(key, "must not be empty")
    return value


def _choice(data: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = _text(data, key)
    if value not in choices:
        raise ValidationError(key, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _context(data: Mapping[str, Any]) -> dict[str, str | None]:
    values = {key: _optional_text(data, key, default=None) for key in CONTEXT_FIELDS}
    if values["time"] is not None:
        values["time"] = normalize_time(values["time"])
    return values


def _reject_unknown(data: Mapping[str, Any], cls: type) -> None:
    if not isinstance(data, Mapping):
        raise ValidationError(None, f"must be a mapping, got {_describe(data)}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise ValidationError(unknown[0], f"unknown field (allowed: {', '.join(sorted(known))})")


_Record = TypeVar("_Record", "Finding", "Action")

#: The fields of a finding's waiver, as the client agreed them (docs/schema.md, Waivers).
WAIVER_FIELDS: tuple[str, ...] = ("id", "control", "scope", "owner", "ticket", "justification", "expires")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class WaiverInfo:
    """The waiver behind a finding, as structured data: the report reads it, never parses it.

    `id` is the waiver's reference (the hardening role uses the ticket); the other fields are
    None when unknown (a finding that names a waiver by its id only). `expires` is YYYY-MM-DD.
    """

    id: str
    control: str | None = None
    scope: str | None = None
    owner: str | None = None
    ticket: str | None = None
    justification: str | None = None
    expires: str | None = None

    @classmethod
    def from_value(cls, value: Any) -> WaiverInfo | None:
        """None, a WaiverInfo, a mapping of WAIVER_FIELDS, or a bare id string (nothing else known)."""
        if value is None or isinstance(value, WaiverInfo):
            return value
        if isinstance(value, str):
            return cls(id=value) if value.strip() else None
        if not isinstance(value, Mapping):
            raise ValidationError("waiver", f"must be a mapping ({', '.join(WAIVER_FIELDS)}) or null, "
                                            f"got {_describe(value)}")
        unknown = sorted(str(key) for key in value if key not in WAIVER_FIELDS)
        if unknown:
            raise ValidationError(f"waiver.{unknown[0]}", f"unknown field (allowed: {', '.join(WAIVER_FIELDS)})")
        fields: dict[str, str | None] = {}
        for key in WAIVER_FIELDS:
            item = value.get(key)
            if item is not None and not isinstance(item, str):
                item = item.isoformat() if key == "expires" and hasattr(item, "isoformat") else item
                if not isinstance(item, str):
                    raise ValidationError(f"waiver.{key}", f"must be a string, got {_describe(item)}")
            fields[key] = item.strip() if isinstance(item, str) and item.strip() else None
        if fields["id"] is None:
            raise ValidationError("waiver.id", "is required")
        if fields["expires"] is not None and not _DATE.match(fields["expires"]):
            raise ValidationError("waiver.expires", f"{fields['expires']!r} is not a date (YYYY-MM-DD)")
        return cls(**fields)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's result on one host in one run."""

    area: str
    check_id: str
    title: str
    severity: str
    status: str
    evidence: str = ""
    remediation: str = ""
    waiver: WaiverInfo | None = None
    host: str | None = None
    client: str | None = None
    tier: str | None = None
    run_id: str | None = None
    time: str | None = None

    def __post_init__(self) -> None:
        # A waiver given as a mapping (or a bare id) becomes a WaiverInfo (store rows, triage).
        if self.waiver is not None and not isinstance(self.waiver, WaiverInfo):
            object.__setattr__(self, "waiver", WaiverInfo.from_value(self.waiver))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Validate `data` (docs/schema.md, Findings); ValueError names the first bad field."""
        _reject_unknown(data, cls)
        check_id = _text(data, "check_id")
        if not CHECK_ID_PATTERN.match(check_id):
            raise ValidationError("check_id", f"{check_id!r} does not match TRP-<AREA>-<NNN>, e.g. TRP-SSH-001")
        return cls(
            area=_choice(data, "area", AREAS),
            check_id=check_id,
            title=_text(data, "title"),
            severity=_choice(data, "severity", SEVERITIES),
            status=_choice(data, "status", STATUSES),
            evidence=_optional_text(data, "evidence") or "",
            remediation=_optional_text(data, "remediation") or "",
            waiver=WaiverInfo.from_value(data.get("waiver")),
            **_context(data),
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def with_context(self, **context: str | None) -> Finding:
        return _fill(self, context)


@dataclass(frozen=True, slots=True)
class Action:
    """Something a role did, or in check mode would do (`changed` false)."""

    area: str
    kind: str
    detail: str
    changed: bool
    bytes: int | None = None
    host: str | None = None
    client: str | None = None
    tier: str | None = None
    run_id: str | None = None
    time: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Action:
        """Validate `data` (docs/schema.md, Actions); ValueError names the first bad field."""
        _reject_unknown(data, cls)
        kind = _text(data, "kind")
        if not KIND_PATTERN.match(kind):
            raise ValidationError("kind", f"{kind!r} must be lower_snake_case, e.g. package_updated")
        if "changed" not in data or not isinstance(data["changed"], bool):
            got = _describe(data["changed"]) if "changed" in data else "nothing"
            raise ValidationError("changed", f"is required and must be a boolean (false when only planned), got {got}")
        size = data.get("bytes")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise ValidationError("bytes", f"must be a non-negative integer or null, got {_describe(size)}")
        return cls(
            area=_choice(data, "area", AREAS),
            kind=kind,
            detail=_text(data, "detail"),
            changed=data["changed"],
            bytes=size,
            **_context(data),
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def with_context(self, **context: str | None) -> Action:
        return _fill(self, context)


def _fill(record: _Record, context: Mapping[str, str | None]) -> _Record:
    """A copy of `record` with the context fields it lacks taken from `context`."""
    unknown = set(context) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"{sorted(unknown)[0]}: not a context field ({', '.join(CONTEXT_FIELDS)})")
    missing: dict[str, Any] = {
        key: value for key, value in context.items() if getattr(record, key) is None and value is not None
    }
    return dataclasses.replace(record, **missing) if missing else record


def score(findings: Iterable[Finding | Mapping[str, Any]]) -> float | None:
    """pass / (pass + fail + error); None when no finding is pass, fail or error."""
    counts = dict.fromkeys(SCORED_STATUSES, 0)
    for finding in findings:
        status = finding.status if isinstance(finding, Finding) else finding.get("status")
        if status in counts:
            counts[status] += 1
    return score_from_counts(counts)


def score_from_counts(counts: Mapping[str, int]) -> float | None:
    """The score from counts by status: pass / (pass + fail + error), None when that is 0/0."""
    denominator = sum(int(counts.get(status, 0)) for status in SCORED_STATUSES)
    return int(counts.get("pass", 0)) / denominator if denominator else None


@lru_cache(maxsize=1)
def _facts_schema() -> dict[str, Any]:
    resource = resources.files("tripod").joinpath("schemas", FACTS_SCHEMA)
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"the compliance facts schema is missing: tripod/schemas/{FACTS_SCHEMA}") from None
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_facts(facts: Mapping[str, Any]) -> list[str]:
    """Every problem of `facts` (ansible_facts.tripod_compliance) against the JSON schema.

    Each problem is one line, `dotted.path: message`; an empty list means valid.
    """
    import jsonschema  # imported lazily: only validation needs it

    schema = _facts_schema()
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    problems = []
    for error in sorted(validator.iter_errors(facts), key=lambda e: [str(p) for p in e.absolute_path]):
        path = ".".join(str(part) for part in error.absolute_path) or "(root)"
        problems.append(f"{path}: {error.message}")
    return problems
