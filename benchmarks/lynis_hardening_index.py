"""Benchmark: Lynis's hardening index per tier before and after `tripod run harden`, and its time.

An outside referee for the hardening role. For each tier, a fresh Debian fleet container
(minbase, systemd, sshd, the `tripod` management user) is prepared as an auditor would
(`apt-get update`, Lynis from Debian's archive), Lynis audits it (`lynis audit system --quick`),
Tripod's playbooks/harden.yml runs over SSH as `tripod run harden` would, twice, and Lynis audits
again. Per tier it prints the index before and after, the first enforce and the second run
(seconds, tasks run, tasks changed), whether any systemd unit failed and whether a compiler
appeared, and the Lynis tests still losing points (--json writes everything).

    python benchmarks/lynis_hardening_index.py                           # every tier, plain containers
    python benchmarks/lynis_hardening_index.py --tier tier_srp_server    # one tier
    python benchmarks/lynis_hardening_index.py --net-admin               # CAP_NET_ADMIN, writable /proc/sys/net
    python benchmarks/lynis_hardening_index.py --max-disruption medium   # the client's opt-in to medium controls
    python benchmarks/lynis_hardening_index.py --max-disruption medium --ssh-allow-groups sudo  # and an SSH allow list

The policy decides what a run enforces: SRP Server enforces its low-disruption baseline, the
other tiers audit. So that each tier is hardened, the runs pass `-e tripod_force_mode=enforce`
(the recorded override an engineer uses), and `--max-disruption` sets the client's
`hardening.max_disruption` (default: the tier's). By default the containers are plain (no extra
capabilities, read-only /proc/sys): network parameters and the firewall are then not applicable.
`--net-admin` gives CAP_NET_ADMIN and the container's own /proc/sys/net read-write
(tests/integration/hardening_fleet.py).

Run it from the repository root, as root, after scripts/setup-host.sh; the containers need the
Debian mirror. This is not a pytest test; it takes minutes per tier.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.fleet import fleet as fleet_lib  # noqa: E402
from tests.fleet.harness import executable, tool_env  # noqa: E402
from tests.integration.hardening_fleet import NETWORK_ADMIN_ARGS, open_network_sysctls  # noqa: E402

TIERS = ("tier_srp_server", "tier_srp_workstation", "tier_scheduled_support")
# The timers hardening may add (their services are started as a day of real life would).
TIMER_UNITS = ("tripod-rootkit-scan", "chkrootkit", "dailyaidecheck", "sysstat-collect", "sysstat-summary",
               "apt-show-versions", "logrotate")
_RECAP = re.compile(r"(ok|changed|failed|skipped|rescued|ignored)=(\d+)")
_TEST = re.compile(r"Performing test ID (\S+)")
_PARTIAL = re.compile(r"Hardening: assigned partial number of hardening points \((\d+) of (\d+)\)")
_FULL = re.compile(r"Hardening: assigned maximum number of hardening points for this item \((\d+)\)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", choices=tuple(fleet_lib.RELEASES), default="12")
    parser.add_argument("--name", default="hardening-lynis", help="container name prefix (default hardening-lynis)")
    parser.add_argument("--tier", action="append", choices=TIERS, help="tier to measure (repeatable; default all)")
    parser.add_argument("--net-admin", action="store_true", help="CAP_NET_ADMIN and a writable /proc/sys/net")
    parser.add_argument("--max-disruption", choices=("low", "medium", "high"),
                        help="the client's hardening.max_disruption (default: the tier's)")
    parser.add_argument("--ssh-allow-groups", nargs="+", metavar="GROUP",
                        help="the client's hardening.ssh_allow_groups (TRP-SSH-020, medium; Tripod keeps the "
                             "management user's group in the list)")
    parser.add_argument("--keep", action="store_true", help="leave the container running afterwards")
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args(argv)


def lynis(name: str) -> dict[str, Any]:
    """Run `lynis audit system --quick` in the container; the index and the points per test."""
    started = time.monotonic()
    fleet_lib.podman("exec", name, "lynis", "audit", "system", "--quick", "--no-colors")
    report = fleet_lib.podman("exec", name, "cat", "/var/log/lynis-report.dat").stdout
    index = re.search(r"^hardening_index=(\d+)$", report, re.M)
    log = fleet_lib.podman("exec", name, "cat", "/var/log/lynis.log").stdout
    return {"index": int(index.group(1)) if index else None, "tests": points(log),
            "seconds": round(time.monotonic() - started, 1)}


def points(log: str) -> dict[str, list[int]]:
    """Lynis test id -> [points earned, points possible], from lynis.log."""
    tests: dict[str, list[int]] = {}
    current = "?"
    for line in log.splitlines():
        match = _TEST.search(line)
        if match:
            current = match.group(1)
            continue
        partial, full = _PARTIAL.search(line), _FULL.search(line)
        if partial or full:
            earned, possible = (int(partial.group(1)), int(partial.group(2))) if partial else (int(full.group(1)),) * 2
            entry = tests.setdefault(current, [0, 0])
            entry[0] += earned
            entry[1] += possible
    return tests


def harden(name: str, inventory: Path) -> dict[str, Any]:
    """Run playbooks/harden.yml over SSH with the explicit override, as `tripod run harden -e ...` would."""
    started = time.monotonic()
    result = subprocess.run(
        [executable("ansible-playbook"), "-i", str(inventory), "-e", "tripod_force_mode=enforce",
         str(REPO_ROOT / "playbooks" / "harden.yml")],
        cwd=REPO_ROOT, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    recap = [line for line in result.stdout.splitlines() if line.startswith(name) and "ok=" in line]
    if result.returncode != 0:
        raise fleet_lib.FleetError("harden.yml failed:\n" + "\n".join(result.stdout.splitlines()[-60:]))
    counts = {key: int(value) for key, value in _RECAP.findall(recap[-1])} if recap else {}
    return {"seconds": round(time.monotonic() - started, 1), "recap": recap[-1].strip() if recap else "",
            "tasks": counts.get("ok", 0) + counts.get("skipped", 0) + counts.get("failed", 0),
            "changed": counts.get("changed", 0)}


def host_state(name: str) -> dict[str, Any]:
    """After the timers hardening added have run once: failed units and compilers, by the host's own tools."""
    for unit in TIMER_UNITS:
        # the enabled timers' services, and Debian's chkrootkit-daily by hand (Tripod turns its timer off)
        started_by = "true" if unit == "chkrootkit" else f"systemctl is-enabled --quiet {unit}.timer"
        fleet_lib.podman("exec", name, "sh", "-c",
                         f"systemctl cat {unit}.service >/dev/null 2>&1 && {started_by} && systemctl start {unit}.service",
                         check=False)
    state = fleet_lib.podman("exec", name, "systemctl", "is-system-running", check=False).stdout.strip()
    failed = fleet_lib.podman("exec", name, "systemctl", "--failed", "--no-legend", "--plain", check=False).stdout
    compilers = fleet_lib.podman("exec", name, "sh", "-c", "command -v as ld gcc cc", check=False).stdout.split()
    return {"system": state, "failed_units": [line.split()[0] for line in failed.splitlines() if line.strip()],
            "compilers": compilers}


def losing(tests: dict[str, list[int]], limit: int = 15) -> list[str]:
    lost = sorted(((p - e, t) for t, (e, p) in tests.items() if e < p), reverse=True)
    return [f"{test} -{missing}" for missing, test in lost[:limit]]


def measure(tier: str, args: argparse.Namespace) -> dict[str, Any]:
    name = f"{args.name}-{tier.removeprefix('tier_').replace('_', '-')}"
    results: dict[str, Any] = {"tier": tier, "release": args.release, "network_namespace_writable": args.net_admin}
    try:
        fleet_lib.up([name], args.release, NETWORK_ADMIN_ARGS if args.net_admin else ())
        if args.net_admin:
            open_network_sysctls(name)
        fleet_lib.podman("exec", name, "sh", "-c",
                         "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lynis")
        results["lynis_version"] = fleet_lib.podman("exec", name, "lynis", "--version").stdout.strip()
        results["before"] = lynis(name)
        hardening: dict[str, Any] = {"max_disruption": args.max_disruption} if args.max_disruption else {}
        if args.ssh_allow_groups:
            hardening["ssh_allow_groups"] = list(args.ssh_allow_groups)
        policy = {"hardening": hardening} if hardening else {}
        with tempfile.TemporaryDirectory(prefix="tripod-lynis-") as tmp:
            inventory = fleet_lib.write_inventory(
                Path(tmp) / "inventory.yml", [fleet_lib.node(name)], groups={name: [tier]},
                group_vars={"all": {"tripod_client": "lynis-benchmark", "tripod_client_policy": policy}})
            results["first"] = harden(name, inventory)
            results["second"] = harden(name, inventory)
            results["host"] = host_state(name)
            results["after_timers"] = harden(name, inventory)
        fleet_lib.podman("exec", name, "apt-get", "update", "-qq")
        results["after"] = lynis(name)
    finally:
        if not args.keep:
            fleet_lib.down([name])
    before, after = results["before"]["index"], results["after"]["index"]
    results["delta"] = after - before if before is not None and after is not None else None
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fleet_lib.export_containers_conf()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load average at start: {' '.join(load)}; containers: {'CAP_NET_ADMIN' if args.net_admin else 'plain'}",
          flush=True)
    rows, ok = [], True
    for tier in args.tier or TIERS:
        try:
            result = measure(tier, args)
        except fleet_lib.FleetError as exc:
            print(f"lynis benchmark: {tier}: {exc}", file=sys.stderr)
            return 1
        rows.append(result)
        first, second, again, host = result["first"], result["second"], result["after_timers"], result["host"]
        print(f"{tier}: Lynis {result['before']['index']} -> {result['after']['index']}; "
              f"first enforce {first['seconds']} s, {first['tasks']} tasks, {first['changed']} changed; "
              f"second {second['seconds']} s, {second['tasks']} tasks, {second['changed']} changed; "
              f"after the timers ran: {host['system']}, failed units {host['failed_units'] or 'none'}, "
              f"compilers {host['compilers'] or 'none'}, {again['changed']} changed", flush=True)
        print("  still losing points: " + ", ".join(losing(result["after"]["tests"])), flush=True)
        goal = 85 if tier == "tier_srp_server" else 80
        ok = ok and (result["after"]["index"] or 0) >= goal and second["changed"] == 0 and again["changed"] == 0 \
            and host["system"] == "running" and not host["compilers"]
    print(f"load average at end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
