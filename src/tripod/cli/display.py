"""Terminal output with rich: live progress while a run goes, a summary table at the end, and
after `tripod run` the tables of each area the run recorded evidence for (failing health checks
and space reclaimed; each host's patch outcome; hardening controls, failing and waived, and an
OVERRIDE line where a run went beyond a host's policy), read back from the evidence store."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tripod.audit import HostSummary
from tripod.housekeeping.sizes import human_size
from tripod.models import Action, Finding
from tripod.patching import outcome
from tripod.patching.summary import ORDER, PatchOutcome, summarize
from tripod.run_summary import most_severe_first, run_evidence
from tripod.runner import HostOutcome, RunResult
from tripod.store import EvidenceStore

STATUS_STYLE = {
    "ok": "green",
    "changed": "yellow",
    "failed": "bold red",
    "unreachable": "bold magenta",
    "skipped": "dim",
}


class RunDisplay:
    """Live progress while a playbook runs.

    The bar shows, for the current task, how many of the hosts still in the run have
    answered; the counters show hosts failed and unreachable so far. Failures and
    unreachable hosts are printed the moment they happen, with their reason.
    """

    def __init__(self, console: Console, hosts: list[str]) -> None:
        self.console = console
        self.total = len(hosts)
        self.out: set[str] = set()  # failed or unreachable: no further part in the run
        self.answered: set[str] = set()
        self.task = ""
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task_id = self.progress.add_task("starting", total=max(self.total, 1), counts="")
        self.failed: set[str] = set()
        self.unreachable: set[str] = set()

    def __enter__(self) -> "RunDisplay":
        self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.progress.stop()

    def print_outcome(self) -> None:
        """The one-line outcome; only for a run Ansible carried to its end (the CLI decides)."""
        done = self.total - len(self.out)
        self.console.print(f"{done} of {self.total} host(s) finished the run; "
                           f"{len(self.failed)} failed, {len(self.unreachable)} unreachable", highlight=False)

    def _refresh(self) -> None:
        active = max(self.total - len(self.out), 1)
        counts = "  ".join(text for text in (f"failed {len(self.failed)}" if self.failed else "",
                                             f"unreachable {len(self.unreachable)}" if self.unreachable else "") if text)
        self.progress.update(self.task_id, description=self.task[:60] or "starting", total=active,
                             completed=min(len(self.answered - self.out), active), counts=counts)

    def on_task(self, play: str, task: str) -> None:
        self.task = task
        self.answered = set()
        self._refresh()

    def on_host_result(self, host: str, status: str, message: str) -> None:
        self.answered.add(host)
        if status in ("failed", "unreachable"):
            self.out.add(host)
            (self.failed if status == "failed" else self.unreachable).add(host)
            self.console.print(f"[{STATUS_STYLE[status]}]{status.upper()}[/] {host}: {escape(short(message))}", soft_wrap=True)
        self._refresh()


def summary_table(result: RunResult) -> Table:
    """One row per host: status, task counts and the reason it failed."""
    table = Table(title=f"Run {result.run_id}: {result.playbook.name}", title_justify="left")
    table.add_column("host", style="bold", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for column in ("ok", "changed", "failed", "unreachable", "skipped"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("message", overflow="ellipsis", no_wrap=True, max_width=80)
    for host in sorted(result.hosts.values(), key=_severity_order):
        style = STATUS_STYLE.get(host.status, "")
        table.add_row(
            host.host,
            f"[{style}]{host.status}[/]",
            str(host.ok),
            str(host.changed),
            str(host.failed),
            str(host.unreachable),
            str(host.skipped),
            escape(short(host.message, lines=1).rstrip(":")),
        )
    return table


def short(message: str, lines: int = 6) -> str:
    """The first lines of a message, enough to act on without flooding the terminal."""
    kept = [line for line in message.strip().splitlines() if line.strip()][:lines]
    return "\n".join(kept)


def _severity_order(host: HostOutcome) -> tuple[int, str]:
    order = ["unreachable", "failed", "skipped", "changed", "ok"]
    return order.index(host.status), host.host


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def audit_table(summaries: list[HostSummary]) -> Table:
    """The audit's per-host summary: what an engineer looks at first."""
    table = Table(title="Audit summary", title_justify="left")
    for column, justify in (("host", "left"), ("status", "left"), ("score", "right"), ("failing", "right"),
                            ("security upd.", "right"), ("other upd.", "right"), ("reboot", "left"),
                            ("fullest fs", "left"), ("days to EOL", "right")):
        table.add_column(column, justify=justify, no_wrap=True)
    for item in summaries:
        style = STATUS_STYLE.get(item.status, "")
        if item.status in ("failed", "unreachable"):
            table.add_row(item.host, f"[{style}]{item.status}[/]", "-", "-", "-", "-", "-", "-",
                          escape(short(item.message, lines=1))[:40] or "-")
            continue
        score = "-" if item.score is None else f"{item.score * 100:.0f}%"
        security = _or_dash(item.security_updates)
        if item.security_updates:
            security = f"[bold red]{security}[/]"
        reboot = {None: "-", True: "[yellow]required[/]", False: "no"}[item.reboot_required]
        eol = _or_dash(item.eol_days)
        if item.eol_days is not None and item.eol_days < 180:
            eol = f"[red]{eol}[/]"
        table.add_row(item.host, f"[{style}]{item.status}[/]", score, str(item.failing), security,
                      _or_dash(item.other_updates), reboot, _or_dash(item.fullest), eol)
    return table


# -- after a run: health and housekeeping ------------------------------------------------------

MAX_ROWS = 40


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


def show_health_and_housekeeping(console: Console, run_id: str) -> None:
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


# -- after a run: patching --------------------------------------------------------------------

PATCH_STYLE = {
    outcome.PATCHED: "yellow",
    outcome.PLANNED: "cyan",
    outcome.NOTHING_TO_DO: "green",
    outcome.SKIPPED_WINDOW: "dim",
    outcome.SKIPPED_DISABLED: "dim",
    outcome.FAILED: "bold red",
    outcome.NOT_STARTED: "magenta",
}


def patch_table(summaries: list[PatchOutcome], title: str = "Patch summary") -> Table:
    """One row per host: outcome, packages updated, reboot, and the detail."""
    counts: dict[str, int] = {}
    for item in summaries:
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
    caption = ", ".join(f"{counts[name]} {name}" for name in ORDER if name in counts)
    grid = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    grid.add_column("host", style="bold", no_wrap=True)
    grid.add_column("outcome", no_wrap=True)
    grid.add_column("updates", justify="right", no_wrap=True)
    grid.add_column("reboot", no_wrap=True)
    grid.add_column("detail", overflow="ellipsis", no_wrap=True, max_width=90)
    for item in summaries:
        grid.add_row(item.host, f"[{PATCH_STYLE[item.outcome]}]{item.outcome}[/]", str(item.updates), item.reboot,
                     escape(item.detail))
    return grid


def print_patch_summary(console: Console, store: EvidenceStore, run_id: str, hosts: Iterable[str], *,
                        patch_run: bool = False) -> bool:
    """Print the table when the run was a patch run; True when printed."""
    summaries = summarize(store, run_id, hosts, patch_run=patch_run)
    if summaries:
        console.print(patch_table(summaries))
    return bool(summaries)


def show_patching(console: Console, result: RunResult) -> None:
    """After `tripod run`: the patch summary, when the run was a patch run and was recorded."""
    from tripod.store import evidence_location, store_exists

    location = evidence_location()
    if not store_exists(location):
        return
    with EvidenceStore(location) as store:
        print_patch_summary(console, store, result.run_id, result.hosts, patch_run=result.playbook.stem == "patch")


# -- after a run: hardening -------------------------------------------------------------------

HARDENING = "hardening"
MODE_OVERRIDE = "mode_override"


def _hardening_counts_table(findings: list[Finding]) -> Table:
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


def show_hardening(console: Console, run_id: str) -> None:
    """Print the hardening tables of the run; nothing for a run without hardening findings."""
    with EvidenceStore() as store:
        run = store.get_run(run_id)
        if run is None:
            return
        findings = [f for f in store.run_findings(run_id) if f.area == HARDENING]
        actions = [a for a in store.run_actions(run_id) if a.area == HARDENING]
    if not findings:
        return
    changes = [a for a in actions if a.kind == "setting_changed"]
    for override in (a for a in actions if a.kind == MODE_OVERRIDE):
        console.print(f"Hardening: OVERRIDE on {escape(override.host or '-')}: {escape(override.detail)}",
                      style="bold yellow", soft_wrap=True)
    console.print("Hardening: controls per host", style="bold")
    console.print(_hardening_counts_table(findings))
    failing = most_severe_first(f for f in findings if f.status in ("fail", "error"))
    if failing:
        _headline, table = findings_table(failing)
        console.print(f"Hardening: {len(failing)} failing control(s)", style="bold", soft_wrap=True)
        console.print(table)
    waived = [f for f in findings if f.status == "waived"]
    if waived:
        console.print(f"Hardening: {len(waived)} waived control(s)", style="bold")
        console.print(_waived_table(waived))
    verb = "would change" if run.check_mode else "changed"
    console.print(f"Hardening: {len(changes)} control(s) {verb} (details: the evidence store's actions)", soft_wrap=True)
