"""`tripod review sign`: store an engineer's sign-off of a client's half-year review."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tripod.errors import InputError
from tripod.models import format_time
from tripod.report.review import build_review
from tripod.store import EvidenceStore, SignOff

MAX_NOTES_BYTES = 64 * 1024


def read_notes(path: Path) -> str:
    """The engineer's notes: a readable, non-empty UTF-8 text file (InputError naming the file otherwise)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"--notes {path}: cannot read the file ({exc.strerror})") from None
    if len(data) > MAX_NOTES_BYTES:
        raise InputError(f"--notes {path}: {len(data)} bytes; notes are limited to {MAX_NOTES_BYTES} bytes")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InputError(f"--notes {path}: not UTF-8 text") from None
    if not text:
        raise InputError(f"--notes {path}: the file is empty; write the review notes first")
    return text


def sign_review(store: EvidenceStore, client: str, half: str, engineer: str, notes: str,
                now: datetime | None = None, tiers: Iterable[str] | None = None) -> SignOff:
    """Record the sign-off with a digest of the review's current figures (over `tiers`: the tiers
    policy marks for review)."""
    if not engineer.strip():
        raise InputError("--engineer: must name the engineer who signs")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    review = build_review(store, client, half, now=now, tiers=tiers)
    if review["period"]["latest_month"] is None:
        raise InputError(f"--half {half}: the store has no data of the reviewed tiers (SRP Server by default) for "
                         f"{client} in that half year")
    signoff = SignOff(client=client, half=half, engineer=engineer.strip(), notes=notes, signed_at=format_time(now),
                      review_digest=review["digest"])
    store.add_signoff(signoff)
    return signoff


def rewrite_review_files(review: dict[str, Any], out: Path) -> list[Path]:
    """Write the signed review over the review files already in `out` (in those formats only; none
    when `tripod report --review` has not written any there). Returns the files written."""
    from tripod.report.render import FORMATS, base_name, write_report

    name = base_name(review)
    existing = [fmt for fmt in FORMATS
                if (out / (f"{name}-hosts.csv" if fmt == "csv" else f"{name}.{fmt}")).is_file()]
    return write_report(review, out, existing) if existing else []
