"""HTML (self-contained), JSON (every figure) and CSV output of the monthly report."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime
from html.parser import HTMLParser

import pytest

from tests import report_fixture as fx
from tripod.report import build_monthly
from tripod.report.render import (
    FINDING_COLUMNS, HOST_COLUMNS, NAMES_SHOWN, PDF_HOST_ROWS, render_html, slug, write_report,
)
from tripod.store import EvidenceStore

NOW = datetime.fromisoformat(fx.NOW.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = fx.build_store(tmp_path_factory.mktemp("render") / "evidence.sqlite")
    with EvidenceStore(path) as store:
        return build_monthly(store, "ACME Ltd", fx.MONTH, now=NOW)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def parsed(html: str) -> _Collect:
    collector = _Collect()
    collector.feed(html)
    return collector


def test_html_is_one_self_contained_file(report):
    html = render_html(report)
    page = parsed(html)
    names = {tag for tag, _ in page.tags}
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    for tag, attrs in page.tags:
        for key in ("src", "href", "data", "srcset", "action"):
            assert key not in attrs or not re.match(r"^(https?:|//|file:)", attrs[key] or ""), (tag, attrs)
    assert "@import" not in html and not re.search(r"url\((?!#)", html)
    assert '"DejaVu Sans"' in html  # the CSS is inlined as CSS, not entity-escaped


def _numbers(value, found=None):
    found = set() if found is None else found
    if isinstance(value, bool):
        return found
    if isinstance(value, (int, float)):
        found.add(round(float(value), 1))
        found.add(round(abs(float(value)), 1))
    elif isinstance(value, dict):
        for item in value.values():
            _numbers(item, found)
    elif isinstance(value, list):
        for item in value:
            _numbers(item, found)
    return found


def test_every_percentage_and_change_shown_is_in_the_json(report):
    text = " ".join(parsed(render_html(report)).text)
    numbers = _numbers(json.loads(json.dumps(report)))
    shown = [float(v) for v in re.findall(r"(-?\d+(?:\.\d+)?)\s*(?:%|pts)", text)]
    assert len(shown) > 15
    missing = sorted({v for v in shown if round(abs(v), 1) not in numbers})
    assert not missing, f"figures in the HTML but not in the JSON: {missing}"


def test_the_html_names_the_client_scores_and_silent_hosts(report):
    text = " ".join(parsed(render_html(report)).text)
    assert "ACME Ltd" in text and "November 2026" in text
    assert f"{report['scorecard']['overall']['score']:.1f}%" in text
    assert "No data" in text and "old01" in text
    assert "no triage data" not in text  # the fixture has tickets
    for section in ("Executive summary", "Needs your attention", "All hosts", "Work done this month", "Patching",
                    "Backups, availability and protection", "Security settings", "Health", "Service Desk",
                    "Lifecycle", "How the score is computed"):
        assert section in text
    assert "Appendix" not in text  # only with --appendix
    assert "Appendix: hosts" in " ".join(parsed(render_html(report, appendix=True)).text)


def test_json_and_csv_files(report, tmp_path):
    files = write_report(report, tmp_path, ["json", "csv", "html"])
    base = f"{slug('ACME Ltd')}-{fx.MONTH}"
    assert [f.name for f in files] == [f"{base}.json", f"{base}-hosts.csv", f"{base}-findings.csv", f"{base}.html"]
    assert json.loads((tmp_path / f"{base}.json").read_text()) == json.loads(json.dumps(report))
    with (tmp_path / f"{base}-hosts.csv").open() as handle:
        hosts = list(csv.DictReader(handle))
    assert tuple(hosts[0]) == HOST_COLUMNS
    assert [h["host"] for h in hosts] == [h["host"] for h in report["hosts"]]
    by_host = {h["host"]: h for h in hosts}
    assert by_host["old01"]["has_data"] == "False" and by_host["old01"]["score"] == ""
    assert float(by_host["web01"]["score"]) == next(h for h in report["hosts"] if h["host"] == "web01")["score"]
    with (tmp_path / f"{base}-findings.csv").open() as handle:
        findings = list(csv.DictReader(handle))
    assert tuple(findings[0]) == FINDING_COLUMNS
    latest = fx.latest_statuses("ACME Ltd", fx.MONTH, date(2026, 11, 30))
    assert len(findings) == sum(len(checks) for checks in latest.values())
    assert {(f["host"], f["check_id"], f["effective_status"]) for f in findings} == {
        (host, check, status) for host, checks in latest.items() for check, (_, status) in checks.items()}
    assert len(findings) == sum(len(h["findings"]) + len(h["passed"]) for h in report["hosts"])
    expired = [f for f in findings if f["waiver_state"] == "expired"]
    assert {(f["host"], f["check_id"], f["effective_status"]) for f in expired} == {
        ("db01", "TRP-SSH-003", "fail"), ("db01", "TRP-SSH-005", "fail")}


def test_an_unknown_format_is_refused(report, tmp_path):
    with pytest.raises(ValueError, match="docx"):
        write_report(report, tmp_path, ["docx"])


def test_slug():
    assert slug("ACME Ltd.") == "acme-ltd" and slug("Müller & Söhne") == "m-ller-s-hne" and slug("!!!") == "client"


def test_the_hosts_csv_names_the_fullest_real_filesystem(report, tmp_path):
    changed = json.loads(json.dumps(report))
    web = next(h for h in changed["hosts"] if h["host"] == "web01")
    web["filesystems"].insert(0, {"mount": "/dev/shm", "fstype": "tmpfs", "device": "tmpfs", "used_percent": 99.0})
    write_report(changed, tmp_path, ["csv"])
    with (tmp_path / f"{slug('ACME Ltd')}-{fx.MONTH}-hosts.csv").open() as handle:
        row = next(r for r in csv.DictReader(handle) if r["host"] == "web01")
    assert row["fullest_mount"] == "/" and float(row["fullest_used_percent"]) == 60.0  # 60 GiB of 100 GiB


def test_the_summary_pdf_page_shows_the_most_urgent_hosts_and_counts_the_others(report):
    """The PDF without --appendix is rendered with hosts_shown (PDF_HOST_ROWS): each per-host table keeps
    its first rows (the tables are sorted most urgent first) and says how many more there are; the HTML
    keeps every host."""
    everyone = [row["host"] for row in report["summary"]["overview"]]
    assert len(everyone) > 2
    full = parsed(render_html(report)).text
    summary_html = render_html(report, hosts_shown=2)
    summary = " ".join(parsed(summary_html).text)
    overview = re.search(r'<h2 id="overview">.*?</table>', summary_html, re.S).group(0)
    assert [host for host in everyone if f">{host}<" in overview] == everyone[:2]
    assert f"The 2 most urgent of {len(everyone)} hosts; all of them are in the HTML, JSON and CSV editions." in summary
    assert "most urgent of" not in " ".join(full)
    assert all(any(host in text for text in full) for host in everyone)


def test_the_summary_pdf_names_the_first_hosts_of_a_long_list_and_counts_the_rest(report):
    """A problem shared by many hosts lists NAMES_SHOWN of them in the summary PDF and counts the others;
    the HTML names every one."""
    changed = json.loads(json.dumps(report))
    names = [f"pc{number:02d}" for number in range(NAMES_SHOWN + 3)]
    changed["health"]["failing"][0]["hosts"] = names
    summary = "".join(parsed(render_html(changed, hosts_shown=PDF_HOST_ROWS)).text)
    full = "".join(parsed(render_html(changed)).text)
    assert ", ".join(names[:NAMES_SHOWN]) + " and 3 more" in summary
    assert names[NAMES_SHOWN] not in summary
    assert ", ".join(names) in full and ", ".join(names) + " and" not in full
