"""Benchmark: tripod.maintenance.compliance_facts against ansible.builtin.setup on a Debian container.

Both modules, and `ping` as the floor, run on the same host, over the same SSH connection (the
repository's ansible.cfg: pipelining, ControlPersist) with become, in ONE ansible-playbook run,
interleaved: round i runs ping, setup, compliance_facts, round i+1 the other way round, so that
warm-up, caches and background load hit all alike. P1 is the facts module's marginal cost over
ping divided by setup's (goal: at most 0.5). Each task's wall time comes from the JSON callback (task start
to end, as Ansible sees it: connection, transfer, execution, result); the module's own run time
on the target is its `duration_seconds`.

    python benchmarks/facts_vs_setup.py                      # starts a Debian 12 fleet container
    python benchmarks/facts_vs_setup.py --rounds 20 --release 13
    python benchmarks/facts_vs_setup.py --inventory hosts.yml --host web1   # an existing host

Run it from the repository root, as root (the container fleet needs rootful podman; see
tests/fleet/fleet.py). By default the container first runs `apt-get update`, so that real
security updates are pending, as on a real server. This is not a pytest test: timings depend on
the machine and are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of (ping, setup, compliance_facts); default 10")
    parser.add_argument("--release", choices=("12", "13"), default="12", help="Debian release of the container")
    parser.add_argument("--name", default="tripod-bench-facts", help="container name (default tripod-bench-facts)")
    parser.add_argument("--keep", action="store_true", help="leave the container running afterwards")
    parser.add_argument("--no-apt-update", action="store_true", help="do not run apt-get update in the container first")
    parser.add_argument("--inventory", type=Path, help="use this inventory instead of starting a container")
    parser.add_argument("--host", help="the inventory host to benchmark (with --inventory)")
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.inventory and not args.host:
        parser.error("--inventory needs --host")
    return args


def playbook(rounds: int, host: str) -> str:
    tasks = [
        "    - name: warm-up (connection, become, interpreter)\n      ansible.builtin.ping:\n",
    ]
    for index in range(rounds):
        trio = [("ping", "ansible.builtin.ping:\n"), ("setup", "ansible.builtin.setup:\n"),
                ("compliance_facts", "tripod.maintenance.compliance_facts:\n")]
        if index % 2:
            trio.reverse()
        for label, module in trio:
            tasks.append(f"    - name: bench {index} {label}\n      {module}")
    return (
        f"- name: compliance_facts vs setup\n  hosts: {host}\n  gather_facts: false\n  tasks:\n" + "".join(tasks)
    )


def seconds(duration: dict) -> float:
    """A JSON-callback task duration {start, end} (ISO 8601, UTC) in seconds."""
    start = datetime.fromisoformat(duration["start"].rstrip("Z"))
    end = datetime.fromisoformat(duration["end"].rstrip("Z"))
    return (end - start).total_seconds()


def ansible_playbook(inventory: Path, book: Path, **extra_env: str) -> dict:
    """Run a playbook with the repository's ansible.cfg and the JSON callback; return its output."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_CACHE_PLUGIN": "memory",  # don't write setup's facts to the fact cache
        "ANSIBLE_NOCOLOR": "1",
    })
    env.update(extra_env)
    executable = Path(sys.executable).parent / "ansible-playbook"
    command = [str(executable if executable.exists() else "ansible-playbook"), "-i", str(inventory), str(book)]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"ansible-playbook failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout[result.stdout.index("{"):])


def run_benchmark(inventory: Path, host: str, rounds: int, workdir: Path) -> dict:
    book = workdir / "bench.yml"
    book.write_text(playbook(rounds, host), encoding="utf-8")
    output = ansible_playbook(inventory, book)
    timings: dict[str, list[float]] = {"ping": [], "setup": [], "compliance_facts": [], "module_duration": []}
    for task in output["plays"][0]["tasks"]:
        name = task["task"]["name"]
        if not name.startswith("bench "):
            continue
        label = name.split()[-1]
        timings[label].append(seconds(task["task"]["duration"]))
        if label == "compliance_facts":
            (host_result,) = task["hosts"].values()
            facts = host_result["ansible_facts"]["tripod_compliance"]
            timings["module_duration"].append(facts["duration_seconds"])
            timings.setdefault("errors", []).append(facts["errors"])
    return timings


# Runs inside the container as root: the AnsiballZ payloads, interleaved, timed around each process:
# wall time, and CPU time (user + system of the payload and every command it runs).
TARGET_TIMER = """
import json, resource, subprocess, sys, time
wrappers = json.loads(sys.argv[1])
rounds = int(sys.argv[2])
out = {label: [] for label in wrappers}
out.update({label + "_cpu": [] for label in wrappers})
def cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
for index in range(rounds):
    order = sorted(wrappers) if index % 2 else sorted(wrappers, reverse=True)
    for label in order:
        start, used = time.perf_counter(), cpu()
        done = subprocess.run([sys.executable, wrappers[label]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out[label].append(time.perf_counter() - start)
        out[label + "_cpu"].append(cpu() - used)
        if done.returncode != 0:
            sys.exit("%s exited %s" % (label, done.returncode))
print(json.dumps(out))
"""


def run_target_side(lib, name: str, inventory: Path, host: str, rounds: int, workdir: Path) -> dict:
    """The modules' cost on the target alone, without Ansible's controller and SSH overhead.

    One non-pipelined run with ANSIBLE_KEEP_REMOTE_FILES leaves each module's self-contained
    AnsiballZ payload (module, module_utils and arguments) on the host; the container then runs the
    two payloads with its python3, interleaved, and times each process (interpreter start, imports,
    the module's work, JSON output).
    """
    book = workdir / "keep.yml"
    book.write_text(
        f"- name: keep the payloads\n  hosts: {host}\n  gather_facts: false\n  tasks:\n"
        "    - name: ping\n      ansible.builtin.ping:\n"
        "    - name: setup\n      ansible.builtin.setup:\n"
        "    - name: compliance_facts\n      tripod.maintenance.compliance_facts:\n",
        encoding="utf-8",
    )
    lib.podman("exec", name, "sh", "-c", "rm -rf /home/*/.ansible/tmp /root/.ansible/tmp")
    ansible_playbook(inventory, book, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_PIPELINING="0")
    found = lib.podman("exec", name, "sh", "-c", "find /home /root -path '*/.ansible/tmp/*' -name 'AnsiballZ_*.py'").stdout.split()
    wrappers = {}
    for path in found:
        label = Path(path).stem[len("AnsiballZ_"):]
        if label in ("ping", "setup", "compliance_facts"):
            wrappers[label] = path
    if set(wrappers) != {"ping", "setup", "compliance_facts"}:
        raise SystemExit(f"could not find the three kept payloads on the target: {found}")
    result = lib.podman("exec", name, "python3", "-c", TARGET_TIMER, json.dumps(wrappers), str(rounds))
    return json.loads(result.stdout)


def p1(ping: float, setup: float, facts: float) -> float:
    """The facts module's marginal cost over ping, divided by setup's (the issue's P1; goal at most 0.5)."""
    return (facts - ping) / (setup - ping) if setup > ping else float("nan")


def report(timings: dict, rounds: int, target: str) -> dict:
    ping = statistics.median(timings["ping"])
    setup = statistics.median(timings["setup"])
    facts = statistics.median(timings["compliance_facts"])
    module = statistics.median(timings["module_duration"])
    summary = {
        "target": target,
        "rounds": rounds,
        "setup_median_s": round(setup, 3),
        "compliance_facts_median_s": round(facts, 3),
        "ratio_compliance_over_setup": round(facts / setup, 3),
        "ping_median_s": round(ping, 3),
        "p1": round(p1(ping, setup, facts), 3),
        "compliance_facts_target_side_median_s": round(module, 3),
        "controller": f"{platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at the end",
    }
    print(f"target: {target}, {rounds} interleaved rounds, per-task wall time as Ansible sees it")
    print(f"  ansible.builtin.ping                    median {ping:6.3f} s")
    print(f"  ansible.builtin.setup (default subset)  median {setup:6.3f} s   "
          f"(min {min(timings['setup']):.3f}, max {max(timings['setup']):.3f})")
    print(f"  tripod.maintenance.compliance_facts     median {facts:6.3f} s   "
          f"(min {min(timings['compliance_facts']):.3f}, max {max(timings['compliance_facts']):.3f})")
    print(f"  ratio compliance_facts / setup          {facts / setup:6.3f}")
    print(f"  P1 (facts - ping) / (setup - ping)      {p1(ping, setup, facts):6.3f}")
    print(f"  compliance_facts on the target (duration_seconds) median {module:.3f} s")
    errors = [e for run in timings.get("errors", []) for e in run]
    if errors:
        print(f"  probe errors seen: {errors[:3]}")
    direct = timings.get("target_side")
    if direct:
        med = {label: statistics.median(values) for label, values in direct.items()}
        summary.update({
            "target_side_setup_median_s": round(med["setup"], 3),
            "target_side_compliance_facts_median_s": round(med["compliance_facts"], 3),
            "target_side_ratio": round(med["compliance_facts"] / med["setup"], 3),
            "target_side_ping_median_s": round(med["ping"], 3),
            "target_side_p1": round(p1(med["ping"], med["setup"], med["compliance_facts"]), 3),
            "target_side_cpu_median_s": {label: round(med[label + "_cpu"], 3) for label in ("ping", "setup", "compliance_facts")},
            "target_side_cpu_p1": round(p1(med["ping_cpu"], med["setup_cpu"], med["compliance_facts_cpu"]), 3),
        })
        print("on the target alone (each AnsiballZ payload run by the container's python3, interleaved; wall / CPU):")
        for label, name in (("ping", "ansible.builtin.ping"), ("setup", "ansible.builtin.setup"),
                            ("compliance_facts", "tripod.maintenance.compliance_facts")):
            print(f"  {name:38}  median {med[label]:6.3f} s / {med[label + '_cpu']:6.3f} s")
        print(f"  ratio compliance_facts / setup          {summary['target_side_ratio']:6.3f}")
        print(f"  P1 wall / CPU                           {summary['target_side_p1']:6.3f} / {summary['target_side_cpu_p1']:.3f}")
    print(f"  controller: {summary['controller']}")
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from tests.fleet import fleet as lib  # the container fleet (podman, Debian images built locally)

    lib.export_containers_conf()
    with tempfile.TemporaryDirectory(prefix="tripod-bench-facts-") as tmp:
        workdir = Path(tmp)
        started = False
        try:
            if args.inventory:
                inventory, host, target = args.inventory, args.host, args.host
            else:
                node = lib.up([args.name], args.release)[0]
                started = True
                if not args.no_apt_update:
                    lib.podman("exec", args.name, "apt-get", "update", "-qq")
                inventory = lib.write_inventory(workdir / "inventory.yml", [node])
                host, target = args.name, f"Debian {args.release} container ({lib.image_name(args.release)}), SSH + become"
            timings = run_benchmark(inventory, host, args.rounds, workdir)
            if started:
                timings["target_side"] = run_target_side(lib, args.name, inventory, host, args.rounds, workdir)
            summary = report(timings, args.rounds, target)
            if args.json:
                args.json.write_text(json.dumps({"summary": summary, "timings": timings}, indent=2) + "\n")
        finally:
            if started and not args.keep:
                lib.down([args.name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
