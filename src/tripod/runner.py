"""Run Tripod playbooks through ansible-runner's Python API.

`run_playbook()` is the one entry point: it prepares the environment (configuration,
data dir, evidence recorder), starts ansible-runner, streams its events to an observer
and returns one `HostOutcome` per host.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from tripod.errors import InputError
from tripod.paths import collection_root, data_dir
from tripod.store.records import host_status

EVIDENCE_CALLBACK = "tripod.maintenance.evidence"
#: What the evidence recorder prints when it stops recording (plugins/callback/evidence.py).
EVIDENCE_STOPPED = "evidence recording stopped for this run"
#: ansible-playbook's exit codes when it ran the plays: ok, a host failed, a host unreachable,
#: a play stopped on a failure. Anything else (4 without stats, 5, 1, 250, 99...) is Ansible failing.
PLAY_EXIT_CODES = frozenset({0, 2, 4, 8})
#: ansible-playbook's exit codes for input it could not read: a parser error, bad options.
INPUT_EXIT_CODES = frozenset({4, 5})

#: Extra vars: an inline mapping (key=value, JSON/YAML) or a file (-e @file, possibly vaulted).
ExtraVars = dict[str, Any] | Path


@dataclass
class RunRequest:
    """What to run, as an engineer would give it to ansible-playbook."""

    playbook: str
    inventories: list[str]
    limit: str | None = None
    check: bool = False
    diff: bool = False
    tags: str | None = None
    #: In the order given; later ones win, as with ansible-playbook.
    extra_vars: list[ExtraVars] = field(default_factory=list)
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
    #: SIGINT or SIGTERM stopped the run.
    interrupted: bool = False
    #: The evidence recorder stopped recording, so the run was stopped (its warning).
    evidence_stopped: str | None = None
    #: ansible-playbook ran the plays to their end (it printed its stats).
    finished_plays: bool = True
    #: ansible-playbook's own error lines, when it failed rather than a host.
    ansible_error: str | None = None

    @property
    def all_ok(self) -> bool:
        return self.rc == 0 and all(h.status in ("ok", "changed") for h in self.hosts.values())

    @property
    def ansible_failed(self) -> bool:
        """Ansible itself failed (a playbook that does not parse, a crash), not a host."""
        return not self.interrupted and not self.evidence_stopped and (
            not self.finished_plays or self.rc not in PLAY_EXIT_CODES)

    @property
    def ansible_input_error(self) -> bool:
        """Ansible refused its input (parser error, bad options) rather than crashing."""
        return self.ansible_failed and not self.finished_plays and self.rc in INPUT_EXIT_CODES


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


def _host_key_checking(config: str) -> str:
    """ansible-runner turns SSH host key checking off unless the environment says otherwise: keep
    what the user's environment, else the Ansible configuration, says (Ansible's default: on)."""
    import configparser

    if "ANSIBLE_HOST_KEY_CHECKING" in os.environ:
        return os.environ["ANSIBLE_HOST_KEY_CHECKING"]
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(config, encoding="utf-8")
    except configparser.Error:
        return "True"
    return parser.get("defaults", "host_key_checking", fallback="True").strip() or "True"


def run_environment(run_id: str, record_evidence: bool) -> dict[str, str]:
    """Environment for ansible-playbook: config, data dir, evidence recorder.

    The fact cache is ansible-runner's: a JSON file cache of this run only, in the run's
    artifacts (`$TRIPOD_DATA_DIR/runs/<id>/artifacts/<id>/fact_cache`), whatever ansible.cfg
    says, so no run sees another run's facts (two clients may both have a `dc01`). And the
    client and policy are never facts (roles/preflight/tasks/resolve.yml)."""
    base = data_dir()
    config = _ansible_config()
    env = {
        "ANSIBLE_CONFIG": config,
        "ANSIBLE_HOST_KEY_CHECKING": _host_key_checking(config),
        "TRIPOD_DATA_DIR": str(base),
        "TRIPOD_RUN_ID": run_id,
        # ansible-playbook from the same environment as this `tripod`, even when not on PATH.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "ANSIBLE_NOCOLOR": "1",
    }
    enabled = [c for c in os.environ.get("ANSIBLE_CALLBACKS_ENABLED", "").split(",") if c]
    if record_evidence:
        env["ANSIBLE_CALLBACKS_ENABLED"] = ",".join(dict.fromkeys([*enabled, EVIDENCE_CALLBACK]))
    else:
        # ansible.cfg enables the recorder too: --no-evidence must switch it off explicitly.
        env["TRIPOD_NO_EVIDENCE"] = "1"
    return env


def _cmdline(request: RunRequest, vars_files: list[Path]) -> str:
    parts = []
    for path in vars_files:
        parts += ["-e", f"@{path}"]
    if request.check:
        parts.append("--check")
    if request.diff:
        parts.append("--diff")
    if request.vault_password_file:
        path = Path(request.vault_password_file).expanduser()
        if not path.is_file():
            raise InputError(f"{request.vault_password_file}: vault password file not found")
        parts += ["--vault-password-file", str(path.resolve())]
    return shlex.join(parts)


def _write_vars_files(extra_vars: list[ExtraVars], directory: Path) -> list[Path]:
    """Each inline mapping in a 0600 file (`-e @file`), each given file as it is, in order.

    Extra vars may hold secrets (`ansible_become_password`): on the command line they would
    show in `ps` and in ansible-runner's `artifacts/<id>/command`. The files are removed after
    the run (see `run_playbook`)."""
    import yaml

    files: list[Path] = []
    for item in extra_vars:
        if isinstance(item, Path):
            files.append(item.expanduser().resolve())
            continue
        if not item:
            continue
        handle, name = tempfile.mkstemp(prefix=".tripod-extravars-", suffix=".yml", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:  # mkstemp: mode 0600
            yaml.safe_dump(item, stream)  # YAML, as given: dates and the like stay what they were
        files.append(Path(name))
    return files


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc), children first found first."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="ascii", errors="replace")
            parent = int(text[text.rindex(")") + 2:].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    found, queue = [], list(children.get(pid, []))
    while queue:
        child = queue.pop(0)
        found.append(child)
        queue.extend(children.get(child, []))
    return found


def _stop_children() -> None:
    """Kill ansible-playbook and everything it started (module processes may sit in their own
    process group, which ansible-runner's kill of ansible-playbook's group would miss)."""
    for pid in _descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@contextmanager
def _interruptible() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set the event (the run is then stopped and closed as aborted)."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class _EventRouter:
    """Turns ansible-runner events into HostOutcome counts and observer calls."""

    def __init__(self, observer: RunObserver | None) -> None:
        self.observer = observer
        self.hosts: dict[str, HostOutcome] = {}
        self.play = ""
        self.stats_seen = False
        self.evidence_stopped: str | None = None

    def host(self, name: str) -> HostOutcome:
        return self.hosts.setdefault(name, HostOutcome(name))

    def __call__(self, event: dict[str, Any]) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data", {}) or {}
        stdout = str(event.get("stdout") or "")
        if EVIDENCE_STOPPED in stdout and self.evidence_stopped is None:
            self.evidence_stopped = " ".join(stdout.replace("[WARNING]:", "").split())
        if kind == "playbook_on_play_start":
            self.play = data.get("play", "")
        elif kind == "playbook_on_task_start" and self.observer:
            self.observer.on_task(self.play, data.get("task", ""))
        elif kind in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped"):
            self._result(kind, data)
        elif kind == "playbook_on_stats":
            self.stats_seen = True
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


def run_directory(run_id: str) -> Path:
    """`<data dir>/runs/<run id>`: ansible-runner's private data dir for the run."""
    return data_dir() / "runs" / run_id


def new_run_id() -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def make_run_directory(run_id: str) -> Path:
    private = run_directory(run_id)
    try:
        private.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{private}: cannot create the run directory ({exc.strerror or exc}); "
                         "the data dir ($TRIPOD_DATA_DIR) must be writable") from None
    return private


def _ansible_error(artifacts: Path) -> str:
    """ansible-playbook's own error lines (ERROR! ... and what follows), else its last lines."""
    try:
        lines = [line.rstrip() for line in (artifacts / "stdout").read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return "ansible-playbook failed and left no output"
    lines = [line for line in lines if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith(("ERROR!", "[ERROR]")):
            shown = lines[index:index + 12]
            if "Traceback (most recent call last):" in shown:  # the message, not Ansible's stack
                shown = shown[:shown.index("Traceback (most recent call last):")]
            return "\n".join(shown)
    return "\n".join(lines[-12:]) or "ansible-playbook failed and printed nothing"


def run_playbook(
    request: RunRequest,
    expected_hosts: list[str],
    observer: RunObserver | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Run one playbook with ansible-runner and return the outcome of every expected host.

    SIGINT and SIGTERM stop ansible-playbook and come back as `interrupted`; so does the
    evidence recorder stopping (`evidence_stopped`) when evidence is required."""
    import ansible_runner

    playbook = resolve_playbook(request.playbook)
    run_id = run_id or new_run_id()
    private = make_run_directory(run_id)
    inventories = [str(Path(i).expanduser().resolve()) if Path(i).expanduser().exists() else i for i in request.inventories]
    router = _EventRouter(observer)
    for host in expected_hosts:
        router.host(host)
    vars_files: list[Path] = []
    try:
        vars_files = _write_vars_files(request.extra_vars, private)
        cmdline = _cmdline(request, vars_files)
        with _interruptible() as stop:
            def cancel() -> bool:
                cancelled = stop.is_set() or (request.record_evidence and router.evidence_stopped is not None)
                if cancelled:
                    _stop_children()
                return cancelled

            runner = ansible_runner.run(
                private_data_dir=str(private),
                ident=run_id,
                playbook=str(playbook),
                inventory=inventories,
                limit=request.limit,
                tags=request.tags,
                cmdline=cmdline or None,
                envvars=run_environment(run_id, request.record_evidence),
                event_handler=router,
                cancel_callback=cancel,
                quiet=True,
                suppress_env_files=True,  # ansible-runner would write extra vars and env to env/
            )
    finally:
        for path in vars_files:
            if path.name.startswith(".tripod-extravars-"):
                path.unlink(missing_ok=True)
    artifacts = private / "artifacts" / run_id
    rc = int(runner.rc if runner.rc is not None else 1)
    result = RunResult(
        run_id=run_id,
        playbook=playbook,
        rc=rc,
        runner_status=str(runner.status),
        artifacts=artifacts,
        hosts=router.hosts,
        interrupted=stop.is_set(),
        evidence_stopped=router.evidence_stopped if request.record_evidence else None,
        finished_plays=router.stats_seen,
    )
    if result.ansible_failed:
        result.ansible_error = _ansible_error(artifacts)
    return result
