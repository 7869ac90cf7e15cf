"""The email sink: one message per ticket event, over SMTP, only after STARTTLS.

The server's certificate is verified (`alerts.email.ca_file`, else the system's CAs) and
its name checked; a server that does not offer STARTTLS gets nothing. The login
(TRIPOD_SMTP_USER / TRIPOD_SMTP_PASSWORD, or the secrets file) is only sent inside TLS.
The Message-ID is made from the event's idempotency key, so a message re-sent after a
crash carries the same id and mail systems can drop the copy. 4xx SMTP answers and lost
connections are retried by the next delivery pass; 5xx answers and a refused login
reject the event.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Mapping

from tripod.store.tickets import TicketEvent
from tripod.triage.secrets import Secrets
from tripod.triage.sinks import Rejected, RetryLater

_FIELDS = ("ticket_id", "event", "status", "priority", "service_desk", "severity", "client", "host", "tier",
           "check_id", "title", "evidence", "remediation", "occurrences", "opened_at", "updated_at", "resolved_at",
           "resolution", "source", "idempotency_key")


def subject(payload: Mapping[str, Any]) -> str:
    return (f"[{payload['priority']}][Tier {payload['desk_tier']}] {payload['event']}: {payload['client'] or '-'}/"
            f"{payload['host']} {payload['check_id']} {payload['title']}")


def message(event: TicketEvent, sender: str, recipients: list[str]) -> EmailMessage:
    payload = event.payload
    mail = EmailMessage()
    mail["Subject"] = subject(payload)
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(usegmt=True)
    domain = sender.rpartition("@")[2] or "tripod.invalid"
    mail["Message-ID"] = f"<{event.idempotency_key}@{domain}>"
    mail["X-Tripod-Ticket"] = str(payload["ticket_id"])
    mail["X-Tripod-Event"] = str(payload["event"])
    mail["X-Tripod-Priority"] = str(payload["priority"])
    body = "\n".join(f"{name}: {payload.get(name) if payload.get(name) is not None else '-'}" for name in _FIELDS)
    mail.set_content(body + "\n")
    return mail


class EmailSink:
    def __init__(self, settings: Mapping[str, Any], secrets: Secrets) -> None:
        self.host = str(settings["smtp_host"])
        self.port = int(settings["smtp_port"])
        self.sender = str(settings["sender"])
        self.recipients = [str(address) for address in settings["to"]]
        self.timeout = float(settings["timeout_seconds"])
        self.ca_file = str(settings.get("ca_file") or "") or None
        self.user = secrets.smtp_user
        self.password = secrets.smtp_password

    def send(self, event: TicketEvent) -> None:
        self.send_message(message(event, self.sender, self.recipients))

    def send_message(self, mail: EmailMessage) -> None:
        """Send `mail` (any message: the ticket events, `tripod report --send`) after STARTTLS."""
        where = f"{self.host}:{self.port}"
        try:
            context = ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise Rejected(f"cannot load the CA file {self.ca_file}: {exc}") from None
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise Rejected(f"{where} does not offer STARTTLS; nothing was sent")
                smtp.starttls(context=context)
                smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPNotSupportedError as exc:
            raise Rejected(f"{where}: {exc}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise Rejected(f"{where} refused the login ({exc.smtp_code})") from None
        except ssl.SSLCertVerificationError as exc:
            raise Rejected(f"{where}: the certificate does not verify: {exc.verify_message}") from None
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            error = f"{where} answered {exc.smtp_code} {text}"[:300]
            raise (RetryLater(error) if 400 <= exc.smtp_code < 500 else Rejected(error)) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise Rejected(f"{where} refused the recipients {', '.join(map(str, exc.recipients))}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryLater(f"{where}: {type(exc).__name__}: {exc}"[:300]) from None
