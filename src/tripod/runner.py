"""Run Tripod playbooks through ansible-runner's Python API.

`run_playbook()` is the one entry point: it prepares the environment (configuration,
data dir, evidence recorder), starts ansible-runner, streams its events to an observer
and returns one `HostOutcome` per host.
"""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

from tripod.errors import InputError
from tripod.paths import collection_root, data_dir
from tripod.store.records import host_status

EVIDENCE_CALLBACK = "tripod.maintenance.evidence"


@dataclass
class RunRequest:
    """What to run, as an engineer would give it to ansible-playbook."""

    playbook: str
    inventories: list[str]
    limit: str | None = None
    check: bool = False
    diff: bool = False
    tags: str | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)
    vault_password_file: str | None = None
    record_evidence: bool = True


@dataclass
class HostOutcome:
    """One host's result of a run. `status` is ok, changed, failed, unreachable or skipped."""

    host: str
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0
    message: str = ""

    @property
    def status(self) -> str:
        """The store's rule (tripod.store.records.host_status): the CLI table and the evidence agree."""
        return host_status({"ok": self.ok, "changed": self.changed, "failures": self.failed,
                            "unreachable": self.unreachable, "skipped": self.skipped})


@dataclass
class RunResult:
    run_id: str
    playbook: Path
    rc: int
    runner_status: str
    artifacts: Path
    hosts: dict[str, HostOutcome]

    @property
    def all_ok(self) -> bool:
        return self.rc == 0 and all(h.status in ("ok", "changed") for h in self.hosts.values())


class RunObserver(Protocol):
    """Receives progress as the run goes; the CLI's rich display implements it."""

    def on_task(self, play: str, task: str) -> None: ...

    def on_host_result(self, host: str, status: str, message: str) -> None: ...


def resolve_playbook(name: str) -> Path:
    """A path to a playbook, or the name of one shipped in the collection (audit, tripod.maintenance.audit)."""
    candidate = Path(name).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    short = name.removeprefix("tripod.maintenance.").removesuffix(".yml").removesuffix(".yaml")
    shipped_dir = collection_root() / "playbooks"
    shipped = shipped_dir / f"{short}.yml"
    if "/" not in short and shipped.is_file():
        return shipped
    available = ", ".join(sorted(p.stem for p in shipped_dir.glob("*.yml")))
    raise InputError(f"{name}: no such playbook file, and no shipped playbook of that name (shipped: {available})")


def _ansible_config() -> str:
    """An explicit ANSIBLE_CONFIG wins, then ./ansible.cfg, then the collection's fleet-tuned one."""
    if os.environ.get("ANSIBLE_CONFIG"):
        return os.environ["ANSIBLE_CONFIG"]
    local = Path.cwd() / "ansible.cfg"
    if local.is_file():
        return str(local)
    return str(collection_root() / "ansible.cfg")


def run_environment(run_id: str, record_evidence: bool) -> dict[str, str]:
    """Environment for ansible-playbook: config, data dir, fact cache, evidence recorder."""
    base = data_dir()
    env = {
        "ANSIBLE_CONFIG": _ansible_config(),
        "TRIPOD_DATA_DIR": str(base),
        "TRIPOD_RUN_ID": run_id,
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(base / "facts"),
        # ansible-playbook from the same environment as this `tripod`, even when not on PATH.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "ANSIBLE_NOCOLOR": "1",
    }
    if record_evidence:
        enabled = [c for c in os.environ.get("ANSIBLE_CALLBACKS_ENABLED", "").split(",") if c]
        env["ANSIBLE_CALLBACKS_ENABLED"] = ",".join(dict.fromkeys([*enabled, EVIDENCE_CALLBACK]))
    return env


def _cmdline(request: RunRequest) -> str:
    parts = []
    if request.check:
        parts.append("--check")
    if request.diff:
        parts.append("--diff")
    if request.vault_password_file:
        path = Path(request.vault_password_file).expanduser()
        if not path.is_file():
            raise InputError(f"{request.vault_password_file}: vault password file not found")
        parts += ["--vault-password-file", str(path.resolve())]
    return " ".join(parts)


class _EventRouter:
    """Turns ansible-runner events into HostOutcome counts and observer calls."""

    def __init__(self, observer: RunObserver | None) -> None:
        self.observer = observer
        self.hosts: dict[str, HostOutcome] = {}
        self.play = ""

    def host(self, name: str) -> HostOutcome:
        return self.hosts.setdefault(name, HostOutcome(name))

    def __call__(self, event: dict[str, Any]) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data", {}) or {}
        if kind == "playbook_on_play_start":
            self.play = data.get("play", "")
        elif kind == "playbook_on_task_start" and self.observer:
            self.observer.on_task(self.play, data.get("task", ""))
        elif kind in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped"):
            self._result(kind, data)
        elif kind == "playbook_on_stats":
            self._stats(data)
        return True

    def _result(self, kind: str, data: dict[str, Any]) -> None:
        name = data.get("host", "?")
        result = data.get("res", {}) or {}
        status = {"runner_on_ok": "ok", "runner_on_failed": "failed",
                  "runner_on_unreachable": "unreachable", "runner_on_skipped": "skipped"}[kind]
        if status == "ok" and result.get("changed"):
            status = "changed"
        if status == "failed" and data.get("ignore_errors"):
            status = "ignored"
        message = ""
        if status in ("failed", "unreachable"):
            message = str(result.get("msg") or result.get("stderr") or result.get("reason") or "").strip()
            self.host(name).message = message
        if self.observer:
            self.observer.on_host_result(name, status, message)

    def _stats(self, data: dict[str, Any]) -> None:
        columns = {"ok": "ok", "changed": "changed", "failures": "failed", "dark": "unreachable",
                   "skipped": "skipped", "rescued": "rescued", "ignored": "ignored"}
        for source, target in columns.items():
            for name, count in (data.get(source) or {}).items():
                setattr(self.host(name), target, int(count))


def run_playbook(
    request: RunRequest,
    expected_hosts: list[str],
    observer: RunObserver | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Run one playbook with ansible-runner and return the outcome of every expected host."""
    import ansible_runner

    playbook = resolve_playbook(request.playbook)
    run_id = run_id or f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    private = data_dir() / "runs" / run_id
    private.mkdir(parents=True, exist_ok=True)
    inventories = [str(Path(i).expanduser().resolve()) if Path(i).expanduser().exists() else i for i in request.inventories]
    router = _EventRouter(observer)
    for host in expected_hosts:
        router.host(host)
    runner = ansible_runner.run(
        private_data_dir=str(private),
        ident=run_id,
        playbook=str(playbook),
        inventory=inventories,
        limit=request.limit,
        tags=request.tags,
        extravars=request.extra_vars or None,
        cmdline=_cmdline(request) or None,
        envvars=run_environment(run_id, request.record_evidence),
        event_handler=router,
        quiet=True,
        suppress_env_files=True,  # extra vars may hold secrets: never written to disk
    )
    return RunResult(
        run_id=run_id,
        playbook=playbook,
        rc=int(runner.rc if runner.rc is not None else 1),
        runner_status=str(runner.status),
        artifacts=private / "artifacts" / run_id,
        hosts=router.hosts,
    )
