"""The evidence store's size, measured: rows and bytes per table, and bytes per host-run.

A host-run is one host in one run (a row of `run_hosts`): its fact snapshot, its findings and its
actions. The store grows by one host-run per host each time an audit or a maintenance run reaches
it, and by one host-month per host and month (`latest_results` and `monthly_summaries`: one row per
check or area, however many runs), so its size for N hosts, R runs a month and M months kept is
about N x M x (R x bytes per host-run + bytes per host-month). The figures are measured on a real
store, tables and indexes together:

- SQLite: `dbstat` (the pages of each table and of each of its indexes);
- PostgreSQL: `pg_total_relation_size` (table, indexes and TOAST).

    python benchmarks/store_size.py                                  # the report_scale store (SQLite)
    python benchmarks/store_size.py --store postgresql://tripod@db/tripod
    python benchmarks/store_size.py --hosts 2000 --runs-per-month 30 --months 13   # and the projection

Not a pytest test. Default store: the largest one benchmarks/report_scale.py cached.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from tripod.store import EvidenceStore  # noqa: E402
from tripod.store.copy import TABLES  # noqa: E402
from tripod.store.dialect import dialect_of  # noqa: E402

MB = 1024 * 1024
#: Tables with one row per host, month and check (or area), however many runs reach the host.
PER_MONTH = ("latest_results", "monthly_summaries")


def default_store() -> Path | None:
    cached = sorted((REPO / ".cache" / "report-scale").glob("store-*.sqlite"), key=lambda p: p.stat().st_size)
    return cached[-1] if cached else None


def table_bytes(store: EvidenceStore) -> dict[str, int]:
    """Bytes of each table with its indexes."""
    conn = store._conn
    if dialect_of(conn).name == "sqlite":
        sizes = dict.fromkeys(TABLES, 0)
        owners = {name: table for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master")}
        for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            owner = owners.get(name, name)
            if owner in sizes:
                sizes[owner] += int(size)
        return sizes
    return {table: int(conn.execute("SELECT pg_total_relation_size(?)", (table,)).fetchone()[0]) for table in TABLES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="a file, sqlite:///path or postgresql://... (default: report_scale's store)")
    parser.add_argument("--hosts", type=int, default=1000, help="projection: hosts (default 1000)")
    parser.add_argument("--runs-per-month", type=int, default=30, help="projection: runs reaching each host a month")
    parser.add_argument("--months", type=int, default=13, help="projection: months kept (default 13)")
    args = parser.parse_args(argv)
    location = args.store or default_store()
    if location is None:
        parser.error("no store: run benchmarks/report_scale.py first or give --store")
    with EvidenceStore(location) as store:
        counts = {table: int(store._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) for table in TABLES}
        sizes = table_bytes(store)
        dialect = dialect_of(store._conn).name
        host_months = int(store._conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT client, month, host FROM latest_results) AS hm").fetchone()[0])
    host_runs, host_months = counts["run_hosts"] or 1, host_months or 1
    print(f"{dialect} store: {sum(sizes.values()) / MB:,.1f} MB, {host_runs:,} host-runs, {host_months:,} host-months")
    print(f"{'table':<20}{'rows':>12}{'MB':>10}{'bytes/row':>11}{'bytes per':>16}")
    for table in TABLES:
        if counts[table] or sizes[table] > 65536:
            per_row = sizes[table] / counts[table] if counts[table] else 0
            unit, per = ("host-month", host_months) if table in PER_MONTH else ("host-run", host_runs)
            print(f"{table:<20}{counts[table]:>12,}{sizes[table] / MB:>10.1f}{per_row:>11,.0f}"
                  f"{sizes[table] / per:>10,.0f} {unit}")
    per_host_month = sum(sizes[t] for t in PER_MONTH) / host_months
    per_host_run = sum(sizes[t] for t in TABLES if t not in PER_MONTH) / host_runs
    projected = args.hosts * args.months * (args.runs_per_month * per_host_run + per_host_month)
    print(f"bytes per host-run: {per_host_run:,.0f}; per host-month: {per_host_month:,.0f}")
    print(f"projection: {args.hosts:,} hosts x {args.runs_per_month} runs a month x {args.months} months = "
          f"{projected / 1024 ** 3:,.1f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
