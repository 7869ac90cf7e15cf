"""`tripod validate` at scale: is validation linear in the hosts, with a small constant?

Generates inventories of 1,000, 5,000 and 20,000 hosts (one client; the three tiers; a client
policy in group_vars/all.yml, a group policy for the servers, a host policy on every 50th host and
a waivers file, as a real client inventory has), runs `tripod validate` on each in a child process
(`python -m tripod.cli validate`), and prints the wall time, seconds per host, the peak RSS of the
child, and the ratio of the time per host between consecutive sizes (1.0: linear). Timings depend
on the machine and its load: the 1-minute load average is printed with them; nothing is asserted.

    python benchmarks/validate_scale.py                     # 1,000 / 5,000 / 20,000 hosts
    python benchmarks/validate_scale.py --sizes 500,2000    # quick
    python benchmarks/validate_scale.py --src /tmp/old/src  # another Tripod's source, side by side
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
TIERS = ("tier_srp_server", "tier_srp_workstation", "tier_scheduled_support")


def write_inventory(root: Path, hosts: int) -> Path:
    """One client's inventory with `hosts` hosts spread over the tiers."""
    inventory = root / f"inv-{hosts}"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "host_vars").mkdir()
    names = [f"h{n:06d}.acme.example" for n in range(hosts)]
    groups = {tier: {"hosts": {name: None for n, name in enumerate(names) if n % len(TIERS) == t}}
              for t, tier in enumerate(TIERS)}
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": groups}}, sort_keys=False))
    (inventory / "group_vars" / "all.yml").write_text(yaml.safe_dump({
        "tripod_client": "acme",
        "tripod_client_policy": {"maintenance_window": {"timezone": "Europe/Berlin"},
                                 "health": {"disk_warning_percent": 75}},
    }))
    (inventory / "group_vars" / "tier_srp_server.yml").write_text(yaml.safe_dump({
        "tripod_group_policy": {"patch": {"batch_size": 10, "exclude": ["postgresql*"]}}}))
    for name in names[::50]:
        (inventory / "host_vars" / f"{name}.yml").write_text(yaml.safe_dump({
            "tripod_host_policy": {"patch": {"reboot_group": "db"}}}))
    (inventory / "waivers.yml").write_text(yaml.safe_dump({"waivers": [{
        "control": "TRP-SSH-006", "scope": {"host": names[0]}, "owner": "it@acme.example", "ticket": "ACME-1",
        "justification": "jump host", "expires": "2099-12-31"}]}))
    return inventory


def validate(inventory: Path, src: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of the child, and its last output line."""
    env = dict(os.environ, PYTHONPATH=str(src))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "tripod.cli", "validate", "-i", str(inventory)], cwd=REPO,
                            env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode not in (0, 1):  # 1: an older Tripod's exit code for policy problems
        raise SystemExit(f"validate failed ({result.returncode}): {result.stdout[-500:]}{result.stderr[-500:]}")
    return seconds, max(peak, before) / 1024, result.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000", help="comma-separated host counts")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="the tripod package's source directory")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"tripod from {args.src}; load average at start: {os.getloadavg()[0]:.1f}")
    print(f"{'hosts':>7} {'seconds':>8} {'ms/host':>8} {'ratio':>6} {'peak RSS':>9} load")
    previous = None
    with tempfile.TemporaryDirectory(prefix="tripod-validate-scale-") as tmp:
        for size in sizes:
            inventory = write_inventory(Path(tmp), size)
            seconds, rss, _ = validate(inventory, args.src)
            per_host = seconds / size
            ratio = f"{per_host / previous:6.2f}" if previous else f"{'-':>6}"
            print(f"{size:>7} {seconds:8.2f} {per_host * 1000:8.3f} {ratio} {rss:7.0f}MB {os.getloadavg()[0]:.1f}")
            previous = per_host
    print("ratio: seconds per host against the previous size (1.0 is linear; the peak RSS is the largest so far)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
