"""What a hardening run recorded, read back from the evidence store; `tripod run` prints it.

Per host: controls passing, failing, waived and not applicable; then the failing controls (with
why they were not enforced, when they were held back), the waived ones with their reference, and
how many controls the run changed (or, in a dry run, would change). A run that enforced beyond a
host's policy (`tripod_force_mode`) is shown first, as an OVERRIDE line per host.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tripod.models import Finding
from tripod.run_summary import findings_table, most_severe_first
from tripod.store import EvidenceStore

AREA = "hardening"
OVERRIDE = "mode_override"


def _counts_table(findings: list[Finding]) -> Table:
    table = Table()
    statuses = ("pass", "fail", "error", "waived", "not_applicable", "not_assessed")
    table.add_column("host", no_wrap=True)
    for status in statuses:
        table.add_column(status.replace("_", " "), justify="right", no_wrap=True)
    for host in sorted({f.host or "-" for f in findings}):
        row = [f for f in findings if (f.host or "-") == host]
        table.add_row(host, *(str(sum(1 for f in row if f.status == s)) for s in statuses))
    return table


def _waived_table(waived: list[Finding]) -> Table:
    table = Table()
    for column in ("host", "check", "waiver"):
        table.add_column(column, no_wrap=column != "waiver", overflow="fold")
    for finding in waived:
        waiver = finding.waiver
        shown = "" if waiver is None else ", ".join(
            part for part in (waiver.id, waiver.owner and f"owner {waiver.owner}",
                              waiver.expires and f"expires {waiver.expires}") if part)
        table.add_row(finding.host or "-", finding.check_id, escape(shown))
    return table


def show_after_run(console: Console, run_id: str) -> None:
    """Print the hardening tables of the run; nothing for a run without hardening findings."""
    with EvidenceStore() as store:
        run = store.get_run(run_id)
        if run is None:
            return
        findings = [f for f in store.run_findings(run_id) if f.area == AREA]
        actions = [a for a in store.run_actions(run_id) if a.area == AREA]
    if not findings:
        return
    changes = [a for a in actions if a.kind == "setting_changed"]
    for override in (a for a in actions if a.kind == OVERRIDE):
        console.print(f"Hardening: OVERRIDE on {escape(override.host or '-')}: {escape(override.detail)}",
                      style="bold yellow", soft_wrap=True)
    console.print("Hardening: controls per host", style="bold")
    console.print(_counts_table(findings))
    failing = most_severe_first(f for f in findings if f.status in ("fail", "error"))
    if failing:
        _, table = findings_table(failing)
        console.print(f"Hardening: {len(failing)} failing control(s)", style="bold", soft_wrap=True)
        console.print(table)
    waived = [f for f in findings if f.status == "waived"]
    if waived:
        console.print(f"Hardening: {len(waived)} waived control(s)", style="bold")
        console.print(_waived_table(waived))
    verb = "would change" if run.check_mode else "changed"
    console.print(f"Hardening: {len(changes)} control(s) {verb} (details: the evidence store's actions)", soft_wrap=True)
