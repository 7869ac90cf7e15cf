"""Terminal output with rich: live progress while a run goes, a summary table at the end."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tripod.audit import HostSummary
from tripod.runner import HostOutcome, RunResult

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
