"""Writing a report's data as HTML (one self-contained file), PDF (WeasyPrint, from the same HTML),
JSON (every figure) and CSV (per-host and per-finding tables)."""

from __future__ import annotations

import csv
import re
from calendar import month_name as _month_names
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from tripod.atomic import atomic_write, atomic_write_text
from tripod.models import SEVERITY_RANK, STATUSES
from tripod.report import charts
from tripod.report.archive import dump
from tripod.report.hosts import tier_label
from tripod.report.period import parse_time
from tripod.report.plain import count, expiry_phrase
from tripod.report.sections import real_filesystems

FORMATS: tuple[str, ...] = ("html", "pdf", "json", "csv")


def slug(text: str) -> str:
    """A file-name-safe form of a client name: `ACME Ltd.` -> `acme-ltd`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "client"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _dash(value: Any, text: str = "–") -> Any:
    return text if value is None or value == "" else value


def _size(value: int | float | None) -> str:
    if value is None:
        return "–"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def _size_rate(value: float | None) -> str:
    return "–" if value is None else f"{_size(value)}/day"


def _stamp(value: str | None) -> str:
    """`2026-11-10T02:00:00Z` -> `2026-11-10 02:00`."""
    return "–" if not value else value.replace("T", " ")[:16]


def _day(value: str, shift_days: int = 0) -> str:
    return (parse_time(value) + timedelta(days=shift_days)).date().isoformat()


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} h"


def _waiting(oldest: dict[str, Any] | None) -> str:
    """The oldest pending update's wait in words (never "≥ 0 days")."""
    if not oldest:
        return "–"
    days = int(oldest["age_days"])
    if oldest.get("at_least"):
        return f"since before {str(oldest['first_seen'])[:10]}" if days < 1 else f"at least {count(days, 'day')}"
    return "less than a day" if days < 1 else count(days, "day")


@pass_context
def _hostnames(context: Context, value: str | list[str]) -> Markup:
    """Host names that never break inside a name (a list may wrap between names). In the summary PDF
    (`hosts_shown` set) a long list names the first NAMES_SHOWN and counts the others."""
    names = value.split(", ") if isinstance(value, str) else value
    cut = context.get("hosts_shown") is not None and len(names) > NAMES_SHOWN
    shown = ", ".join(f'<span class="hostname">{escape(name)}</span>' for name in (names[:NAMES_SHOWN] if cut else names))
    return Markup(f"{shown} and {len(names) - NAMES_SHOWN} more" if cut else shown)


def _last_patched(value: str | None) -> str:
    return "never" if not value else _stamp(value)


def month_name(month: str) -> str:
    return f"{_month_names[int(month[5:7])]} {month[:4]}"


@lru_cache(maxsize=64)
def _band(name: str) -> Markup:
    return Markup(f'<span class="band band-{escape(name.replace(" ", "-"))}">{escape(name)}</span>')


@lru_cache(maxsize=64)
def _sev(name: str) -> Markup:
    return Markup(f'<span class="sev sev-{escape(name)}">{escape(name)}</span>')


def _counts_cells(counts: dict[str, int]) -> Markup:
    return Markup("".join(f'<td class="num">{int(counts[status])}</td>' for status in STATUSES))


def _attention_row(f: dict[str, Any]) -> str:
    status = f["effective_status"]
    waiver = f["waiver"]
    note = ""
    if waiver:
        note = f" ({escape(waiver['reference'])}{', expired' if waiver['state'] == 'expired' else ''})"
    fix = ""
    if f["remediation"] and status in ("fail", "error"):
        fix = f'<br><span class="muted">Fix: {escape(f["remediation"])}</span>'
    return (f'<tr><td>{escape(f["title"])} <span class="muted">{escape(f["check_id"])}</span></td>'
            f'<td>{_sev(f["severity"])}</td><td class="status-{escape(status)}">{escape(status.replace("_", " "))}'
            f'{note}</td><td>{escape(f["evidence"])}{fix}</td></tr>')


def _attention_rows(findings: list[dict[str, Any]]) -> Markup:
    """The appendix rows of a host's results that are not passes (plain Python: the appendix is
    most of a large report, and a template loop costs several times more)."""
    return Markup("".join(_attention_row(f) for f in findings))


class _Environment(Environment):
    """Looks a dictionary's keys up first: `host.score` is `host["score"]` (reports are plain data),
    which is most of the rendering time for large reports."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict):
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = _Environment(loader=PackageLoader("tripod.report", "templates"), autoescape=select_autoescape(["j2", "html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=_pct, dash=_dash, size=_size, size_rate=_size_rate, stamp=_stamp, day=_day, hours=_hours,
                       band=_band, sev=_sev, counts_cells=_counts_cells, attention_rows=_attention_rows,
                       expiry=expiry_phrase, waiting=_waiting, last_patched=_last_patched, count=count,
                       hostnames=_hostnames)
    env.globals.update(month_name=month_name, tier_label=tier_label, charts=charts)
    return env


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    """The shipped stylesheet, inlined as it is (CSS is not HTML: it must not be entity-escaped)."""
    return Markup(resources.files("tripod.report").joinpath("templates", "report.css").read_text(encoding="utf-8"))


def render_html(report: dict[str, Any], *, appendix: bool = False, hosts_shown: int | None = None) -> str:
    """The report as one self-contained HTML page: inline CSS, inline SVG charts, no external fetch.
    `appendix`: add the per-host appendix (every result that is not a pass, for each host). `hosts_shown`:
    the per-host tables show the most urgent this many hosts and say how many more there are."""
    if report["kind"] == "review":
        areas = sorted({a for row in report["trends"] for a in row["areas"]})
        series = {"overall": [row["score"] for row in report["trends"]],
                  **{a: [row["areas"].get(a) for row in report["trends"]] for a in areas}}
        return environment().get_template("review.html.j2").render(
            report=report, css=stylesheet(), trend_labels=[row["month"] for row in report["trends"]],
            trend_series=series, trend_areas=areas)
    card = report["scorecard"]
    area_rows = [(name.capitalize(), a["score"], a["previous_score"], a["band"]) for name, a in card["areas"].items()]
    attention: dict[str, list[dict[str, Any]]] = {}
    if appendix:  # a waived result that counts as waived, or one whose waiver expired, is in `findings` too
        attention = {h["host"]: sorted((f for f in h["findings"] if f["effective_status"] != "pass"),
                                       key=_severity_first) for h in report["hosts"]}
    return environment().get_template("monthly.html.j2").render(report=report, css=stylesheet(), area_rows=area_rows,
                                                                attention=attention, appendix=appendix,
                                                                attention_limit=ATTENTION_SHOWN, hosts_shown=hosts_shown)


#: "Needs your attention" lists this many items on the page (most urgent first); the JSON holds all.
ATTENTION_SHOWN = 25

#: The PDF without the appendix is the summary a client prints: its per-host tables (all hosts,
#: patching, backups, availability) show the most urgent this many hosts. A PDF of every host's rows
#: took 30 s and more for 200 hosts (WeasyPrint lays out every page); --appendix gives the full PDF.
PDF_HOST_ROWS = 25
#: ... and a list of host names in one cell names this many.
NAMES_SHOWN = 12


_STATUS_RANK = {"fail": 0, "error": 1}


def _severity_first(row: dict[str, Any]) -> tuple[int, int, str, str]:
    """Failing results first, most severe first, grouped by area."""
    return (_STATUS_RANK.get(row["effective_status"], 2), -SEVERITY_RANK.get(row["severity"], -1), row["area"],
            row["check_id"])


def write_pdf(html: str, path: Path) -> None:
    """Render `html` to PDF with WeasyPrint (imported here: only PDF output needs it)."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(f"PDF output needs WeasyPrint (pip install weasyprint): {exc}") from None
    HTML(string=html, base_url=None).write_pdf(str(path))


HOST_COLUMNS = ("host", "tier", "moved_tier", "has_data", "last_seen", "os", "score", "band", "pass", "fail", "error",
                "not_applicable", "waived", "not_assessed", "patching_score", "hardening_score", "health_score",
                "housekeeping_score", "security_pending", "other_pending", "reboot_required", "days_since_patch",
                "oldest_pending_days", "fullest_mount", "fullest_used_percent", "fullest_days_to_full",
                "eol_date", "eol_days_left", "bios_date", "hardware_age_years", "silent_reason")
FINDING_COLUMNS = ("host", "tier", "area", "check_id", "title", "severity", "status", "effective_status", "time",
                   "evidence", "remediation", "waiver", "waiver_owner", "waiver_expires", "waiver_state")


def host_rows(report: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for host in report["hosts"]:
        patching = host.get("patching") or {}
        fullest = (real_filesystems(host.get("filesystems") or []) or [{}])[0]  # never a tmpfs or proc
        life = host.get("lifecycle") or {}
        areas = host.get("areas") or {}
        yield {
            "host": host["host"], "tier": host["tier"], "moved_tier": host["moved_tier"], "has_data": host["has_data"],
            "last_seen": host["last_seen"], "os": host.get("os"), "score": host["score"], "band": host["band"],
            **host["counts"],
            **{f"{area}_score": (areas.get(area) or {}).get("score") for area in
               ("patching", "hardening", "health", "housekeeping")},
            "security_pending": patching.get("security_pending"), "other_pending": patching.get("other_pending"),
            "reboot_required": patching.get("reboot_required"), "days_since_patch": patching.get("days_since_patch"),
            "oldest_pending_days": (patching.get("oldest_pending") or {}).get("age_days"),
            "fullest_mount": fullest.get("mount"), "fullest_used_percent": fullest.get("used_percent"),
            "fullest_days_to_full": fullest.get("days_to_full"), "eol_date": life.get("eol_date"),
            "eol_days_left": life.get("eol_days_left"), "bios_date": life.get("bios_date"),
            "hardware_age_years": life.get("hardware_age_years"), "silent_reason": host.get("silent_reason"),
        }


NETWORK_COLUMNS = ("host", "backup_state", "backup_at", "backup_age_hours", "backup_max_age_hours",
                   "backups_this_month", "drift", "baseline", "firmware", "failing_checks")


def network_rows(report: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for device in report["network"]["devices"]:
        yield {**device, "failing_checks": " ".join(f["check_id"] for f in device["failing"])}


def finding_rows(report: dict[str, Any]) -> Iterable[tuple[Any, ...]]:
    """One row per result, in FINDING_COLUMNS order: each host's results that are not passes, then its passes."""
    own = FINDING_COLUMNS[2:11]
    for host in report["hosts"]:
        name, tier = host["host"], host["tier"]
        for row in host["findings"]:
            waiver = row["waiver"]
            extra = (waiver["reference"], waiver["owner"], waiver["expires"], waiver["state"]) if waiver else _NO_WAIVER
            yield (name, tier, *[row[k] for k in own], *extra)
        for check_id, area, title, severity, evidence, time in host["passed"]:
            yield (name, tier, area, check_id, title, severity, "pass", "pass", time, evidence, "", *_NO_WAIVER)


_NO_WAIVER = (None, None, None, None)


def _write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[dict[str, Any] | tuple[Any, ...]]) -> None:
    """A CSV file with a header (the csv module writes None as an empty field), written whole or not at all."""

    def write(partial: Path) -> None:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows([row[c] for c in columns] if isinstance(row, dict) else row for row in rows)

    atomic_write(path, write)


def base_name(report: dict[str, Any]) -> str:
    if report["kind"] == "review":
        return f"{slug(report['client'])}-{report['period']['half']}-review"
    return f"{slug(report['client'])}-{report['period']['month']}"


def write_report(report: dict[str, Any], out_dir: Path, formats: Iterable[str], *,
                 appendix: bool = False, json_text: str | None = None) -> list[Path]:
    """Write the report in each of `formats` into `out_dir`; returns the files written. `appendix`: the
    HTML and PDF get the per-host appendix (the JSON and CSV always hold every host's results). `json_text`:
    the report already serialised (tripod.report.archive.dump), written as the JSON edition."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = base_name(report)
    written: list[Path] = []
    formats = list(formats)
    html = render_html(report, appendix=appendix) if "html" in formats or ("pdf" in formats and appendix) else ""
    for fmt in formats:
        if fmt == "html":
            path = out_dir / f"{name}.html"
            atomic_write_text(path, html)
            written.append(path)
        elif fmt == "pdf":
            path = out_dir / f"{name}.pdf"
            printed = html if appendix else render_html(report, hosts_shown=PDF_HOST_ROWS)
            atomic_write(path, lambda partial: write_pdf(printed, partial))
            written.append(path)
        elif fmt == "json":
            path = out_dir / f"{name}.json"
            text = json_text if json_text is not None else dump(report)
            atomic_write_text(path, text + "\n")
            written.append(path)
        elif fmt == "csv":
            hosts, findings = out_dir / f"{name}-hosts.csv", out_dir / f"{name}-findings.csv"
            if report["kind"] == "review":
                _write_csv(hosts, tuple(report["csv"]["columns"]), report["csv"]["rows"])
                written.append(hosts)
                continue
            _write_csv(hosts, HOST_COLUMNS, host_rows(report))
            _write_csv(findings, FINDING_COLUMNS, finding_rows(report))
            written += [hosts, findings]
            if "network" in report:
                network = out_dir / f"{name}-network.csv"
                _write_csv(network, NETWORK_COLUMNS, network_rows(report))
                written.append(network)
        else:
            raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    return written
