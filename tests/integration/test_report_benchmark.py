"""benchmarks/report_scale.py keeps working: the whole pipeline at a tiny scale (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_report_scale_benchmark_at_tiny_scale(tmp_path):
    result_file = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "report_scale.py"), "--hosts", "30", "--clients", "3",
         "--months", "3", "--cmdb-hosts", "10", "--jobs", "2", "--repeat", "2", "--cache-dir", str(tmp_path / "cache"),
         "--max-seconds", "1e9", "--max-rss-mb", "1e9", "--json", str(result_file)],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(result_file.read_text())
    store = result["store"]
    assert store["runs"] == 3 * 3 and store["run_hosts"] == 30 * 3 and store["validated_samples"] == 9
    assert store["fact_snapshots"] == store["run_hosts"]  # every host reported (1 in 100 goes silent: none of 10)
    reports = result["reports"]
    assert reports["clients"] == 3 and reports["hosts"] == 30 and reports["files"] == 3 * 4
    assert reports["wall_seconds"] > 0 and reports["max_rss_mb"] > 0 and result["limits"]["met"] is True
    assert len(reports["runs"]) == 2 and reports["wall_seconds"] == min(r["wall_seconds"] for r in reports["runs"])
    cmdb = result["ansible_cmdb"]
    assert "skipped" in cmdb or (cmdb["hosts"] == 10 and cmdb["rounds"] == 2 and cmdb["ratio_cmdb_over_tripod"] > 0
                                 and cmdb["ansible_cmdb_max_rss_mb"] > 0 and cmdb["cpu_ratio_cmdb_over_tripod"] > 0)
    # A second run reuses the cached store.
    again = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "report_scale.py"), "--hosts", "30", "--clients", "3",
         "--months", "3", "--no-cmdb", "--jobs", "1", "--repeat", "1", "--cache-dir", str(tmp_path / "cache"),
         "--max-seconds", "1e9", "--max-rss-mb", "1e9"],
        capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0 and "building" not in again.stderr
