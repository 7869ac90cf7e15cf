"""The report as a client sees it: the PDF (WeasyPrint, read back with pdftotext) and the HTML in
headless Chromium (no console error, no network request, a screenshot).

These need Debian's `poppler-utils` (pdftotext) and `chromium`, and WeasyPrint and
websocket-client from PyPI. Without them the tests are skipped with the reason, unless CI is
set: in CI a missing tool is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests import report_fixture as fx
from tripod.report import build_monthly
from tripod.report.render import render_html, write_report
from tripod.report.review import build_review
from tripod.store import EvidenceStore

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.integration import browser  # noqa: E402
from tests.integration.conftest import need  # noqa: E402

NOW = datetime.fromisoformat(fx.NOW.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    path = fx.build_store(tmp_path_factory.mktemp("output") / "evidence.sqlite")
    with EvidenceStore(path) as store:
        return (build_monthly(store, "ACME Ltd", fx.MONTH, now=NOW),
                build_review(store, "ACME Ltd", "2026-H2", now=NOW))


def pdf_text(path: Path) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (Debian package poppler-utils)")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout


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
