"""IT Leadership: the asset file, the asset register and the roadmap's totals, computed here
independently from the example inventory's files."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from tripod.cli import main
from tripod.lifecycle.assets import AssetRecord
from tripod.lifecycle.register import asset_of
from tripod.lifecycle.roadmap import build_roadmap
from tripod.policy.resolve import tier_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "example"
CLIENT = "acme-logistics"
# The lifecycle policy as docs/lifecycle.md states it: years before replacement, price without a cost.
YEARS = {"tier_srp_server": 5, "tier_srp_workstation": 4, "tier_scheduled_support": 5, "tier_network": 7}
PRICE = {"tier_srp_server": 6000, "tier_srp_workstation": 1200, "tier_scheduled_support": 1000, "tier_network": 3000}


def quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def expected_totals(today: date, years: int) -> dict[str, float]:
    hosts = yaml.safe_load((EXAMPLE / "hosts.yml").read_text())["all"]["children"]
    tier_of = {host: tier for tier in YEARS for host in hosts[tier]["hosts"]}
    assets = yaml.safe_load((EXAMPLE / "assets.yml").read_text())
    first = quarter(today)
    last = (first[0] + years, first[1] - 1) if first[1] > 1 else (first[0] + years - 1, 4)
    totals: dict[str, float] = {}
    for host, entry in assets.items():
        bought = entry["purchase_date"]
        due = bought.replace(year=bought.year + YEARS[tier_of[host]])
        when = max(quarter(due), first)
        if when <= last:
            key = f"{when[0]}-Q{when[1]}"
            totals[key] = totals.get(key, 0) + entry.get("cost", PRICE[tier_of[host]])
    return totals


def test_the_example_roadmap_totals(tmp_path: Path, capsys) -> None:
    today = date.today()
    assert main(["report", "--roadmap", "--client", CLIENT, "-i", str(EXAMPLE), "--years", "3",
                 "--store", str(tmp_path / "no-store.sqlite"), "--out", str(tmp_path)]) == 0
    [table] = tmp_path.glob(f"roadmap-{CLIENT}-????-Q?.csv")
    rows = list(csv.DictReader(table.open()))
    quarters = {r["quarter"]: float(r["cost"]) for r in rows if r["action"] == "total for the quarter"}
    want = expected_totals(today, 3)
    assert len(quarters) == 12
    assert {q: t for q, t in quarters.items() if t} == want
    years = {r["quarter"]: float(r["cost"]) for r in rows if r["action"] == "total for the year"}
    want_years: dict[str, float] = {}
    for key, total in want.items():
        want_years[key[:4]] = want_years.get(key[:4], 0) + total
    assert {y: t for y, t in years.items() if t} == want_years
    assert [float(r["cost"]) for r in rows if r["action"] == "total"] == [sum(want.values())]
    # The host with no asset entry and no facts is named, not silently left out.
    html = next(tmp_path.glob(f"roadmap-{CLIENT}-*.html")).read_text()
    assert "acme-app02.acme.example: hardware replacement not planned" in html
    assert next(tmp_path.glob(f"roadmap-{CLIENT}-*.pdf")).read_bytes().startswith(b"%PDF")
    register = list(csv.DictReader(next(tmp_path.glob(f"roadmap-{CLIENT}-*-assets.csv")).open()))
    assert {r["host"]: r["age_from"] for r in register}["acme-db01.acme.example"] == "purchase date"


def test_age_from_bios_date_virtual_machines_and_os_end_of_life() -> None:
    facts = {"identity": {"virtualization": "none", "distribution": "Debian", "distribution_version": "11",
                          "hardware": {"vendor": "Dell Inc.", "model": "PowerEdge R640", "serial": "ABC123",
                                       "bios_date": "2019-05-02"}},
             "lifecycle": {"eol_date": "2026-08-31"},
             "capacity": {"memory": {"total_bytes": 64 * 2**30}, "load": {"cores": 16},
                          "filesystems": [{"size_bytes": 500 * 2**30}, {"size_bytes": 100 * 2**30}]}}
    metal = asset_of("db1", "tier_srp_server", facts, None)
    vm = asset_of("vm1", "tier_srp_server", {**facts, "identity": {**facts["identity"], "virtualization": "kvm"}},
                  AssetRecord(warranty_end=date(2027, 1, 1)))
    assert metal.age_base() == (date(2019, 5, 2), "BIOS date") and (metal.cores, metal.memory_gb, metal.disk_gb) == (16, 64.0, 600.0)
    assert vm.age_base() == (None, "virtual machine") and vm.age_years(date(2026, 12, 4)) is None
    policy = tier_policy("tier_srp_server")
    roadmap = build_roadmap("c", [metal, vm], {"db1": policy, "vm1": policy}, date(2026, 12, 4), 1)
    plan = [(i.quarter, i.host, i.action, i.cost) for i in roadmap.items]
    assert plan == [("2026-Q4", "db1", "replace host", 6000.0), ("2026-Q4", "db1", "upgrade operating system", 800.0),
                    ("2026-Q4", "vm1", "upgrade operating system", 800.0)]
    assert roadmap.notes == ["db1: warranty required (tier_srp_server) but no warranty_end in the asset file"]


@pytest.mark.parametrize(("entry", "message"), [
    ("  purchase_date: 2021-13-01\n", "acme-db01.acme.example: purchase_date: '2021-13-01' is not a date (YYYY-MM-DD)"),
    ("  cost: lots\n", "acme-db01.acme.example: cost: 'lots' is not a number"),
    ("  colour: red\n", "acme-db01.acme.example: colour: unknown key"),
])
def test_a_bad_asset_file_is_one_line_naming_the_file_and_key(tmp_path: Path, capsys, entry: str, message: str) -> None:
    example = Path(shutil.copytree(EXAMPLE, tmp_path / "example"))
    (example / "assets.yml").write_text(f"acme-db01.acme.example:\n{entry}")
    assert main(["validate", "-i", str(example)]) == 2
    out = capsys.readouterr()
    lines = [line for line in (out.out + out.err).splitlines() if "assets.yml" in line]
    assert len(lines) == 1 and lines[0].startswith(f"{example}/assets.yml: host ") and message.split(": ", 1)[1] in lines[0]
    assert main(["report", "--roadmap", "--client", CLIENT, "-i", str(example), "--out", str(tmp_path / "r")]) == 2


def test_an_asset_csv_file(tmp_path: Path) -> None:
    from tripod.errors import InputError
    from tripod.lifecycle.assets import load_assets

    path = tmp_path / "assets.csv"
    path.write_text("host,purchase_date,warranty_end,cost,owner,location\n"
                    "db1,2021-03-15,2026-03-14,7200,Ops,Rack 4\nws1,2024-01-02,,,,\n")
    records = load_assets(path, ["db1", "ws1"])
    assert records["db1"] == AssetRecord(date(2021, 3, 15), date(2026, 3, 14), 7200.0, "Ops", "Rack 4")
    assert records["ws1"] == AssetRecord(date(2024, 1, 2))
    with pytest.raises(InputError, match=r"assets\.csv: db1: not a host of the inventory"):
        load_assets(path, ["ws1"])


def test_a_network_device_firmware_end_of_support_is_on_the_roadmap() -> None:
    switch = asset_of("sw1", "tier_network", None, AssetRecord(date(2024, 1, 1), date(2029, 1, 1), 4200), network=True,
                      firmware={"platform": "ios", "version": "15.2(7)E4", "model": "WS-C2960X", "end": "2026-06-30"})
    assert (switch.os, switch.model, switch.kind) == ("ios 15.2(7)E4", "WS-C2960X", "network device")
    roadmap = build_roadmap("c", [switch], {"sw1": tier_policy("tier_network")}, date(2026, 12, 4), 3)
    assert [(i.quarter, i.action, i.cost) for i in roadmap.items] == [("2026-Q4", "upgrade firmware", 0.0),
                                                                      ("2029-Q1", "renew warranty or replace", 0.0)]
    assert "overdue since 2026-06-30" in roadmap.items[0].reason
