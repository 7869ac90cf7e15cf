"""Benchmark: Lynis's hardening index of a Debian container before and after `tripod harden`.

An outside referee for the hardening role. Lynis (Debian's package) audits a fresh Debian fleet
container (minbase, systemd, sshd), then Tripod's playbooks/harden.yml enforces the catalog at
server level over SSH, as a user would run it, then Lynis audits again. Both indexes, the
difference and the Lynis tests still losing points are printed (and written with --json).

    python benchmarks/lynis_hardening_index.py                  # Debian 12, network namespace writable
    python benchmarks/lynis_hardening_index.py --plain          # a plain container (read-only /proc/sys)
    python benchmarks/lynis_hardening_index.py --release 13 --json /tmp/lynis.json

By default the container gets CAP_NET_ADMIN and a writable /proc/sys/net of its own network
namespace (tests/integration/hardening_fleet.py), so the network parameters, which belong to
the container, can be hardened; the kernel's parameters stay the host's and read-only, and the
catalog reports them not applicable, as it does for mounts, kernel modules and auditd. Both
audits run in the same container, so the difference is the role's doing. `--plain` measures a
container without those two (Lynis baseline as in docs/hardening.md).

Run it from the repository root, as root, after scripts/setup-host.sh; the container needs the
Debian mirror (apt-get install lynis). This is not a pytest test; it takes minutes.
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

_TEST = re.compile(r"Performing test ID (\S+)")
_PARTIAL = re.compile(r"Hardening: assigned partial number of hardening points \((\d+) of (\d+)\)")
_FULL = re.compile(r"Hardening: assigned maximum number of hardening points for this item \((\d+)\)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", choices=tuple(fleet_lib.RELEASES), default="12")
    parser.add_argument("--name", default="hardening-lynis", help="container name (default hardening-lynis)")
    parser.add_argument("--plain", action="store_true", help="no CAP_NET_ADMIN, read-only /proc/sys/net")
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


def harden(name: str, workdir: Path) -> dict[str, Any]:
    """Run playbooks/harden.yml at server level over SSH, as `tripod run harden` would."""
    node = fleet_lib.node(name)
    inventory = fleet_lib.write_inventory(workdir / "inventory.yml", [node], groups={name: ["tier_srp_server"]},
                                          group_vars={"all": {"tripod_client": "lynis-benchmark"}})
    started = time.monotonic()
    result = subprocess.run(
        [executable("ansible-playbook"), "-i", str(inventory), str(REPO_ROOT / "playbooks" / "harden.yml")],
        cwd=REPO_ROOT, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    recap = [line for line in result.stdout.splitlines() if line.startswith(name) and "ok=" in line]
    if result.returncode != 0:
        raise fleet_lib.FleetError("harden.yml failed:\n" + "\n".join(result.stdout.splitlines()[-60:]))
    return {"seconds": round(time.monotonic() - started, 1), "recap": recap[-1].strip() if recap else ""}


def losing(tests: dict[str, list[int]], limit: int = 15) -> list[str]:
    lost = sorted(((p - e, t) for t, (e, p) in tests.items() if e < p), reverse=True)
    return [f"{test} -{missing}" for missing, test in lost[:limit]]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fleet_lib.export_containers_conf()
    podman_args = () if args.plain else NETWORK_ADMIN_ARGS
    results: dict[str, Any] = {"release": args.release, "network_namespace_writable": not args.plain}
    try:
        fleet_lib.up([args.name], args.release, podman_args)
        if not args.plain:
            open_network_sysctls(args.name)
        fleet_lib.podman("exec", args.name, "sh", "-c",
                         "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lynis")
        results["lynis_version"] = fleet_lib.podman("exec", args.name, "lynis", "--version").stdout.strip()
        results["before"] = lynis(args.name)
        print(f"before: hardening index {results['before']['index']}", flush=True)
        with tempfile.TemporaryDirectory(prefix="tripod-lynis-") as tmp:
            results["harden"] = harden(args.name, Path(tmp))
        print(f"harden: {results['harden']['recap']} ({results['harden']['seconds']} s)", flush=True)
        results["after"] = lynis(args.name)
        print(f"after:  hardening index {results['after']['index']}", flush=True)
    except fleet_lib.FleetError as exc:
        print(f"lynis benchmark: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            fleet_lib.down([args.name])
    before, after = results["before"]["index"], results["after"]["index"]
    results["delta"] = after - before if before is not None and after is not None else None
    print(f"Lynis hardening index {before} -> {after} ({results['delta']:+d})")
    print("tests still losing points after: " + ", ".join(losing(results["after"]["tests"])))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if after is not None and after >= 80 else 2


if __name__ == "__main__":
    sys.exit(main())
