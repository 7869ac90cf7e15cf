"""Write the roadmap and the asset register: HTML, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from tripod.atomic import atomic_write_text
from tripod.lifecycle.register import Asset
from tripod.lifecycle.roadmap import Roadmap


def register_rows(assets: list[Asset], today: date) -> list[dict[str, Any]]:
    rows = []
    for asset in sorted(assets, key=lambda a: a.host):
        base, source = asset.age_base()
        rows.append({
            "host": asset.host, "tier": asset.tier, "kind": asset.kind,
            "hardware": "virtual machine" if asset.virtual else " ".join(p for p in (asset.vendor, asset.model) if p) or "",
            "serial": asset.serial or "", "cores": asset.cores, "memory_gb": asset.memory_gb, "disk_gb": asset.disk_gb,
            "os": asset.os or "", "os_eol": asset.os_eol.isoformat() if asset.os_eol else "",
            "bios_date": asset.firmware_date.isoformat() if asset.firmware_date else "",
            "age_years": asset.age_years(today), "age_from": source,
            "purchase_date": asset.purchase_date.isoformat() if asset.purchase_date else "",
            "warranty_end": asset.warranty_end.isoformat() if asset.warranty_end else "",
            "cost": asset.cost, "owner": asset.owner, "location": asset.location,
        })
    return rows


def roadmap_csv(roadmap: Roadmap) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["quarter", "host", "action", "reason", "cost", "cost_source"])
    for item in roadmap.items:
        writer.writerow([item.quarter, item.host, item.action, item.reason, f"{item.cost:.2f}", item.cost_source])
    for quarter, total in roadmap.quarter_totals().items():
        writer.writerow([quarter, "", "total for the quarter", "", f"{total:.2f}", ""])
    for year, total in roadmap.year_totals().items():
        writer.writerow([year, "", "total for the year", "", f"{total:.2f}", ""])
    writer.writerow(["all", "", "total", "", f"{roadmap.total():.2f}", ""])
    return out.getvalue()


def register_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["host"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


FORMATS = ("html", "pdf", "csv", "json")


def write_roadmap(roadmap: Roadmap, assets: list[Asset], today: date, out: Path,
                  formats: list[str] | None = None) -> list[Path]:
    """Write the roadmap in `formats` (default: all); csv also writes the register's CSV."""
    from tripod.atomic import atomic_write
    from tripod.report.render import write_pdf

    wanted = formats or list(FORMATS)
    rows = register_rows(assets, today)
    env = Environment(loader=PackageLoader("tripod.lifecycle", "templates"), autoescape=select_autoescape(["html", "j2"]))
    html = env.get_template("roadmap.html.j2").render(roadmap=roadmap, register=rows, today=today.isoformat())
    stem = out / f"roadmap-{roadmap.client}-{roadmap.start}"
    data = {"client": roadmap.client, "start": roadmap.start, "quarters": roadmap.quarters,
            "items": [asdict(item) for item in roadmap.items], "quarter_totals": roadmap.quarter_totals(),
            "year_totals": roadmap.year_totals(), "total": roadmap.total(), "notes": roadmap.notes, "assets": rows}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "html" in wanted:
        written.append(atomic_write_text(stem.with_suffix(".html"), html))
    if "pdf" in wanted:
        written.append(atomic_write(stem.with_suffix(".pdf"), lambda partial: write_pdf(html, partial)))
    if "csv" in wanted:
        written.append(atomic_write_text(stem.with_suffix(".csv"), roadmap_csv(roadmap)))
        written.append(atomic_write_text(Path(f"{stem}-assets.csv"), register_csv(rows)))
    if "json" in wanted:
        written.append(atomic_write_text(stem.with_suffix(".json"), json.dumps(data, indent=2) + "\n"))
    return written
