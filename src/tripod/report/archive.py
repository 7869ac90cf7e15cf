"""A closed month stays true: the first report of a closed month is kept, and rendered again as it is.

Once a month is over (plus CLOSE_GRACE for runs that finish after midnight), its report is
built from the evidence store once and kept as JSON beside the store
(`<store>.closed-reports/<client>/<month>.json`). Rendering that month again, after later
runs, after `tripod prune` rolled its raw rows up, or after a Tripod upgrade migrated the
store, reads the kept figures: only the generation time differs. `tripod report
--recompute` builds a closed month from the store again and replaces the kept copy (after
a fix, or a corrected waivers file). A kept copy written by a Tripod whose report schema
differs is rebuilt, since the templates could not render it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tripod.models import format_time
from tripod.report.period import parse_time
from tripod.store.records import month_bounds

#: A month is closed this long after its end: runs that started before midnight have finished.
CLOSE_GRACE = timedelta(hours=6)


def is_closed(month: str, now: datetime) -> bool:
    return parse_time(month_bounds(month)[1]) + CLOSE_GRACE <= now


def archive_path(store_path: Path, client: str, month: str) -> Path:
    """Where the kept report of `client`'s `month` lives: the client is named by a digest too, so two
    client names that make the same file name never share a copy."""
    from tripod.report.render import slug

    digest = hashlib.sha256(client.encode("utf-8")).hexdigest()[:12]
    return store_path.parent / f"{store_path.name}.closed-reports" / f"{slug(client)}-{digest}" / f"{month}.json"


def dump(report: dict[str, Any]) -> str:
    """The report as compact JSON (the JSON edition and the kept copy are this text)."""
    return json.dumps(report, ensure_ascii=False, separators=(",", ":"))


def kept_or_built(store_path: Path, client: str, month: str, now: datetime, build: Callable[[], dict[str, Any]],
                  *, schema: str, recompute: bool = False) -> tuple[dict[str, Any], str | None]:
    """The report of `month`: built by `build()` while the month is open; once closed, the kept copy
    (with this generation time), else built, marked closed and kept. With the report comes its JSON
    text when it was just serialised (a newly kept month), so the JSON edition need not do it again."""
    if not is_closed(month, now):
        return build(), None
    path = archive_path(store_path, client, month)
    if path.is_file() and not recompute:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept.get("schema") == schema and kept.get("client") == client:
            kept["generated_at"] = format_time(now)
            return kept, None
    report = build()
    report["closed"] = {"kept_at": format_time(now), "rule": "the month is closed: its figures were kept when its "
                        "report was first built after the month ended, and are shown as kept"}
    text = dump(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return report, text
