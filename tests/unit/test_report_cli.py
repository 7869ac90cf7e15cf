"""`tripod report` and `tripod review sign` from the command line: files written, bad input exits 2."""

from __future__ import annotations

import json

import pytest

from tests import report_fixture as fx
from tests.postgres import BACKENDS, backend_url
from tripod.cli import main


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    """The report fixture's evidence, in SQLite and in PostgreSQL: the suite runs on both."""
    return fx.build_store(backend_url(request, tmp_path_factory.mktemp("cli")))


def test_every_clients_monthly_report(store, tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["report", "--store", str(store), "--month", fx.MONTH, "--format", "json,csv,html",
                 "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{c}-{fx.MONTH}{suffix}" for c in ("acme-ltd", "globex")
                           for suffix in (".json", "-hosts.csv", "-findings.csv", ".html"))
    printed = capsys.readouterr().out
    data = json.loads((out / f"acme-ltd-{fx.MONTH}.json").read_text())
    assert f"ACME Ltd: {data['scorecard']['overall']['score']:.1f}% {data['scorecard']['overall']['band']}, " \
           f"4 of 5 hosts reporting" in printed


def test_one_client(store, tmp_path):
    assert main(["report", "--store", str(store), "--client", "Globex", "--month", fx.MONTH, "--format", "json",
                 "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [f"globex-{fx.MONTH}.json"]


def test_review_and_sign(store, tmp_path, capsys):
    notes = tmp_path / "notes.md"
    notes.write_text("All good.\n")
    assert main(["review", "sign", "--store", str(store), "--client", "ACME Ltd", "--half", "2026-H2",
                 "--engineer", "Dana", "--notes", str(notes)]) == 0
    assert "signed: ACME Ltd 2026-H2 by Dana" in capsys.readouterr().out
    assert main(["report", "--store", str(store), "--review", "--client", "ACME Ltd", "--half", "2026-H2",
                 "--format", "json,html,csv", "--out", str(tmp_path)]) == 0
    review = json.loads((tmp_path / "acme-ltd-2026-H2-review.json").read_text())
    assert review["signoffs"][0]["engineer"] == "Dana" and review["signoffs"][0]["notes"] == "All good."
    assert (tmp_path / "acme-ltd-2026-H2-review.html").is_file()
    assert (tmp_path / "acme-ltd-2026-H2-review-hosts.csv").read_text().startswith("month,score,")


@pytest.mark.parametrize(("argv", "message"), [
    (["report", "--month", "2026-13"], "--month: '2026-13' is not a month YYYY-MM"),
    (["report"], "--month: required"),
    (["report", "--month", "2026-11", "--format", "html,docx"], "--format: docx is not one of"),
    (["report", "--month", "2026-11", "--client", "Nobody"], "--client 'Nobody': not in the evidence store"),
    (["report", "--review", "--client", "ACME Ltd", "--half", "2026-H3"], "--half: '2026-H3' is not a half year"),
    (["report", "--review", "--half", "2026-H2"], "--review: needs --client NAME and --half"),
    (["review", "sign", "--client", "ACME Ltd", "--half", "2026-H2", "--engineer", "D", "--notes", "/nonexistent/n"],
     "--notes /nonexistent/n: cannot read the file"),
])
def test_bad_input_exits_2_with_one_line(store, tmp_path, capsys, argv, message):
    assert main([*argv, "--store", str(store), *(["--out", str(tmp_path)] if argv[0] == "report" else [])]) == 2
    err = capsys.readouterr().err
    assert message in " ".join(err.split()) and "Traceback" not in err


def test_missing_store_is_bad_input(tmp_path, capsys):
    assert main(["report", "--store", str(tmp_path / "none.sqlite"), "--month", "2026-11"]) == 2
    assert "no evidence store" in capsys.readouterr().err


def test_worker_processes_write_the_same_reports(store, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for out, jobs in ((one, "1"), (two, "2")):
        assert main(["report", "--store", str(store), "--month", fx.MONTH, "--format", "json,csv", "--out", str(out),
                     "--jobs", jobs]) == 0
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir()) and len(names) == 6
    for name in names:
        if name.endswith(".json"):  # the generation time differs by the second at most
            first, second = (json.loads((d / name).read_text()) for d in (one, two))
            first.pop("generated_at"), second.pop("generated_at")
            first["period"].pop("as_of"), second["period"].pop("as_of")
            assert first == second
        else:
            assert (one / name).read_text() == (two / name).read_text()


def test_waivers_file_fills_in_what_the_reference_lacks(tmp_path):
    from tripod.models import Finding
    from tripod.store import EvidenceStore, HostResult
    from tripod.waivers import load_waivers

    waivers = tmp_path / "waivers.yml"
    waivers.write_text(
        "waivers:\n"
        "  - control: TRP-SSH-002\n"
        "    scope: {host: h1}\n"
        "    owner: jane@acme.example\n"
        "    ticket: ACME-1234\n"
        "    justification: The backup appliance needs password logins until 2027.\n"
        "    expires: 2026-12-15\n")
    [entry] = load_waivers(waivers)
    path = tmp_path / "evidence.sqlite"
    with EvidenceStore(path) as store:
        run = store.start_run("r1", started_at="2026-11-10T02:00:00Z")
        store.record_host(run, HostResult(host="h1", status="ok", client="ACME Ltd", tier="tier_srp_server",
                                          finished_at="2026-11-10T02:00:00Z", findings=[Finding.from_dict({
                                              "area": "hardening", "check_id": "TRP-SSH-002", "title": "t",
                                              "severity": "high", "status": "waived", "waiver": {
                                                  "id": entry.ticket, "control": entry.control,
                                                  "owner": entry.owner, "expires": "2026-12-15"}})]))
    out = tmp_path / "out"
    assert main(["report", "--store", str(path), "--month", "2026-11", "--format", "json", "--out", str(out),
                 "--waivers", str(waivers)]) == 0
    [shown] = json.loads((out / "acme-ltd-2026-11.json").read_text())["hardening"]["waivers"]
    assert (shown["reference"], shown["owner"], shown["ticket"], shown["expires"], shown["scope"]) == (
        "ACME-1234", "jane@acme.example", "ACME-1234", "2026-12-15", "host h1")
    assert shown["justification"] == "The backup appliance needs password logins until 2027."
    # Without the file, the finding's own waiver gives owner and expiry, not the justification it lacks.
    assert main(["report", "--store", str(path), "--month", "2026-11", "--format", "json", "--out", str(out),
                 "--recompute"]) == 0  # a closed month keeps its first figures unless recomputed
    [alone] = json.loads((out / "acme-ltd-2026-11.json").read_text())["hardening"]["waivers"]
    assert (alone["owner"], alone["expires"], alone["justification"]) == ("jane@acme.example", "2026-12-15", None)


def test_a_broken_waivers_file_is_bad_input(store, tmp_path, capsys):
    waivers = tmp_path / "waivers.yml"
    waivers.write_text("waivers:\n  - control: TRP-SSH-002\n")
    assert main(["report", "--store", str(store), "--month", "2026-11", "--waivers", str(waivers),
                 "--out", str(tmp_path)]) == 2
    assert "waivers.yml: waivers[0]" in capsys.readouterr().err


@pytest.mark.parametrize(("now", "expected"), [("2026-11-28T03:00:00+00:00", "2026-10"),
                                               ("2027-01-01T00:30:00+00:00", "2026-12"),
                                               ("2026-12-31T23:30:00-05:00", "2026-12")])
def test_last_month_for_timers(now, expected):
    from datetime import datetime

    from tripod.report.period import parse_month

    assert parse_month("last", now=datetime.fromisoformat(now)) == expected


def write_inventory(directory, policy, hosts=(("web01", "tier_srp_server"), ("ws01", "tier_srp_workstation"))):
    import yaml

    groups: dict = {}
    for host, tier in hosts:
        groups.setdefault(tier, {"hosts": {}})["hosts"][host] = None
    (directory / "group_vars").mkdir(parents=True, exist_ok=True)
    (directory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": groups}}))
    (directory / "group_vars" / "all.yml").write_text(yaml.safe_dump({
        "tripod_client": "ACME Ltd", "tripod_client_policy": policy}))
    return directory


def test_the_inventory_gives_the_display_name_and_the_appendix_is_optional(store, tmp_path):
    inventory = write_inventory(tmp_path / "inv", {"report": {"client_name": "ACME Limited", "formats": ["html"]}})
    out = tmp_path / "out"
    assert main(["report", "--store", str(store), "--client", "ACME Ltd", "--month", fx.MONTH, "-i", str(inventory),
                 "--out", str(out), "--recompute"]) == 0  # other tests kept this closed month's figures already
    assert [p.name for p in out.iterdir()] == [f"acme-ltd-{fx.MONTH}.html"]  # report.formats
    html = (out / f"acme-ltd-{fx.MONTH}.html").read_text()
    assert "<h1>ACME Limited</h1>" in html and "Appendix" not in html
    assert main(["report", "--store", str(store), "--client", "ACME Ltd", "--month", fx.MONTH, "-i", str(inventory),
                 "--out", str(out), "--appendix"]) == 0
    assert "Appendix: hosts, most severe first" in (out / f"acme-ltd-{fx.MONTH}.html").read_text()


def test_a_client_whose_tiers_have_no_monthly_report_is_skipped(store, tmp_path, capsys):
    inventory = write_inventory(tmp_path / "inv", {"report": {"monthly": False}})
    assert main(["report", "--store", str(store), "--client", "ACME Ltd", "--month", fx.MONTH, "-i", str(inventory),
                 "--out", str(tmp_path / "out")]) == 0
    assert "skipped, report.monthly is false" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("extra", "policy", "message"), [
    ([], None, "--send: mails the monthly report only, and needs -i INVENTORY"),
    (["-i"], {"report": {"recipients": []}}, "report.recipients: empty"),
    (["-i"], {"report": {"recipients": ["it@acme.example"]}}, "alerts.email.smtp_host: not set"),
])
def test_send_without_recipients_or_smtp_is_bad_input_before_writing(store, tmp_path, capsys, extra, policy, message):
    args = ["report", "--store", str(store), "--client", "ACME Ltd", "--month", fx.MONTH, "--send",
            "--out", str(tmp_path / "out")]
    if extra:
        args += ["-i", str(write_inventory(tmp_path / "inv", policy))]
    assert main(args) == 2
    assert message in " ".join(capsys.readouterr().err.split())
    assert not (tmp_path / "out").exists()


def test_review_uses_the_tiers_policy_marks_and_sign_rewrites_the_file(store_url, tmp_path, capsys):
    path = fx.build_store(store_url)  # type: ignore[arg-type] - a URL is a location too
    inventory = write_inventory(tmp_path / "inv", {"report": {"engineer_review": True}})  # every tier
    out = tmp_path / "out"
    assert main(["report", "--store", str(path), "--review", "--client", "ACME Ltd", "--half", "2026-H2",
                 "-i", str(inventory), "--format", "html,json", "--out", str(out)]) == 0
    review = json.loads((out / "acme-ltd-2026-H2-review.json").read_text())
    from tripod.policy.resolve import TIER_GROUPS

    assert {t["tier"] for t in review["tiers"]} == set(TIER_GROUPS)  # the client's policy marks every tier
    assert "Awaiting engineer sign-off" in (out / "acme-ltd-2026-H2-review.html").read_text()
    notes = tmp_path / "notes.txt"
    notes.write_text("Checked with the client.\n")
    assert main(["review", "sign", "--store", str(path), "--client", "ACME Ltd", "--half", "2026-H2",
                 "--engineer", "Dana", "--notes", str(notes), "-i", str(inventory), "--out", str(out)]) == 0
    html = (out / "acme-ltd-2026-H2-review.html").read_text()
    assert "Signed by Dana" in html and "Awaiting engineer sign-off" not in html
    signed = json.loads((out / "acme-ltd-2026-H2-review.json").read_text())
    assert signed["signoff_state"] == "signed" and signed["signoffs"][0]["figures_unchanged"] is True
    assert sorted(p.name for p in out.iterdir()) == ["acme-ltd-2026-H2-review.html", "acme-ltd-2026-H2-review.json"]
    no_review = write_inventory(tmp_path / "inv2", {"report": {"engineer_review": False}})
    assert main(["report", "--store", str(path), "--review", "--client", "ACME Ltd", "--half", "2026-H2",
                 "-i", str(no_review), "--out", str(out)]) == 2
    assert "report.engineer_review: no tier of client 'ACME Ltd'" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(("report", "message"), [
    ({"weights": {"patching": -1}}, "report.weights.patching"),
    ({"weights": {"patching": 0, "health": 0, "hardening": 0, "housekeeping": 0}}, "report.weights: every weight is 0"),
    ({"client_name": 5}, "report.client_name"),
])
def test_a_bad_report_policy_is_bad_input_naming_the_key(store, tmp_path, capsys, report, message):
    inventory = write_inventory(tmp_path / "inv", {"report": report})
    assert main(["report", "--store", str(store), "--client", "ACME Ltd", "--month", fx.MONTH, "-i", str(inventory),
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in " ".join(err.split()) and "Traceback" not in err
    assert not (tmp_path / "out").exists()
