"""Benchmark: `tripod audit` against bare `ansible -m setup` and `ansible -m ping` on a container fleet.

For each fleet size (5, 25, 50 Debian containers over real SSH on loopback, forks 10), one
round runs, interleaved (the order turns every round, so warm-up and background load hit all
alike), each over the same hosts:

- `ansible all -m ansible.builtin.ping`: the floor, a connection and a trivial module per host;
- `ansible all -m ansible.builtin.setup`: what "one fact gathering" costs;
- `ansible all -m tripod.maintenance.compliance_facts`: Tripod's facts module alone;
- `tripod audit -i INVENTORY`: the whole audit (preflight, facts, checks, evidence, metrics);
- with --mitogen, `tripod audit` again under Mitogen's `mitogen_linear` strategy.

It prints wall seconds, seconds per host, the audit's ratio to setup (goal: at most 2) and
P1, the facts module's marginal time over ping divided by setup's (goal: at most 0.5), per size,
and the median over the rounds, with the machine's load. Timings are reported, never asserted.

    python benchmarks/fleet_audit.py                          # sizes 5 and 25, 1 round
    python benchmarks/fleet_audit.py --sizes 5,25,50 --rounds 3
    python benchmarks/fleet_audit.py --mitogen                # needs `pip install mitogen`

Run it from the repository root, as root, after scripts/setup-host.sh and `python -m
tests.fleet.fleet images`. The containers get `apt-get update` first, so that real security
updates are pending, as on a real server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.fleet import fleet as fleet_lib  # noqa: E402
from tests.fleet.harness import Fleet, executable, tool_env  # noqa: E402

from mitogen_option import mitogen_env  # noqa: E402  (benchmarks/, the script's directory)

COMMANDS = ("ping", "setup", "compliance_facts", "audit")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5,25", help="fleet sizes, comma-separated (default 5,25)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds per size (default 1)")
    parser.add_argument("--forks", type=int, default=10, help="Ansible forks (default 10)")
    parser.add_argument("--release", choices=tuple(fleet_lib.RELEASES), default="12")
    parser.add_argument("--name", default="tripod-bench-audit", help="container name prefix")
    parser.add_argument("--mitogen", action="store_true", help="also time tripod audit under mitogen_linear")
    parser.add_argument("--keep", action="store_true", help="leave the containers running afterwards")
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes: {args.sizes!r} is not a comma-separated list of numbers")
    if args.rounds < 1 or args.forks < 1 or args.sizes[0] < 1:
        parser.error("--rounds, --forks and every size must be at least 1")
    return args


def commands(inventory: Path, data_dir: Path, mitogen: dict[str, str] | None) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each measured command with its environment (the repository's ansible.cfg, no fact cache)."""
    # TRIPOD_COLLECTION_DIR: `tripod audit` runs this checkout's playbooks (the collection found through
    # ansible.cfg), so an older commit unpacked elsewhere measures its own playbooks and plugins alike.
    env = tool_env({"ANSIBLE_CACHE_PLUGIN": "memory", "TRIPOD_DATA_DIR": str(data_dir),
                    "TRIPOD_COLLECTION_DIR": str(REPO_ROOT)})
    ansible = [executable("ansible"), "all", "-i", str(inventory), "-o", "-m"]
    found: dict[str, tuple[list[str], dict[str, str]]] = {
        "ping": ([*ansible, "ansible.builtin.ping"], env),
        "setup": ([*ansible, "ansible.builtin.setup"], env),
        "compliance_facts": ([*ansible, "tripod.maintenance.compliance_facts", "-b"], env),
        "audit": ([sys.executable, "-m", "tripod.cli", "audit", "-i", str(inventory)], env),
    }
    if mitogen is not None:
        found["audit_mitogen"] = (found["audit"][0], {**env, **mitogen})
    return found


def timed(command: Sequence[str], env: Mapping[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, env=dict(env), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    # tripod audit exits 1 when a check fails on a host: that is a result, not a broken run.
    if done.returncode not in (0, 1) or "UNREACHABLE" in done.stdout:
        raise SystemExit(f"{' '.join(command[:6])} ... exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def measure(fleet: Fleet, names: list[str], size: int, args: argparse.Namespace, workdir: Path,
            mitogen: dict[str, str] | None) -> dict[str, list[float]]:
    inventory = fleet_lib.write_inventory(
        workdir / f"inventory-{size}.yml", [fleet.node(name) for name in names[:size]],
        {name: ["tier_srp_server"] for name in names[:size]}, {"all": {"tripod_client": "bench"}}, "ssh")
    timings: dict[str, list[float]] = {}
    for index in range(args.rounds):
        todo = commands(inventory, workdir / f"data-{size}", mitogen)
        order = list(todo) if index % 2 == 0 else list(reversed(todo))
        for label in order:
            command, env = todo[label]
            env = {**env, "ANSIBLE_FORKS": str(args.forks)}
            timings.setdefault(label, []).append(timed(command, env))
            print(f"  size {size} round {index + 1}: {label:17} {timings[label][-1]:7.2f} s", flush=True)
    return timings


def summarize(size: int, timings: Mapping[str, list[float]]) -> dict[str, float]:
    median = {label: statistics.median(values) for label, values in timings.items()}
    summary = {f"{label}_s": round(value, 2) for label, value in median.items()}
    summary.update({f"{label}_per_host_s": round(value / size, 3) for label, value in median.items()})
    summary["audit_over_setup"] = round(median["audit"] / median["setup"], 2)
    marginal_setup = median["setup"] - median["ping"]
    if marginal_setup > 0:
        summary["p1_facts_marginal_over_setup_marginal"] = round((median["compliance_facts"] - median["ping"])
                                                                 / marginal_setup, 2)
    if "audit_mitogen" in median:
        summary["mitogen_audit_over_audit"] = round(median["audit_mitogen"] / median["audit"], 2)
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fleet_lib.require_root()
    fleet_lib.export_containers_conf()
    fleet_lib.build_image(args.release)
    mitogen = mitogen_env() if args.mitogen else None
    names = [f"{args.name}-{index:02d}" for index in range(1, max(args.sizes) + 1)]
    results: dict[str, dict[str, float]] = {}
    raw: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="tripod-bench-audit-") as tmp:
        workdir = Path(tmp)
        fleet = Fleet(workdir)
        try:
            print(f"starting {len(names)} Debian {args.release} containers ...", flush=True)
            fleet.up(*names, release=args.release)
            for name in names:  # real pending security updates, as on a server
                fleet_lib.podman("exec", name, "apt-get", "update", "-qq")
            for size in args.sizes:
                raw[str(size)] = measure(fleet, names, size, args, workdir, mitogen)
                results[str(size)] = summarize(size, raw[str(size)])
        finally:
            if not args.keep:
                fleet.down()
    load = os.getloadavg()
    print(f"\nforks {args.forks}, {args.rounds} round(s), medians; load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"{'hosts':>5} {'ping':>7} {'setup':>7} {'facts':>7} {'audit':>7} {'s/host':>7} {'audit/setup':>11} {'P1':>5}"
          + ("  mitogen/plain" if args.mitogen else ""))
    for size, row in results.items():
        line = (f"{size:>5} {row['ping_s']:7.1f} {row['setup_s']:7.1f} {row['compliance_facts_s']:7.1f} "
                f"{row['audit_s']:7.1f} {row['audit_per_host_s']:7.2f} {row['audit_over_setup']:11.2f} "
                f"{row.get('p1_facts_marginal_over_setup_marginal', float('nan')):5.2f}")
        if args.mitogen:
            line += f"  {row['mitogen_audit_over_audit']:13.2f}"
        print(line)
    if args.json:
        args.json.write_text(json.dumps({"summary": results, "raw": raw, "load": load}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
