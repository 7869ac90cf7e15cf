"""`tripod report --send`: each client's report by e-mail to `report.recipients`.

The mail goes through the SMTP settings the triage email sink uses (`alerts.email`: server,
port, sender, CA file, timeout; the login from TRIPOD_SMTP_USER / TRIPOD_SMTP_PASSWORD or
`--secrets`), and like the sink only after STARTTLS. The body is the executive summary in
plain text; the PDF (else the HTML) is attached.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from tripod.errors import InputError
from tripod.report.render import month_name
from tripod.report.settings import ReportSettings

#: Attached in this order of preference: the first format written is attached.
ATTACH_PREFERENCE = (".pdf", ".html")
#: alerts.email keys the mail needs.
SMTP_KEYS = ("smtp_host", "smtp_port", "sender")


def check_can_send(settings: ReportSettings) -> None:
    """An InputError naming the key when the client's report cannot be mailed (before any file is written)."""
    where = f"{settings.source}: client {settings.client!r}"
    if not settings.recipients:
        raise InputError(f"{where}: report.recipients: empty; list who receives the report, or drop --send")
    smtp = settings.smtp or {}
    for key in SMTP_KEYS:
        if not smtp.get(key):
            raise InputError(f"{where}: alerts.email.{key}: not set; --send mails the report through the SMTP "
                             "settings of the email sink")


def summary_text(report: Mapping[str, Any]) -> str:
    """The executive summary as plain text (the mail body)."""
    overall = report["scorecard"]["overall"]
    score = "no score" if overall["score"] is None else f"{overall['score']:.1f}% ({overall['band']})"
    change = "" if overall["change"] is None else f", {overall['change']:+.1f} points since last month"
    lines = [f"{report['client_name']}: IT maintenance report for {month_name(report['period']['month'])}", "",
             f"Overall score: {score}{change}.",
             f"Hosts reporting: {report['coverage']['reporting']} of {report['coverage']['expected']}.", ""]
    for area, sentence in report["summary"]["sentences"].items():
        lines.append(f"{area.capitalize()}: {sentence}")
    attention = report["summary"]["needs_attention"]
    lines += ["", "Needs your attention:" if attention else "Nothing critical or high this month."]
    lines += [f"- [{i['severity']}] {i['host']}: {i['what']} (act by {i['due']})" for i in attention]
    lines += ["", "The full report is attached."]
    return "\n".join(lines) + "\n"


def report_mail(settings: ReportSettings, month: str, body: str, files: Iterable[Path]) -> EmailMessage:
    """The mail of one client's report: the summary as the body, the PDF (else HTML) attached."""
    smtp = settings.smtp or {}
    sender = str(smtp["sender"])
    mail = EmailMessage()
    mail["Subject"] = f"{settings.display_name}: IT maintenance report {month_name(month)}"
    mail["From"] = sender
    mail["To"] = ", ".join(settings.recipients)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "tripod.invalid")
    mail.set_content(body)
    by_suffix = {path.suffix: path for path in files}
    attachment = next((by_suffix[s] for s in ATTACH_PREFERENCE if s in by_suffix), None)
    if attachment is not None:
        kind = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        mail.add_attachment(attachment.read_bytes(), maintype=maintype, subtype=subtype, filename=attachment.name)
    return mail


def send_report(settings: ReportSettings, secrets: Any, month: str, body: str, files: Iterable[Path]) -> None:
    """Mail the report; raises tripod.triage.sinks.Rejected or RetryLater with a one-line reason."""
    from tripod.triage.sinks.email import EmailSink

    smtp = {"timeout_seconds": 30, "ca_file": "", **(settings.smtp or {}), "to": list(settings.recipients)}
    EmailSink(smtp, secrets).send_message(report_mail(settings, month, body, files))
