"""Benchmark: the time of a first enforce and of a second run of `tripod run harden`, and where it goes.

For each tier, a fresh Debian fleet container (minbase, systemd, sshd, the `tripod` management
user; plain: no extra capabilities) is hardened over SSH with playbooks/harden.yml, as
`tripod run harden -e tripod_force_mode=enforce` would, twice. Per run it prints the wall time,
the tasks the host went through (`ok` + `changed` counted once, + `skipped`, from the recap),
the tasks that changed something, and the slowest tasks (Ansible's profile_tasks callback), with
the load average before and after, so that runs on a shared machine can be read for what they are.

    python benchmarks/hardening_enforce_time.py                          # SRP Server
    python benchmarks/hardening_enforce_time.py --tier tier_srp_workstation --release 13
    python benchmarks/hardening_enforce_time.py --max-disruption medium  # the client's opt-in
    python benchmarks/hardening_enforce_time.py --mitogen                # plain, then under Mitogen

Unlike lynis_hardening_index.py it does not install or run Lynis (a minute and more per tier),
so it measures the role alone. Run it from the repository root, as root, after
scripts/setup-host.sh; the container needs the Debian mirror. Not a pytest test.
"""

from __future__ import annotations

import argparse
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

from mitogen_option import mitogen_env  # noqa: E402  (benchmarks/, the script's directory)

TIERS = ("tier_srp_server", "tier_srp_workstation", "tier_scheduled_support")
_RECAP = re.compile(r"(ok|changed|failed|skipped|rescued|ignored)=(\d+)")
# profile_tasks: "Role | Task name ---------- 12.34s"
_PROFILE = re.compile(r"^(?P<task>.+?) -+ (?P<seconds>\d+\.\d+)s$")  # a long name leaves one or two dashes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", choices=tuple(fleet_lib.RELEASES), default="12")
    parser.add_argument("--tier", choices=TIERS, default="tier_srp_server")
    parser.add_argument("--max-disruption", choices=("low", "medium", "high"),
                        help="the client's hardening.max_disruption (default: the tier's)")
    parser.add_argument("--name", default="hardening-time", help="container name (default hardening-time)")
    parser.add_argument("--slowest", type=int, default=8, help="slowest tasks shown per run (default 8)")
    parser.add_argument("--mitogen", action="store_true",
                        help="also harden a second fresh container under Mitogen's mitogen_linear strategy")
    return parser.parse_args(argv)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def recap_counts(output: str, host: str) -> dict[str, int]:
    lines = [line for line in output.splitlines() if line.startswith(host) and "ok=" in line]
    return {key: int(value) for key, value in _RECAP.findall(lines[-1])} if lines else {}


def slowest(output: str, limit: int) -> list[tuple[str, float]]:
    found = []
    for line in output.splitlines():
        match = _PROFILE.match(line.strip())
        if match:
            found.append((match.group("task").strip(), float(match.group("seconds"))))
    return sorted(found, key=lambda item: -item[1])[:limit]


def harden(host: str, inventory: Path, env: dict[str, str]) -> dict[str, Any]:
    started = time.monotonic()
    result = subprocess.run(
        [executable("ansible-playbook"), "-i", str(inventory), "-e", "tripod_force_mode=enforce",
         str(REPO_ROOT / "playbooks" / "harden.yml")],
        cwd=REPO_ROOT, env=tool_env({"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
                                     "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all", **env}),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    seconds = round(time.monotonic() - started, 1)
    if result.returncode != 0:
        raise fleet_lib.FleetError("harden.yml failed:\n" + "\n".join(result.stdout.splitlines()[-60:]))
    counts = recap_counts(result.stdout, host)
    return {"seconds": seconds, "tasks": counts.get("ok", 0) + counts.get("skipped", 0) + counts.get("failed", 0),
            "changed": counts.get("changed", 0), "slowest": slowest(result.stdout, 200)}


def measure(name: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A first enforce and a second run on a fresh container `name`."""
    try:
        fleet_lib.up([name], args.release)
        policy = {"hardening": {"max_disruption": args.max_disruption}} if args.max_disruption else {}
        with tempfile.TemporaryDirectory(prefix="tripod-harden-time-") as tmp:
            inventory = fleet_lib.write_inventory(
                Path(tmp) / "inventory.yml", [fleet_lib.node(name)], groups={name: [args.tier]},
                group_vars={"all": {"tripod_client": "harden-benchmark", "tripod_client_policy": policy}})
            runs = {"first": harden(name, inventory, env)}
            print(f"load average after the first run: {load()}", flush=True)
            runs["second"] = harden(name, inventory, env)
    finally:
        fleet_lib.down([name])
    return runs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fleet_lib.export_containers_conf()
    variants = {"plain": {}, "mitogen": mitogen_env()} if args.mitogen else {"plain": {}}
    print(f"load average at start: {load()}; {args.tier}, Debian {args.release}, plain container", flush=True)
    measured: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        for variant, env in variants.items():
            measured[variant] = measure(f"{args.name}-{variant}" if args.mitogen else args.name, args, env)
    except fleet_lib.FleetError as exc:
        print(f"hardening benchmark: {exc}", file=sys.stderr)
        return 1
    for variant, runs in measured.items():
        for label, run in runs.items():
            print(f"{label} run{' under Mitogen' if variant == 'mitogen' else ''}: {run['seconds']} s, "
                  f"{run['tasks']} tasks, {run['changed']} changed")
            for task, seconds in run["slowest"][:args.slowest]:
                print(f"    {seconds:7.2f} s  {task}")
    if "mitogen" in measured:
        for label in ("first", "second"):
            ratio = measured["mitogen"][label]["seconds"] / measured["plain"][label]["seconds"]
            print(f"{label} run, Mitogen / plain: {ratio:.2f}")
    print(f"load average at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
