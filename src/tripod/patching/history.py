"""How long each pending security update has waited on a host, from the evidence store.

The host does not know when an update became available to it, and apt's package lists carry
no per-package publication date (only the archive's Release date, which changes with every
upload). Tripod knows when it first *saw* the update pending: every run stores the host's
compliance facts (`patches.pending`). For each security update pending now, `first_seen()`
walks the host's snapshots from the newest back and keeps the oldest one of the unbroken run
in which the package had a pending security update. A snapshot whose patch probe failed says
nothing either way and is skipped. The walk stops as soon as none of the packages was pending,
so it reads as many snapshots as the oldest update is old, not the whole history.

The date is a lower bound: an update pending before Tripod first audited the host counts from
that first audit. A package that was updated and later got a new security update starts over.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tripod.models import normalize_time, utc_now

MAX_SNAPSHOTS = 5000


def store_path() -> str | Path:
    """The evidence store the recorder writes: $TRIPOD_EVIDENCE_DB, else $TRIPOD_EVIDENCE_URL's,
    else the data dir's default."""
    from tripod.store import evidence_location

    configured = os.environ.get("TRIPOD_EVIDENCE_DB")
    return Path(configured).expanduser() if configured else evidence_location()


def _security_names(facts: Mapping[str, Any]) -> set[str] | None:
    """Names with a pending security update; None when the patch probe did not answer."""
    patches = facts.get("patches") or {}
    if patches.get("security_count") is None:
        return None
    if any(str(error.get("probe", "")).startswith("patches") for error in facts.get("errors") or []):
        return None
    return {str(update["name"]) for update in patches.get("pending") or [] if update.get("security")}


def first_seen(snapshots: Any, names: set[str]) -> dict[str, str]:
    """{name: first seen} for `names`, from snapshots (FactSnapshot, newest first)."""
    tracked = set(names)
    seen: dict[str, str] = {}
    if not tracked:
        return seen
    for count, snapshot in enumerate(snapshots):
        if count >= MAX_SNAPSHOTS:
            break
        pending = _security_names(snapshot.facts)
        if pending is None:
            continue
        tracked &= pending
        for name in tracked:
            seen[name] = snapshot.collected_at
        if not tracked:
            break
    return seen


def with_first_seen(facts: Mapping[str, Any], host: str, client: str | None,
                    path: str | Path | None = None) -> dict[str, Any]:
    """A copy of `facts` whose pending security updates carry `first_seen` (ISO time, UTC).

    Updates the store has never seen pending count from this snapshot (`collected_at`).
    Without a store (or a host name) the facts come back unchanged.
    """
    annotated = copy.deepcopy(dict(facts))
    pending = [u for u in (annotated.get("patches") or {}).get("pending") or [] if u.get("security")]
    if not pending:
        return annotated
    now = normalize_time(str(annotated.get("collected_at") or utc_now()), "collected_at")
    history: dict[str, str] = {}
    path = path or store_path()
    from tripod.store import store_exists

    if host and store_exists(path):
        from tripod.store import EvidenceStore

        with EvidenceStore(path) as store:
            history = first_seen(store.host_fact_history(host, client, before=now), {str(u["name"]) for u in pending})
    for update in pending:
        update["first_seen"] = history.get(str(update["name"]), now)
    return annotated
