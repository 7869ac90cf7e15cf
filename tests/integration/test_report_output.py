"""The report as a client sees it: the PDF (WeasyPrint, read back with pdftotext) and the HTML in
headless Chromium (no console error, no network request, a screenshot).

These need Debian's `poppler-utils` (pdftotext) and `chromium`, and WeasyPrint and
websocket-client from PyPI. Without them the tests are skipped with the reason, unless CI is
set: in CI a missing tool is a failure.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests import report_client, report_fixture as fx
from tripod.report import build_monthly
from tripod.report.render import render_html, write_report
from tripod.report.review import build_review
from tripod.report.settings import default_settings
from tripod.store import EvidenceStore

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.integration import browser  # noqa: E402
from tests.integration.helpers import need  # noqa: E402

NOW = datetime.fromisoformat(fx.NOW.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    path = fx.build_store(tmp_path_factory.mktemp("output") / "evidence.sqlite")
    with EvidenceStore(path) as store:
        return (build_monthly(store, "ACME Ltd", fx.MONTH, now=NOW),
                build_review(store, "ACME Ltd", "2026-H2", now=NOW))


@pytest.fixture(scope="module")
def client_report(tmp_path_factory):
    """The five-host client of tests/report_client.py, with its display name."""
    path = report_client.build_store(tmp_path_factory.mktemp("client") / "evidence.sqlite")
    settings = dataclasses.replace(default_settings(report_client.CLIENT), display_name=report_client.DISPLAY_NAME)
    with EvidenceStore(path) as store:
        return build_monthly(store, report_client.CLIENT, "2026-11", now=NOW, settings=settings)


def pdf_text(path: Path, *args: str) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (Debian package poppler-utils)")
    done = subprocess.run(["pdftotext", *(args or ("-layout",)), str(path), "-"], capture_output=True, text=True,
                          check=True)
    return done.stdout


def pdf_pages(path: Path) -> int:
    need(shutil.which("pdfinfo") is not None, "pdfinfo (Debian package poppler-utils)")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def first_page_png(pdf: Path, out: Path, resolution: int = 60) -> Path:
    """The PDF's first page as a PNG, rendered by poppler (pdftoppm), as a reader's viewer shows it."""
    need(shutil.which("pdftoppm") is not None, "pdftoppm (Debian package poppler-utils)")
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", str(resolution), "-png", "-singlefile", str(pdf),
                    str(out.with_suffix(""))], check=True)
    return out


def test_the_summary_pdf_of_a_five_host_client_is_short_and_starts_with_what_needs_attention(client_report,
                                                                                              tmp_path):
    need(importlib.util.find_spec("weasyprint") is not None, "WeasyPrint (pip install weasyprint)")
    [pdf] = write_report(client_report, tmp_path, ["pdf"])
    assert len(client_report["hosts"]) == 5 and pdf_pages(pdf) <= 4
    first = " ".join(pdf_text(pdf, "-f", "1", "-l", "1", "-raw").split())
    overall = client_report["scorecard"]["overall"]
    assert report_client.DISPLAY_NAME in first and "Executive summary" in first and "Needs your attention" in first
    assert f"{overall['score']:.1f}%" in first
    for area in client_report["scorecard"]["areas"].values():
        assert f"{area['score']:.1f}%" in first
    # the expired certificate, the full disk, the overdue restart, the stale backup, the silent host
    for words in ("Certificate CN=www.initech.example expired 15 days ago", "Disk / is 96.0 % full",
                  "Restart overdue", "Backup is out of date", "Never reached: SSH connection refused"):
        assert words in first, words
    assert "≥" not in pdf_text(pdf) and "-15 d" not in first
    # no table is wider than the page: every column is on it (pdftotext leaves out what the page clips)
    text = " ".join(pdf_text(pdf, "-raw").split()).lower()
    for header in ("worst problem: certificate cn=www.initech.example expired", "restart", "tickets resolved",
                   "oldest waiting",
                   "uptime", "act by"):
        assert header in text, header
    # a long host name is never broken inside the name, in the PDF's text lines
    assert any(report_client.LONG_HOST in line for line in pdf_text(pdf, "-raw").splitlines())
    [with_appendix] = write_report(client_report, tmp_path / "appendix", ["pdf"], appendix=True)
    assert pdf_pages(with_appendix) > pdf_pages(pdf)
    assert "Appendix: hosts, most severe first" in pdf_text(with_appendix)


def test_the_first_page_as_an_image(client_report, tmp_path):
    """The PDF's first page through pdftoppm (the README shows it: docs/img/report-first-page.png)."""
    need(importlib.util.find_spec("weasyprint") is not None, "WeasyPrint (pip install weasyprint)")
    [pdf] = write_report(client_report, tmp_path, ["pdf"])
    png = first_page_png(pdf, tmp_path / "first-page.png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert 0.65 < width / height < 0.75  # A4 portrait
    keep = os.environ.get("TRIPOD_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(first_page_png(pdf, tmp_path / "readme.png", resolution=60), Path(keep) / "report-first-page.png")


def test_the_pdf_shows_the_client_and_the_scores(reports, tmp_path):
    need(importlib.util.find_spec("weasyprint") is not None, "WeasyPrint (pip install weasyprint)")
    monthly, _ = reports
    [pdf] = write_report(monthly, tmp_path, ["pdf"])
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf).split())
    card = monthly["scorecard"]
    assert "ACME Ltd" in text and "November 2026" in text
    assert f"{card['overall']['score']:.1f}%" in text and card["overall"]["band"] in text
    for area in card["areas"].values():
        assert f"{area['score']:.1f}%" in text
    for tier in card["tiers"].values():
        assert f"{tier['score']:.1f}%" in text
    assert "No data" in text and "old01" in text


def test_the_review_pdf(reports, tmp_path):
    need(importlib.util.find_spec("weasyprint") is not None, "WeasyPrint (pip install weasyprint)")
    _, review = reports
    [pdf] = write_report(review, tmp_path, ["pdf"])
    text = " ".join(pdf_text(pdf).split())
    assert "ACME Ltd" in text and "Six-month trends" in text and "Awaiting engineer sign-off" in text
    latest = next(t for t in review["trends"] if t["month"] == "2026-11")
    assert f"{latest['score']:.1f}%" in text


def _check(html_path: Path, shot: Path) -> browser.PageCheck:
    need(browser.chromium_path() is not None, "chromium (Debian package chromium)")
    need(importlib.util.find_spec("websocket") is not None, "websocket-client (pip install websocket-client)")
    return browser.check_page(html_path, shot)


@pytest.mark.parametrize("which", ["monthly", "review"])
def test_html_in_headless_chromium_no_console_errors_no_requests(reports, tmp_path, which):
    report = reports[0] if which == "monthly" else reports[1]
    html_path = tmp_path / f"{which}.html"
    html_path.write_text(render_html(report), encoding="utf-8")
    result = _check(html_path, tmp_path / f"{which}.png")
    assert result.console_errors == []
    assert result.requests == [result.url]  # the page itself, nothing else
    assert result.failed == []
    png = result.screenshot.read_bytes() if result.screenshot else b""
    assert png.startswith(b"\x89PNG") and len(png) > 50_000
    keep = os.environ.get("TRIPOD_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(result.screenshot, Path(keep) / f"report-{which}.png")


def test_the_browser_check_sees_errors_and_requests(tmp_path):
    """The check itself: a page that logs an error and fetches an image is caught (nothing leaves:
    the request goes to the discard port on loopback, through a proxy that does not exist)."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom")</script></body></html>')
    result = _check(page, tmp_path / "bad.png")
    assert any("boom" in message for message in result.console_errors)
    assert "http://127.0.0.1:9/x.png" in result.external_requests


#: The host names the page shows that the browser laid out on more than one line (a break inside a name).
BROKEN_HOST_NAMES = """Array.from(document.querySelectorAll('.hostname')).filter(e => {
  const range = document.createRange(); range.selectNodeContents(e);
  return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size > 1;
}).map(e => e.textContent)"""


def test_long_host_names_never_break_in_the_browser(client_report, tmp_path):
    html_path = tmp_path / "client.html"
    html_path.write_text(render_html(client_report, appendix=True), encoding="utf-8")
    need(browser.chromium_path() is not None, "chromium (Debian package chromium)")
    need(importlib.util.find_spec("websocket") is not None, "websocket-client (pip install websocket-client)")
    result = browser.check_page(html_path, tmp_path / "client.png", width=700, evaluate=BROKEN_HOST_NAMES)
    assert result.console_errors == [] and result.external_requests == []
    shown = render_html(client_report, appendix=True).count(report_client.LONG_HOST)
    assert shown >= 3 and result.value == []
