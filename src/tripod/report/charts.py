"""Charts as inline SVG strings: no script, no external file, the same on screen, in print and in PDF."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAND_COLOURS = {"Excellent": "#1a7f4b", "Good": "#4c9a2a", "Fair": "#c98a00", "Poor": "#d4571c",
                "Failing": "#b3261e", "Not scored": "#8a8f98", "No data": "#8a8f98"}
SEVERITY_COLOURS = {"critical": "#7f1d1d", "high": "#b3261e", "medium": "#d4571c", "low": "#c98a00",
                    "info": "#5b7083"}
INK, GRID, MUTED = "#1f2933", "#d9dee5", "#8a8f98"


def _svg(width: int, height: int, body: str, label: str) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}" role="img" aria-label="{escape(label)}">{body}</svg>')


def gauge(score: float | None, band: str, label: str = "score") -> Markup:
    """A ring filled to `score` percent, the figure and its band in the middle."""
    size, stroke = 150, 14
    radius = (size - stroke) / 2
    circumference = 2 * math.pi * radius
    colour = BAND_COLOURS.get(band, MUTED)
    filled = 0.0 if score is None else circumference * max(0.0, min(score, 100.0)) / 100
    text = "n/a" if score is None else f"{score:.1f}%"
    body = (
        f'<circle cx="{size / 2}" cy="{size / 2}" r="{radius:.1f}" fill="none" stroke="{GRID}" '
        f'stroke-width="{stroke}"/>'
        f'<circle cx="{size / 2}" cy="{size / 2}" r="{radius:.1f}" fill="none" stroke="{colour}" '
        f'stroke-width="{stroke}" stroke-dasharray="{filled:.1f} {circumference:.1f}" '
        f'transform="rotate(-90 {size / 2} {size / 2})"/>'
        f'<text x="{size / 2}" y="{size / 2 + 2}" text-anchor="middle" font-size="26" font-weight="700" '
        f'fill="{INK}">{escape(text)}</text>'
        f'<text x="{size / 2}" y="{size / 2 + 24}" text-anchor="middle" font-size="13" fill="{colour}">'
        f'{escape(band)}</text>'
    )
    return _svg(size, size, body, f"{label}: {text} ({band})")


def score_bars(rows: Sequence[tuple[str, float | None, float | None, str]], label: str = "scores") -> Markup:
    """Horizontal bars: (name, score, previous score, band) each; the previous month as a tick."""
    width, row_height, left = 460, 30, 130
    bar_width = width - left - 60
    parts = []
    for index, (name, score, previous, band) in enumerate(rows):
        y = index * row_height + 6
        parts.append(f'<text x="0" y="{y + 14}" font-size="12" fill="{INK}">{escape(name)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{bar_width}" height="18" rx="3" fill="{GRID}"/>')
        if score is not None:
            parts.append(f'<rect x="{left}" y="{y}" width="{bar_width * score / 100:.1f}" height="18" rx="3" '
                         f'fill="{BAND_COLOURS.get(band, MUTED)}"/>')
        if previous is not None:
            x = left + bar_width * previous / 100
            parts.append(f'<line x1="{x:.1f}" y1="{y - 3}" x2="{x:.1f}" y2="{y + 21}" stroke="{INK}" '
                         f'stroke-width="2"><title>last month {previous:.1f}%</title></line>')
        text = "n/a" if score is None else f"{score:.1f}%"
        parts.append(f'<text x="{left + bar_width + 8}" y="{y + 14}" font-size="12" fill="{INK}">{text}</text>')
    return _svg(width, max(row_height * len(rows) + 6, 30), "".join(parts), label)


def severity_bars(counts: dict[str, int], label: str = "findings by severity") -> Markup:
    """Vertical bars, one per severity, critical first."""
    width, height, base = 300, 150, 120
    order = ["critical", "high", "medium", "low", "info"]
    top = max([counts.get(s, 0) for s in order] + [1])
    step = width / len(order)
    parts = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{GRID}"/>']
    for index, severity in enumerate(order):
        value = counts.get(severity, 0)
        bar_height = (base - 20) * value / top
        x = index * step + step * 0.2
        parts.append(f'<rect x="{x:.1f}" y="{base - bar_height:.1f}" width="{step * 0.6:.1f}" height="{bar_height:.1f}" '
                     f'fill="{SEVERITY_COLOURS[severity]}"/>')
        parts.append(f'<text x="{x + step * 0.3:.1f}" y="{base - bar_height - 4:.1f}" text-anchor="middle" font-size="12" '
                     f'fill="{INK}">{value}</text>')
        parts.append(f'<text x="{x + step * 0.3:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
                     f'fill="{MUTED}">{severity}</text>')
    return _svg(width, height, "".join(parts), label)


def line_chart(labels: Sequence[str], series: dict[str, Sequence[float | None]], label: str = "trend",
               colours: Sequence[str] = ("#1d4e89", "#1a7f4b", "#d4571c", "#7a4fb5", "#c98a00")) -> Markup:
    """Percent series over months (0-100 on the y axis); gaps where a month has no score."""
    width, height, left, bottom = 560, 220, 36, 30
    plot_w, plot_h = width - left - 110, height - bottom - 10
    step = plot_w / max(len(labels) - 1, 1)
    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = 10 + plot_h * (1 - tick / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
                     f'fill="{MUTED}">{tick}</text>')
    for index, name in enumerate(labels):
        parts.append(f'<text x="{left + index * step:.1f}" y="{height - 10}" text-anchor="middle" font-size="10" '
                     f'fill="{MUTED}">{escape(name)}</text>')
    for number, (name, values) in enumerate(series.items()):
        colour = colours[number % len(colours)]
        points = [(left + i * step, 10 + plot_h * (1 - v / 100)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>' for x, y in points]
        legend_y = 20 + number * 18
        parts.append(f'<rect x="{left + plot_w + 14}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + plot_w + 30}" y="{legend_y}" font-size="11" fill="{INK}">{escape(name)}</text>')
    return _svg(width, height, "".join(parts), label)
