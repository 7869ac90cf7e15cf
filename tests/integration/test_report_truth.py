"""The monthly report tells the truth: every figure against ground truth measured on the hosts.

Three Debian 12 containers over SSH, each carrying several planted conditions:

- tripod-truth-a: package lists refreshed (`apt-get update`), so real security updates are
  pending; never patched (dpkg.log has only installs and same-version re-unpacks); a required
  reboot; an 8 MiB tmpfs filled to 95 %; an expired and two expiring certificates; a failed
  unit; a valid waiver (TRP-SSH-002);
- tripod-truth-b: one real package upgrade, then its package lists aged 10 days (stale: pending
  updates not assessed, while its required reboot still counts); a backup marker 3 days old; an
  expired waiver (TRP-ACCT-008);
- tripod-truth-c: started, then stopped before the run: never reached.

`tripod run audit` records the evidence, `tripod report` writes JSON, HTML, CSV (and PDF when
WeasyPrint and pdftotext are installed). The ground truth is measured by this test with its own
commands on the hosts (`apt list --upgradable`, `df`, `openssl x509 -enddate`, `stat`,
`systemctl --failed`, dpkg.log) and from the waivers file it wrote, never read back from Tripod.
The assertions are about figures, through the JSON keys the report has today.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import io
import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.certificates import make_certificate
from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet
from tests.integration.helpers import tripod

pytestmark = pytest.mark.containers

A, B, C = "tripod-truth-a", "tripod-truth-b", "tripod-truth-c"
CLIENT = "truth-test"
CERT_DIR = "/etc/ssl/truth"
BACKUP = "/var/backups/nightly.done"
FULL = "/srv/full"
BROKEN_UNIT = "truth-broken.service"
MAX_LIST_AGE_HOURS = 48  # the shipped default of patch.max_list_age_hours

SEED_A = f"""set -eu
apt-get update -qq
fallocate -l 7800K {FULL}/fill.bin
touch /var/run/reboot-required
printf '[Unit]\\nDescription=Tripod truth test: fails on start\\n[Service]\\nType=oneshot\\nExecStart=/bin/false\\n' \\
  > /etc/systemd/system/{BROKEN_UNIT}
systemctl daemon-reload
systemctl start {BROKEN_UNIT} || true
"""
SEED_B = f"""set -eu
apt-get update -qq
mkdir -p /var/backups {CERT_DIR} && touch -d '3 days ago' {BACKUP}
touch /var/run/reboot-required
"""
# After B's one real upgrade: its lists (and apt's "last checked" mark) are 10 days old.
AGE_B_LISTS = "touch -d '10 days ago' /var/lib/apt/lists/*Release /var/lib/apt/lists/partial"


def sh(host: str, script: str) -> str:
    return fleet_lib.podman("exec", host, "bash", "-c", script).stdout


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def asn1(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%SZ")


# -- ground truth, measured on the hosts ---------------------------------------------------

def upgradable(host: str) -> dict[str, bool]:
    """`apt list --upgradable`: package -> whether its candidate comes from a -security suite."""
    result = {}
    for line in sh(host, "apt list --upgradable 2>/dev/null").splitlines():
        match = re.match(r"^([^/\s]+)/(\S+) ", line)
        if match:
            result[match.group(1)] = any(s.endswith("-security") for s in match.group(2).split(","))
    return result


def version_changing_upgrades(host: str) -> list[str]:
    """dpkg.log `upgrade` lines whose version changed (a same-version re-unpack is no patch)."""
    return [line for line in sh(host, "cat /var/log/dpkg.log").splitlines()
            if len(line.split()) == 6 and line.split()[2] == "upgrade" and line.split()[4] != line.split()[5]]


def apt_history_end(host: str) -> str | None:
    """End-Date of the newest apt history entry that upgraded packages, as UTC (the host is UTC)."""
    text = sh(host, "cat /var/log/apt/history.log 2>/dev/null || true")
    ends = [re.search(r"^End-Date: (\S+)\s+(\S+)", block, re.M) for block in re.split(r"\n\s*\n", text)
            if re.search(r"^Upgrade: ", block, re.M)]
    stamps = [f"{m.group(1)}T{m.group(2)}Z" for m in ends if m]
    return max(stamps) if stamps else None


def df_percent(host: str, mount: str) -> float:
    used, avail = (int(v) for v in sh(host, f"df -B1 --output=used,avail {mount} | tail -1").split())
    return 100.0 * used / (used + avail)


def cert_days(host: str, path: str) -> int:
    end = sh(host, f"openssl x509 -enddate -noout -in {path}").strip().split("=", 1)[1]
    not_after = datetime.strptime(end, "%b %d %H:%M:%S %Y %Z").replace(tzinfo=timezone.utc)
    return int((not_after - now_utc()).total_seconds() // 86400)


def age_hours(host: str, path: str) -> float:
    mtime = int(sh(host, f"stat -c %Y {path}").strip())
    return (now_utc().timestamp() - mtime) / 3600.0


def lists_age_hours(host: str) -> float:
    """How long ago the host's package lists were last current: newest of its Release files and
    of apt's partial/ directory (touched by every `apt-get update`)."""
    newest = max(int(v) for v in sh(host, "stat -c %Y /var/lib/apt/lists/*Release /var/lib/apt/lists/partial").split())
    return (now_utc().timestamp() - newest) / 3600.0


def failed_units(host: str) -> list[str]:
    out = sh(host, "systemctl list-units --failed --plain --no-legend --no-pager | awk '{print $1}'")
    return sorted(line for line in out.split() if line)


# -- the fleet, its run and its report ----------------------------------------------------

@pytest.fixture(scope="module")
def truth(fleet_images, tmp_path_factory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("report-truth")
    fleet = Fleet(work)
    today = now_utc().date()
    waivers = [
        {"control": "TRP-SSH-002", "scope": {"host": A}, "owner": "alice@truth.example", "ticket": "TRUTH-1",
         "justification": "Vendor appliance logs in with a password.", "expires": (today + timedelta(days=60)).isoformat()},
        {"control": "TRP-ACCT-008", "scope": {"host": B}, "owner": "bob@truth.example", "ticket": "TRUTH-2",
         "justification": "Shared group files until the migration.", "expires": (today - timedelta(days=10)).isoformat()},
    ]
    try:
        fleet.up(A, release="12", podman_args=("--tmpfs", f"{FULL}:rw,size=8m"))
        fleet.up(B, C, release="12")
        sh(A, SEED_A)
        sh(B, SEED_B)
        # B: one real patch, the security update with the fewest dependencies we can find (tzdata
        # usually), so it has a last upgrade; then its package lists go stale.
        pending_b = upgradable(B)
        target = "tzdata" if "tzdata" in pending_b else sorted(pending_b)[0]
        sh(B, f"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --only-upgrade {target} >/dev/null")
        sh(B, AGE_B_LISTS)
        # Certificates with exact dates (openssl ca), copied in: expired 15 days ago, expiring in
        # 5 and in 20 days, and one valid for a year. Half a day off the boundary, so the day
        # count cannot change while the test runs.
        soon = now_utc() + timedelta(hours=12)
        certs = {"expired.pem": soon - timedelta(days=15), "soon5.pem": soon + timedelta(days=5),
                 "soon20.pem": soon + timedelta(days=20), "valid.pem": soon + timedelta(days=365)}
        sh(A, f"mkdir -p {CERT_DIR}")
        for name, end in certs.items():
            directory = work / name.replace(".pem", "")
            directory.mkdir()
            made = make_certificate(directory, f"/CN={name}", asn1(end - timedelta(days=400)), asn1(end), name)
            fleet_lib.podman("cp", str(made), f"{A}:{CERT_DIR}/{name}")
        (work / "waivers.yml").write_text(yaml.safe_dump({"waivers": waivers}, sort_keys=False))
        inventory = fleet.inventory(
            groups={A: ["tier_srp_server"], B: ["tier_srp_server"], C: ["tier_srp_server"]},
            group_vars={"all": {"tripod_client": CLIENT, "tripod_client_policy": {
                "health": {"certificate_paths": [CERT_DIR], "backup_markers": [BACKUP]}}}},
        )
        fleet_lib.podman("stop", "--time", "0", C)

        # Ground truth, measured before the run (the run changes nothing: it is an audit).
        measured = {
            "pending": {A: upgradable(A)},
            "patched": {A: version_changing_upgrades(A), B: version_changing_upgrades(B)},
            "last_upgrade": {B: apt_history_end(B)},
            "reboot_flag": {h: sh(h, "test -e /var/run/reboot-required && echo yes || echo no").strip() == "yes"
                            for h in (A, B)},
            "full_percent": df_percent(A, FULL),
            "certs": {f"{CERT_DIR}/{name}": cert_days(A, f"{CERT_DIR}/{name}") for name in certs},
            "backup_age": age_hours(B, BACKUP),
            "backup_exists": {h: sh(h, f"test -e {BACKUP} && echo yes || echo no").strip() == "yes" for h in (A, B)},
            "lists_age": {h: lists_age_hours(h) for h in (A, B)},
            "failed_units": {h: failed_units(h) for h in (A, B)},
            "waivers": waivers,
            "today": today,
        }
        data_dir = work / "data"
        run = tripod("run", "audit", "-i", str(inventory), data_dir=data_dir)
        month = now_utc().strftime("%Y-%m")
        formats = ["json", "html", "csv"]
        if importlib.util.find_spec("weasyprint") is not None and shutil.which("pdftotext"):
            formats.append("pdf")
        out = work / "reports"
        report = tripod("report", "--client", CLIENT, "--month", month, "--format", ",".join(formats),
                        "--out", str(out), "-i", str(inventory), "--store", str(data_dir / "evidence.sqlite"),
                        data_dir=data_dir)
        assert report.returncode == 0, report.stdout + report.stderr
        # <client>-<month>.json/.html/.pdf, <client>-<month>-hosts.csv and -findings.csv
        files = {path.name.split(f"-{month}", 1)[1].lstrip("-."): path for path in out.iterdir() if path.is_file()}
        yield {"run": run, "measured": measured, "files": files, "json": json.loads(files["json"].read_text()),
               "month": month}
    finally:
        fleet.down()


def host(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(h for h in report["hosts"] if h["host"] == name)


def finding(report: dict[str, Any], name: str, check_id: str) -> dict[str, Any]:
    """The host's result of a check: a row of `findings`, or a pass from the compact `passed` rows."""
    entry = host(report, name)
    for row in entry["findings"]:
        if row["check_id"] == check_id:
            return row
    row = next(r for r in entry["passed"] if r[0] == check_id)
    return {**dict(zip(report["passed_columns"], row)), "status": "pass", "effective_status": "pass", "waiver": None}


# -- the figures ----------------------------------------------------------------------------

def test_the_audit_ran_and_reached_every_running_host(truth):
    run = truth["run"]
    assert run.returncode == 1, "the stopped host is unreachable: " + run.stdout + run.stderr
    assert f"UNREACHABLE {C}" in run.stdout


def test_coverage_and_the_host_never_reached(truth):
    report = truth["json"]
    assert report["coverage"]["expected"] == 3 and report["coverage"]["reporting"] == 2
    assert [s["host"] for s in report["coverage"]["silent_hosts"]] == [C]
    c = host(report, C)
    assert (c["has_data"], c["last_seen"], c["never_reached"]) == (False, None, True), "not 'last seen <time>'"
    assert c["score"] is None, "no data is never a score"
    for name in (A, B):
        assert host(report, name)["never_reached"] is False and host(report, name)["last_seen"]


def test_pending_security_updates_equal_apt_list_upgradable(truth):
    report, measured = truth["json"], truth["measured"]
    pending = measured["pending"][A]
    security = sum(1 for is_security in pending.values() if is_security)
    assert security > 0, "the mirror has security updates for Debian 12 (real, after apt-get update)"
    patching = host(report, A)["patching"]
    assert patching["assessed"] is True
    assert patching["security_pending"] == security
    assert patching["other_pending"] == len(pending) - security
    assert patching["fully_patched"] is False
    assert report["patching"]["security_pending_total"] == security, "B is not assessed, so A's count is the total"
    item = finding(report, A, "TRP-PATCH-001")
    assert item["status"] == "fail" and item["evidence"].startswith(f"{security} security update(s) pending")


def test_a_never_patched_host_shows_never(truth):
    report, measured = truth["json"], truth["measured"]
    assert measured["patched"][A] == [], "ground truth: no upgrade that changed a version"
    patching = host(report, A)["patching"]
    assert (patching["last_upgrade"], patching["days_since_patch"]) == (None, None)


def test_a_patched_host_shows_when(truth):
    report, measured = truth["json"], truth["measured"]
    assert measured["patched"][B], "ground truth: B had one real upgrade"
    assert host(report, B)["patching"]["last_upgrade"] == measured["last_upgrade"][B]


def test_stale_package_lists_are_not_assessed_never_fully_patched(truth):
    report, measured = truth["json"], truth["measured"]
    assert measured["lists_age"][B] > MAX_LIST_AGE_HOURS > measured["lists_age"][A]
    patching = host(report, B)["patching"]
    assert (patching["assessed"], patching["fully_patched"], patching["security_pending"]) == (False, False, None)
    assert B in report["patching"]["hosts_not_assessed"] and A not in report["patching"]["hosts_not_assessed"]
    assert report["patching"]["hosts_assessed"] == 1 and report["patching"]["hosts_fully_patched"] == 0
    for check_id in ("TRP-PATCH-001", "TRP-PATCH-002"):
        assert finding(report, B, check_id)["status"] == "not_assessed"
    own = finding(report, B, "TRP-PATCH-006")
    assert own["status"] == "fail" and f"older than {MAX_LIST_AGE_HOURS} h" in own["evidence"]
    ages = [e["age_hours"] for e in patching["lists"]]
    assert all(abs(age - measured["lists_age"][B]) < 1.0 for age in ages), (ages, measured["lists_age"][B])


def test_the_required_reboots(truth):
    """Both hosts need a reboot; B's counts too, though its pending updates are not assessed."""
    report, measured = truth["json"], truth["measured"]
    assert measured["reboot_flag"] == {A: True, B: True}
    for name in (A, B):
        assert host(report, name)["patching"]["reboot_required"] is True
        assert finding(report, name, "TRP-PATCH-003")["status"] == "fail"
    assert report["patching"]["reboots_pending"] == 2


def test_the_nearly_full_filesystem_equals_df(truth):
    report, measured = truth["json"], truth["measured"]
    [full] = [fs for fs in host(report, A)["filesystems"] if fs["mount"] == FULL]
    assert abs(full["used_percent"] - measured["full_percent"]) <= 0.1, (full, measured["full_percent"])
    assert measured["full_percent"] > 90
    disk = finding(report, A, "TRP-DISK-001")
    assert (disk["status"], disk["severity"]) == ("fail", "critical") and FULL in disk["evidence"]


def test_every_expired_and_expiring_certificate_with_its_days(truth):
    report, measured = truth["json"], truth["measured"]
    shown = {c["path"]: c["days_left"] for c in host(report, A)["certificates"]}
    assert shown == measured["certs"]
    item = finding(report, A, "TRP-CERT-001")
    assert (item["status"], item["severity"]) == ("fail", "critical")
    expired = [p for p, d in measured["certs"].items() if d < 0]
    expiring = [p for p, d in measured["certs"].items() if 0 <= d < 30]
    assert len(expired) == 1 and len(expiring) == 2
    for path in expired:
        assert f"{path} (expired {-measured['certs'][path]} days ago)" in item["evidence"]
    for path in expiring:
        assert f"{path} ({measured['certs'][path]} days left)" in item["evidence"], "not hidden by the expired one"
    assert f"{CERT_DIR}/valid.pem" not in item["evidence"]


def test_the_stale_backup(truth):
    report, measured = truth["json"], truth["measured"]
    assert measured["backup_exists"] == {A: False, B: True}
    [marker] = host(report, B)["backups"]
    assert marker["path"] == BACKUP and abs(marker["age_hours"] - measured["backup_age"]) < 0.5
    assert measured["backup_age"] > 26, "older than the policy's backup_max_age_hours"
    item = finding(report, B, "TRP-BACKUP-001")
    assert item["status"] == "fail" and BACKUP in item["evidence"]
    [missing] = host(report, A)["backups"]
    assert missing["exists"] is False and finding(report, A, "TRP-BACKUP-001")["status"] == "fail"


def test_the_failed_unit(truth):
    report, measured = truth["json"], truth["measured"]
    assert measured["failed_units"][A] == [BROKEN_UNIT] and measured["failed_units"][B] == []
    item = finding(report, A, "TRP-SVC-001")
    assert item["status"] == "fail" and BROKEN_UNIT in item["evidence"]
    assert finding(report, B, "TRP-SVC-001")["status"] == "pass"


def test_waivers_two_one_expired_structured(truth):
    report, measured = truth["json"], truth["measured"]
    today = measured["today"]
    shown = sorted(report["hardening"]["waivers"], key=lambda w: w["check_id"])
    written = sorted(measured["waivers"], key=lambda w: w["control"])
    assert len(shown) == len(written) == 2, "the TRP-WAIVER-001 meta-check is not a waiver"
    for got, wrote in zip(shown, written):
        assert (got["check_id"], got["host"], got["owner"], got["ticket"], got["justification"], got["expires"]) == (
            wrote["control"], wrote["scope"]["host"], wrote["owner"], wrote["ticket"], wrote["justification"],
            wrote["expires"])
        days = (datetime.fromisoformat(wrote["expires"]).date() - today).days
        assert got["days_left"] == days
        assert got["state"] == ("expired" if days < 0 else "expiring" if days <= 30 else "active")
    assert report["hardening"]["waivers_expired"] == 1
    assert finding(report, A, "TRP-SSH-002")["status"] == "waived"
    expired = finding(report, B, "TRP-ACCT-008")
    assert (expired["status"], expired["effective_status"]) == ("fail", "fail")
    assert finding(report, B, "TRP-WAIVER-001")["waiver"] is None


def _percent(counts: dict[str, int]) -> float | None:
    scored = counts.get("pass", 0) + counts.get("fail", 0) + counts.get("error", 0)
    return round(100 * counts.get("pass", 0) / scored, 1) if scored else None


def test_the_client_counts_are_the_sum_of_the_hosts(truth):
    report = truth["json"]
    hosts = [host(report, name) for name in (A, B, C)]
    overall = report["scorecard"]["overall"]["counts"]
    assert overall == {status: sum(h["counts"][status] for h in hosts) for status in overall}
    for area, entry in report["scorecard"]["areas"].items():
        assert entry["counts"] == {status: sum(h["areas"][area]["counts"][status] for h in hosts if area in h["areas"])
                                   for status in entry["counts"]}, area
        assert entry["score"] == _percent(entry["counts"]), area


def test_the_scores_are_the_counts_of_the_findings(truth):
    """Each host's counts from its results, each area's score pass / (pass + fail + error), the
    host's score the policy-weighted mean of its area scores (report.weights, shipped defaults)."""
    report = truth["json"]
    weights = report["scorecard"]["weights"]
    for name in (A, B):
        entry = host(report, name)
        rows = [(f["area"], f["effective_status"]) for f in entry["findings"]]
        rows += [(dict(zip(report["passed_columns"], p))["area"], "pass") for p in entry["passed"]]
        statuses = [status for _, status in rows]
        assert {k: v for k, v in entry["counts"].items() if v} == {s: statuses.count(s) for s in set(statuses)}
        areas = {}
        for area in {a for a, _ in rows}:
            mine = [status for a, status in rows if a == area]
            areas[area] = _percent({s: mine.count(s) for s in set(mine)})
            assert entry["areas"][area]["score"] == areas[area], area
        scored = {area: score for area, score in areas.items() if score is not None}
        weighted = sum(weights[a] * s for a, s in scored.items()) / sum(weights[a] for a in scored)
        assert abs(entry["score"] - weighted) <= 0.1, (entry["score"], weighted)


# -- the other formats carry the same numbers ---------------------------------------------

def _text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def test_the_html_carries_the_same_figures(truth):
    report, text = truth["json"], _text(truth["files"]["html"])
    for name in (A, B, C):
        assert name in text
    a = host(report, A)
    assert f"{a['score']:.1f}%" in text
    assert str(a["patching"]["security_pending"]) in text
    for path, days in truth["measured"]["certs"].items():
        if days < 30:
            assert str(abs(days)) in text and path.rsplit("/", 1)[1] in text
    for waiver in truth["measured"]["waivers"]:
        assert waiver["ticket"] in text
    assert "not assessed" in text.lower()


def test_the_csv_carries_the_same_figures(truth):
    report = truth["json"]
    rows = list(csv.DictReader(io.StringIO(truth["files"]["hosts.csv"].read_text(encoding="utf-8"))))
    by_host = {row["host"]: row for row in rows if row.get("host")}
    assert set(by_host) >= {A, B, C}
    for name in (A, B):
        entry = host(report, name)
        assert float(by_host[name]["score"]) == entry["score"]
        pending = entry["patching"]["security_pending"]
        assert by_host[name]["security_pending"] == ("" if pending is None else str(pending))
        assert by_host[name]["last_seen"] == entry["last_seen"]
    assert by_host[C]["score"] == "" and by_host[C]["last_seen"] == "", "never reached: no time"
    findings = list(csv.DictReader(io.StringIO(truth["files"]["findings.csv"].read_text(encoding="utf-8"))))
    waived = {(row["host"], row["check_id"]): row for row in findings if row["waiver"]}
    assert {key: (row["waiver_expires"], row["waiver_state"]) for key, row in waived.items()} == {
        (w["scope"]["host"], w["control"]): (w["expires"], "expired" if w["expires"] < str(truth["measured"]["today"])
                                             else "active") for w in truth["measured"]["waivers"]}


def test_the_pdf_carries_the_same_figures(truth):
    if "pdf" not in truth["files"]:
        pytest.skip("WeasyPrint or pdftotext is not installed")
    done = subprocess.run(["pdftotext", "-layout", str(truth["files"]["pdf"]), "-"], capture_output=True, text=True,
                          check=True)
    text = " ".join(done.stdout.split())
    a = host(truth["json"], A)
    assert f"{a['score']:.1f}%" in text
    for name in (A, B, C):
        assert name in text
