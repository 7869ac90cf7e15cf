"""What a health or housekeeping run recorded, read back from the evidence store: the health
checks that failed, and the space housekeeping reclaimed. `tripod run` prints it after the
per-host table (patch runs have their own summary, tripod.patching.summary)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tripod.housekeeping.sizes import human_size
from tripod.models import SEVERITIES, Action, Finding
from tripod.store import EvidenceStore

MAX_ROWS = 40


@dataclass(frozen=True)
class RunEvidence:
    failing: list[Finding]  # health findings that failed or erred, most severe first
    actions: list[Action]  # housekeeping actions
    check_mode: bool


def run_evidence(store: EvidenceStore, run_id: str) -> RunEvidence | None:
    """The run's failing health findings and its housekeeping actions; None for an unknown run."""
    run = store.get_run(run_id)
    if run is None:
        return None
    failing = most_severe_first(f for f in store.run_findings(run_id)
                                if f.area == "health" and f.status in ("fail", "error"))
    actions = [action for action in store.run_actions(run_id) if action.area == "housekeeping"]
    return RunEvidence(failing, actions, run.check_mode)


def most_severe_first(findings: Iterable[Finding]) -> list[Finding]:
    """Critical first; then by host and check."""
    return sorted(findings, key=lambda f: (-SEVERITIES.index(f.severity), f.host or "", f.check_id))


def findings_table(failing: list[Finding]) -> tuple[str, Table]:
    """A headline (printed above the table: a title would wrap at the table's width) and the table."""
    table = Table()
    for column in ("host", "severity", "check", "evidence"):
        table.add_column(column, no_wrap=column != "evidence", overflow="fold")
    for finding in failing[:MAX_ROWS]:
        table.add_row(finding.host or "-", finding.severity, finding.check_id, escape(finding.evidence))
    if len(failing) > MAX_ROWS:
        table.caption = f"{len(failing) - MAX_ROWS} more in the evidence store"
    return f"Health: {len(failing)} failing check(s)", table


def actions_table(actions: list[Action], check_mode: bool) -> tuple[str, Table]:
    freed = human_size(sum(a.bytes or 0 for a in actions if a.kind == "space_reclaimed"))
    headline = f"Housekeeping: {freed} would be reclaimed (dry run)" if check_mode else f"Housekeeping: {freed} reclaimed"
    table = Table()
    for column in ("host", "bytes", "what"):
        table.add_column(column, justify="right" if column == "bytes" else "left",
                         no_wrap=column != "what", overflow="fold")
    for action in actions[:MAX_ROWS]:
        table.add_row(action.host or "-", "-" if action.bytes is None else human_size(action.bytes), escape(action.detail))
    if len(actions) > MAX_ROWS:
        table.caption = f"{len(actions) - MAX_ROWS} more in the evidence store"
    return headline, table


def show_after_run(console: Console, run_id: str) -> None:
    """Print the tables worth showing: nothing for a run without health failures or housekeeping."""
    with EvidenceStore() as store:
        evidence = run_evidence(store, run_id)
    if evidence is None:
        return
    shown = []
    if evidence.failing:
        shown.append(findings_table(evidence.failing))
    if evidence.actions:
        shown.append(actions_table(evidence.actions, evidence.check_mode))
    for headline, table in shown:
        console.print(headline, style="bold", soft_wrap=True)
        console.print(table)
