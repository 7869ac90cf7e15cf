"""How much the evidence callback (tripod.maintenance.evidence) adds to a run.

Runs the same playbook with the callback on and off, interleaved (on/off, then off/on, ...)
so that drift in machine load hits both sides alike, and prints the medians and the
overhead, of wall time, of CPU time (ansible-playbook and its workers, user + system;
steadier than wall time on a busy machine), and of the controller process's own CPU time
(where callbacks run; the steadiest figure). Target: < 5 %.

The playbook has 30 cheap tasks per host: the policy facts, a compliance facts snapshot,
12 emits (5 findings and 1 action each), 8 set_fact, 4 debug and 4 ping (a real module
round trip). It runs on 10 local-connection host aliases of this machine, or, with
--fleet, on 10 containers of the test fleet (tests/fleet; root and podman needed).

    python benchmarks/callback_overhead.py                      # 10 local hosts, 7 rounds
    python benchmarks/callback_overhead.py --rounds 11 --hosts 10 --forks 10
    python benchmarks/callback_overhead.py --fleet              # 10 Debian 12 containers
    python benchmarks/callback_overhead.py --inventory my.yml   # any inventory you have

Run it from anywhere; it uses the checkout it lives in and the Python that runs it
(ansible-playbook is taken from that Python's bin directory). Nothing outside a temporary
directory is written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CALLBACK = "tripod.maintenance.evidence"
EMITS = 12
FINDINGS_PER_EMIT = 5


def playbook() -> str:
    """30 tasks per host; emits make 60 findings and 12 actions per host."""
    tasks: list[str] = [
        """
    - name: Policy facts (stand-in for resolve_policy)
      ansible.builtin.set_fact:
        tripod_client: bench
        tripod_tier: tier_srp_server""",
        """
    - name: Compliance facts snapshot (stand-in for compliance_facts)
      ansible.builtin.set_fact:
        tripod_compliance:
          schema_version: 1
          collected_at: "2026-11-27T23:05:00Z"
          os_family: linux
          capacity: {filesystems: [{mount: /, used_percent: 42.0}]}
          errors: []""",
    ]
    for emit in range(EMITS):
        findings = "".join(f"""
          - area: hardening
            check_id: TRP-B{emit:02d}-{check:03d}
            title: Benchmark check {emit}.{check}
            severity: medium
            status: "{{{{ 'pass' if {check} % 3 else 'fail' }}}}"
            evidence: value {check}
            remediation: none needed""" for check in range(FINDINGS_PER_EMIT))
        tasks.append(f"""
    - name: Emit {emit}
      tripod.maintenance.emit:
        findings:{findings}
        actions:
          - area: housekeeping
            kind: space_reclaimed
            detail: /var/tmp/bench{emit}
            bytes: 1024
            changed: false""")
    for index in range(8):
        tasks.append(f"""
    - name: Set fact {index}
      ansible.builtin.set_fact:
        bench_{index}: "{{{{ inventory_hostname }}}}-{index}\"""")
    for index in range(4):
        tasks.append(f"""
    - name: Debug {index}
      ansible.builtin.debug:
        msg: "{{{{ bench_{index} }}}}"
        verbosity: 1""")
    for index in range(4):
        tasks.append(f"""
    - name: Ping {index}
      ansible.builtin.ping:""")
    assert len(tasks) == 30, len(tasks)
    return "---\n- name: Callback overhead benchmark\n  hosts: all\n  gather_facts: false\n  tasks:" + "".join(tasks) + "\n"


def local_inventory(hosts: int) -> str:
    lines = ["all:", "  vars:", "    ansible_connection: local", f"    ansible_python_interpreter: {sys.executable}",
             "  hosts:"]
    lines += [f"    bench{index:02d}:" for index in range(1, hosts + 1)]
    return "\n".join(lines) + "\n"


@contextmanager
def fleet_inventory(workdir: Path, hosts: int) -> Iterator[Path]:
    """Start `hosts` containers of the test fleet, yield their inventory, remove them."""
    sys.path.insert(0, str(REPO))
    from tests.fleet import fleet  # noqa: PLC0415 - optional, needs root and podman

    reason = fleet.fleet_available()
    if reason:
        raise SystemExit(f"--fleet: {reason}")
    fleet.export_containers_conf()
    names = [f"tripod-bench{index:02d}" for index in range(1, hosts + 1)]
    nodes = fleet.up(names)
    try:
        yield fleet.write_inventory(workdir / "fleet.yml", nodes)
    finally:
        fleet.down(names)


# ansible-playbook, run in-process so that the controller process can report its own CPU time
# at exit: callbacks run in that process (the workers are forks and exit with os._exit).
CONTROLLER = """
import atexit, os, resource, sys

main_pid = os.getpid()


def report():
    if os.getpid() == main_pid:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open(os.environ["TRIPOD_BENCH_CPU_FILE"], "w", encoding="utf-8") as handle:
            handle.write(str(usage.ru_utime + usage.ru_stime))


atexit.register(report)
sys.argv[0] = "ansible-playbook"
from ansible.cli.playbook import main
sys.exit(main())
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(workdir: Path, inventory: Path, forks: int, callback: bool, db: Path) -> tuple[float, float, float]:
    """Wall time, CPU time (ansible-playbook and its workers, user + system) and the CPU time
    of the controller process alone, of one run."""
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(workdir / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"),
        "TRIPOD_EVIDENCE_DB": str(db),
        "TRIPOD_BENCH_CPU_FILE": str(workdir / "controller-cpu"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("TRIPOD_RUN_ID", None)
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    if callback:
        env["ANSIBLE_CALLBACKS_ENABLED"] = CALLBACK
    command = [sys.executable, "-c", CONTROLLER, "-i", str(inventory), "-f", str(forks), str(workdir / "bench.yml")]
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"ansible-playbook failed ({done.returncode}): {done.stderr[-2000:]}")
    controller = float((workdir / "controller-cpu").read_text(encoding="utf-8"))
    return elapsed, cpu, controller


def recorded(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
                for table in ("runs", "run_hosts", "findings", "actions", "fact_snapshots")}


def measure(workdir: Path, inventory: Path, hosts: int, rounds: int, forks: int) -> dict[str, Any]:
    db = workdir / "evidence.sqlite"
    # Warm-up (page cache, .pyc files, the database's creation): not counted.
    run_once(workdir, inventory, forks, False, db)
    run_once(workdir, inventory, forks, True, db)
    times: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    controller: dict[str, list[float]] = {"on": [], "off": []}
    for index in range(rounds):
        order = (True, False) if index % 2 == 0 else (False, True)
        for callback in order:
            side = "on" if callback else "off"
            elapsed, used, own = run_once(workdir, inventory, forks, callback, db)
            times[side].append(elapsed)
            cpu[side].append(used)
            controller[side].append(own)
            print(f"  round {index + 1}/{rounds} callback {side:3} {elapsed:7.3f} s wall {used:7.3f} s CPU "
                  f"{own:7.3f} s controller CPU", flush=True)
    counts = recorded(db)
    expected_findings = (rounds + 1) * hosts * EMITS * FINDINGS_PER_EMIT
    if counts["findings"] != expected_findings or counts["runs"] != rounds + 1:
        raise SystemExit(f"the callback did not record what it should: {counts}, expected {expected_findings} findings")
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    cpu_on, cpu_off = statistics.median(cpu["on"]), statistics.median(cpu["off"])
    own_on, own_off = statistics.median(controller["on"]), statistics.median(controller["off"])
    return {
        "hosts": hosts, "tasks_per_host": 30, "rounds": rounds, "forks": forks,
        "median_on_s": round(on, 3), "median_off_s": round(off, 3),
        "overhead_percent": round((on - off) / off * 100, 2),
        "paired_median_difference_s": round(statistics.median(a - b for a, b in zip(times["on"], times["off"])), 3),
        "cpu_median_on_s": round(cpu_on, 3), "cpu_median_off_s": round(cpu_off, 3),
        "cpu_overhead_percent": round((cpu_on - cpu_off) / cpu_off * 100, 2),
        "cpu_per_host_task_ms": round((cpu_on - cpu_off) / (hosts * 30) * 1000, 3),
        "controller_cpu_median_on_s": round(own_on, 3), "controller_cpu_median_off_s": round(own_off, 3),
        "controller_cpu_per_host_task_ms": round((own_on - own_off) / (hosts * 30) * 1000, 3),
        # The callback runs in the controller process, Ansible's usual bottleneck: its extra CPU
        # time there, relative to the run's wall time, estimates the overhead on an idle machine.
        "controller_estimate_percent": round((own_on - own_off) / off * 100, 2),
        "times": {key: [round(t, 3) for t in values] for key, values in times.items()},
        "cpu": {key: [round(t, 3) for t in values] for key, values in cpu.items()},
        "controller_cpu": {key: [round(t, 3) for t in values] for key, values in controller.items()},
        "recorded": counts,
        "database_bytes": db.stat().st_size + sum(p.stat().st_size for p in workdir.glob("evidence.sqlite-*")),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="measured runs per side (default 7)")
    parser.add_argument("--hosts", type=int, default=10, help="hosts (default 10)")
    parser.add_argument("--forks", type=int, default=10, help="ansible forks (default 10)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--fleet", action="store_true", help="run on containers of the test fleet (root, podman)")
    where.add_argument("--inventory", type=Path, help="run on this inventory instead of local host aliases")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="tripod-bench-"))
    try:
        (workdir / "bench.yml").write_text(playbook(), encoding="utf-8")
        (workdir / "ansible.cfg").write_text(
            "[defaults]\ngathering = explicit\nretry_files_enabled = False\nhost_key_checking = False\n"
            "[ssh_connection]\npipelining = True\n", encoding="utf-8")
        if args.fleet:
            with fleet_inventory(workdir, args.hosts) as inventory:
                result = measure(workdir, inventory, args.hosts, args.rounds, args.forks)
            result["target"] = "fleet containers (ssh)"
        else:
            inventory = args.inventory or workdir / "hosts.yml"
            if args.inventory is None:
                inventory.write_text(local_inventory(args.hosts), encoding="utf-8")
            result = measure(workdir, inventory.resolve(), args.hosts, args.rounds, args.forks)
            result["target"] = "inventory " + str(args.inventory) if args.inventory else "local host aliases"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    from ansible import __version__ as ansible_core  # noqa: PLC0415

    result.update(python=platform.python_version(), ansible_core=ansible_core, cpus=os.cpu_count(),
                  machine=platform.machine())
    print()
    print(f"{result['target']}: {result['hosts']} hosts x {result['tasks_per_host']} tasks, forks {result['forks']}, "
          f"{result['rounds']} rounds interleaved (ansible-core {ansible_core}, Python {result['python']}, "
          f"{result['cpus']} CPUs)")
    print(f"  wall  callback off median {result['median_off_s']:.3f} s, on {result['median_on_s']:.3f} s: "
          f"overhead {result['overhead_percent']:+.2f} % (paired median {result['paired_median_difference_s']:+.3f} s)")
    print(f"  CPU   callback off median {result['cpu_median_off_s']:.3f} s, on {result['cpu_median_on_s']:.3f} s: "
          f"overhead {result['cpu_overhead_percent']:+.2f} % ({result['cpu_per_host_task_ms']:+.3f} ms per host-task)")
    print(f"  controller process CPU off median {result['controller_cpu_median_off_s']:.3f} s, "
          f"on {result['controller_cpu_median_on_s']:.3f} s: {result['controller_cpu_per_host_task_ms']:+.3f} ms per "
          f"host-task, {result['controller_estimate_percent']:+.2f} % of the run's wall time")
    print("  target: overhead < 5 %")
    print(f"  recorded      {result['recorded']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
