# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every Tripod run in the evidence store."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: evidence
type: aggregate
short_description: Record Tripod runs, host results, facts, findings and actions in the evidence store
description:
  - Records the run (run id, playbook, inventory, check mode, start and end, final status),
    each host's final status (V(ok), V(changed), V(failed), V(unreachable) or V(skipped)) with
    its task counts and failure message, its client and tier, its compliance facts snapshot,
    and the findings and actions its tasks returned.
  - Client and tier come from the C(tripod_client) and C(tripod_tier) facts set by
    C(tripod.maintenance.resolve_policy) (the preflight role). A host that never got them (its
    policy was invalid) is recorded with its inventory variable C(tripod_client), if any.
  - The facts snapshot is C(ansible_facts.tripod_compliance) from any task result.
    Findings and actions are the result keys C(tripod_findings) and C(tripod_actions)
    (see C(tripod.maintenance.emit)); the host, client, tier, run id and time they lack are filled in.
  - Nothing is ever recorded from a C(no_log) result. A loop in which any item is C(no_log)
    is marked C(no_log) as a whole by Ansible, and nothing of it is recorded, not even its other items.
  - "When a host's data is written: each host is written in one transaction at the end of
    every play, or of every C(serial) batch (when the next one starts, and at the end of the
    playbook), and at once
    when it fails or becomes unreachable. A host's final status and counts are written at
    the end of the playbook. So if the run is killed, every host that finished a play, or
    failed, is in the store, complete; the run stays C(running) until C(tripod run) closes it as C(aborted)."
  - The recorder never fails the run; any error is shown as a warning and recording stops.
    C(tripod run) watches for that warning and stops the run (no change without evidence).
  - It notes its process (host, pid) in C(<data dir>/runs/<run id>/controller-<pid>.json), so
    that a run left C(running) by a killed process is closed as C(aborted) at the next C(tripod run).
  - Nothing is recorded when C(TRIPOD_NO_EVIDENCE=1) is set (C(tripod run --no-evidence) sets it).
  - Needs the C(tripod) Python package in the controller's Python.
requirements:
  - the tripod Python package on the controller
options:
  db_path:
    description:
      - The evidence store (SQLite) file. It is created, and migrated, when needed.
      - When unset, the store C($TRIPOD_EVIDENCE_URL) names (C(postgresql://user@host/db) or
        C(sqlite:///path)), else C(<data dir>/evidence.sqlite), the data dir being
        C($TRIPOD_DATA_DIR) or C(~/.local/share/tripod).
    type: path
    env:
      - name: TRIPOD_EVIDENCE_DB
    ini:
      - section: tripod_evidence
        key: db_path
  run_id:
    description:
      - The run id. C(tripod run) sets it, so that it can find the run afterwards.
      - Default a new random UUID, which the recorder then exports as C(TRIPOD_RUN_ID) for the
        controller-side plugins of the same run (C(tripod.maintenance.metrics)).
    type: str
    env:
      - name: TRIPOD_RUN_ID
  inventory:
    description:
      - The inventory source(s) to record with the run.
      - Default the sources ansible-playbook was given (C(-i), or C(inventory) in ansible.cfg).
    type: list
    elements: str
    env:
      - name: TRIPOD_INVENTORY
"""

import os
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any

from ansible import context
from ansible.plugins.callback import CallbackBase

try:  # ansible-core >= 2.19: plain Python types, vaulted values redacted
    from ansible.utils.vars import transform_to_native_types
except ImportError:  # pragma: no cover - older cores hand callbacks plain types already
    def transform_to_native_types(value: Any, redact: bool = True) -> Any:  # noqa: ARG001
        return value

try:
    from tripod.models import Action, Finding, ValidationError, utc_now
    from tripod.store import EvidenceStore, HostResult, host_status

    TRIPOD_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported as a warning
    TRIPOD_IMPORT_ERROR = str(exc)

_MESSAGE_LIMIT = 2000
METRICS_ACTION = "tripod.maintenance.metrics"


@dataclass
class _HostBuffer:
    """What one host produced since its last flush."""

    client: str | None = None
    tier: str | None = None
    facts: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored"), 0))
    message: str | None = None
    pending: bool = False
    host_object: Any = None


_FACT_KEYS = ("tripod_client", "tripod_tier", "tripod_compliance")
_RESULT_KEYS = ("tripod_findings", "tripod_actions")


def _raw(result: Any) -> Any:
    """The result data as Ansible gave it to this callback (already censored for no_log).

    `result.result` converts the whole result to plain types on first use (module
    arguments included), which costs more than everything else this callback does;
    only the parts the callback records are converted (see `_parts`).
    """
    raw = getattr(result, "_return_data", None)
    return raw if isinstance(raw, dict) else result.result


def _relevant(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if any(key in data for key in _RESULT_KEYS):
        return True
    facts = data.get("ansible_facts")
    if isinstance(facts, dict) and any(key in facts for key in _FACT_KEYS):
        return True
    items = data.get("results")
    return isinstance(items, list) and any(_relevant(item) for item in items)


def _parts(data: dict[str, Any]) -> dict[str, Any]:
    """Only what the callback records, as plain Python types (vaulted values redacted)."""
    wanted: dict[str, Any] = {key: data[key] for key in _RESULT_KEYS if key in data}
    facts = data.get("ansible_facts")
    if isinstance(facts, dict):
        wanted["ansible_facts"] = {key: facts[key] for key in _FACT_KEYS if key in facts}
    return transform_to_native_types(wanted)  # type: ignore[no-any-return]


def _no_log(result: Any, data: Any) -> bool:
    task = getattr(result, "task", None)
    return getattr(task, "no_log", False) is True or bool(data.get("_ansible_no_log")) or "censored" in data


def _failure_message(data: dict[str, Any]) -> str:
    if data.get("_ansible_no_log") or "censored" in data:
        return "the output was hidden (no_log)"
    message = data.get("msg") or data.get("stderr") or data.get("reason") or ""
    return str(message)[:_MESSAGE_LIMIT]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "tripod.maintenance.evidence"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display: Any = None) -> None:
        super().__init__(display=display)
        self._store: Any = None
        self._run_id: str | None = None
        self._playbooks: list[str] = []
        self._hosts: dict[str, _HostBuffer] = {}
        self._play: Any = None
        # `tripod run --no-evidence` sets TRIPOD_NO_EVIDENCE=1: ansible.cfg enables this recorder.
        self._disabled = TRIPOD_IMPORT_ERROR is not None or os.environ.get("TRIPOD_NO_EVIDENCE") == "1"
        self._warned_import = False
        self._controller: Any = None

    # -- safety: the recorder never breaks a run --------------------------------------------

    def _fail(self, what: str, exc: BaseException) -> None:
        self._display.warning(f"tripod evidence: {what} failed, evidence recording stopped for this run: {exc}")
        self._display.vvv(traceback.format_exc())
        self._disabled = True
        if self._store is not None:
            try:
                self._store.close()
            except Exception:  # noqa: BLE001 - already reporting a failure
                pass
            self._store = None

    def _guard(self, what: str, func: Any, *args: Any) -> None:
        if self._disabled:
            if TRIPOD_IMPORT_ERROR and not self._warned_import:
                self._warned_import = True
                self._display.warning(f"tripod evidence: the tripod Python package cannot be imported "
                                      f"({TRIPOD_IMPORT_ERROR}); nothing is recorded")
            return
        try:
            func(*args)
        except Exception as exc:  # noqa: BLE001 - never crash the run
            self._fail(what, exc)

    # -- run -------------------------------------------------------------------------------

    def _start(self, playbook: Any) -> None:
        self._playbooks.append(str(getattr(playbook, "_file_name", playbook)))
        if self._store is None:
            self._store = EvidenceStore(self.get_option("db_path") or None)
            self._run_id = self.get_option("run_id") or str(uuid.uuid4())
            # Controller-side plugins of this run (tripod.maintenance.metrics) find it here: the
            # workers that run them are forked from this process.
            os.environ["TRIPOD_RUN_ID"] = self._run_id
            # Before the run row: a run left `running` whose controllers are all gone is closed
            # as aborted by the next `tripod run` (tripod.store.runstate).
            self._controller = self._store.register_controller(self._run_id)
        inventory = self.get_option("inventory") or list(context.CLIARGS.get("inventory") or ())
        self._store.start_run(self._run_id, playbook=", ".join(self._playbooks), inventory=inventory,
                              check_mode=bool(context.CLIARGS.get("check", False)))

    def _host(self, result: Any) -> tuple[str, _HostBuffer]:
        name = result.host.get_name()
        buffer = self._hosts.get(name)
        if buffer is None:
            buffer = self._hosts[name] = _HostBuffer(host_object=result.host)
        return name, buffer

    def _collect(self, result: Any, outcome: str, ignore_errors: bool = False) -> None:
        name, buffer = self._host(result)
        raw = _raw(result)
        changed = bool(raw.get("changed"))
        if outcome == "ok":
            buffer.counts["ok"] += 1
            buffer.counts["changed"] += int(changed)
        elif outcome == "failed" and ignore_errors:
            buffer.counts["ok"] += 1
            buffer.counts["ignored"] += 1
            buffer.counts["changed"] += int(changed)
        elif outcome == "failed":
            buffer.counts["failures"] += 1
            buffer.message = _failure_message(result.result)
        elif outcome == "unreachable":
            buffer.counts["unreachable"] += 1
            buffer.message = _failure_message(result.result)
        buffer.pending = True
        if outcome == "unreachable" or _no_log(result, raw) or not _relevant(raw):
            return
        items = raw.get("results") if isinstance(raw.get("results"), list) else []
        for part in (raw, *items):
            if isinstance(part, dict) and not part.get("_ansible_no_log") and "censored" not in part:
                self._take(name, buffer, _parts(part), result)

    def _take(self, name: str, buffer: _HostBuffer, data: dict[str, Any], result: Any) -> None:
        facts = data.get("ansible_facts")
        if isinstance(facts, dict):
            if isinstance(facts.get("tripod_client"), str):
                buffer.client = facts["tripod_client"]
            if isinstance(facts.get("tripod_tier"), str):
                buffer.tier = facts["tripod_tier"]
            if isinstance(facts.get("tripod_compliance"), dict):
                buffer.facts.append(facts["tripod_compliance"])
        now = None
        for key, model, target in (("tripod_findings", Finding, buffer.findings),
                                   ("tripod_actions", Action, buffer.actions)):
            entries = data.get(key)
            if not entries:
                continue
            if not isinstance(entries, list):
                self._invalid(name, buffer, result, f"{key}: must be a list")
                continue
            now = now or utc_now()
            for index, entry in enumerate(entries):
                try:
                    target.append(model.from_dict(entry).with_context(time=now))
                except ValidationError as exc:
                    self._invalid(name, buffer, result, exc.at(f"{key}[{index}]"))

    def _invalid(self, name: str, buffer: _HostBuffer, result: Any, problem: str) -> None:
        task = getattr(result, "task_name", None) or "?"
        self._display.warning(f"tripod evidence: {name}: task '{task}': {problem}; not recorded")
        note = f"invalid evidence not recorded: {problem}"
        buffer.message = note if not buffer.message else buffer.message
        buffer.pending = True

    def _client_from_vars(self, buffer: _HostBuffer) -> None:
        """A host that never resolved its policy: take its client from the inventory, if any."""
        if buffer.client or self._play is None or buffer.host_object is None:
            return
        try:
            variables = self._play.get_variable_manager().get_vars(
                play=self._play, host=buffer.host_object, include_hostvars=False)
            client = variables.get("tripod_client")
            if isinstance(client, str) and client.strip() and "{{" not in client:
                buffer.client = str(client)
        except Exception as exc:  # noqa: BLE001 - the client is optional
            self._display.vvv(f"tripod evidence: cannot read tripod_client of {buffer.host_object}: {exc}")

    def _flush(self, name: str, status: str | None = None, counts: dict[str, int] | None = None) -> None:
        """Write one host's buffered data in one transaction."""
        buffer = self._hosts[name]
        self._client_from_vars(buffer)
        counts = counts if counts is not None else buffer.counts
        self._store.record_host(self._run_id, HostResult(
            host=name, status=status or host_status(counts), client=buffer.client, tier=buffer.tier, counts=counts,
            message=buffer.message, facts=buffer.facts, findings=buffer.findings, actions=buffer.actions))
        buffer.facts, buffer.findings, buffer.actions = [], [], []
        buffer.pending = False

    def _flush_pending(self) -> None:
        for name, buffer in self._hosts.items():
            if buffer.pending:
                self._flush(name)

    def _finish(self, stats: Any) -> None:
        hosts = sorted(set(stats.processed) | set(self._hosts))
        for name in hosts:
            if name not in self._hosts:
                self._hosts[name] = _HostBuffer()
            counts = stats.summarize(name) if name in stats.processed else None
            self._flush(name, counts=counts)
        self._store.end_run(self._run_id)
        self._store.close()
        self._store = None
        if self._controller is not None:
            self._controller.unlink(missing_ok=True)
            for directory in (self._controller.parent, self._controller.parent.parent):  # runs/<id>, runs/
                try:
                    directory.rmdir()  # only if empty: a direct ansible-playbook run leaves nothing
                except OSError:
                    break

    # -- Ansible events --------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook: Any) -> None:
        self._guard("starting the run", self._start, playbook)

    def v2_playbook_on_play_start(self, play: Any) -> None:
        # The previous play is over: every host that took part in it has finished it.
        self._guard("recording the previous play", self._flush_pending)
        self._play = play

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:  # noqa: ARG002
        # tripod.maintenance.metrics publishes what this recorder wrote for the run: record what the
        # hosts produced so far before it runs, so the metrics can go in the play of the findings.
        if METRICS_ACTION in (getattr(task, "resolved_action", None), getattr(task, "action", None)):
            self._guard("recording before the metrics", self._flush_pending)

    def v2_runner_on_ok(self, result: Any) -> None:
        self._guard("recording a task result", self._collect, result, "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._guard("recording a task failure", self._collect, result, "failed", ignore_errors)
        if not ignore_errors:
            self._guard("recording a failed host", self._flush, result.host.get_name())

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._guard("recording an unreachable host", self._collect, result, "unreachable")
        self._guard("recording an unreachable host", self._flush, result.host.get_name())

    # No v2_runner_on_skipped: Ansible copies every result for each callback that takes it,
    # and skips are counted in the final stats anyway.

    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._guard("finishing the run", self._finish, stats)
