"""`tripod triage serve`: Alertmanager's webhook receiver, with a delivery thread.

POST /alertmanager takes Alertmanager's payload (version 4). The alerts are triaged in one
transaction that is committed before the answer, so a 200 means the ticket state and the
events to send are in the evidence store; after a crash nothing acknowledged is lost, and
what was not acknowledged Alertmanager sends again. A payload that is not Alertmanager's
gets 400 (Alertmanager does not retry those): a bad or missing Content-Length, a body
shorter than it (after REQUEST_TIMEOUT), JSON nested too deeply, NaN or Infinity, a label
that is not a string, a time more than a day ahead or before 2000. A store that cannot be
written gets 503 (Alertmanager retries). An alert that belongs to no client of the
inventory (an unknown host, or a `client` label that is not its host's client) is never
routed to a client's sink: it goes to the operator's unassigned sink (`--unassigned-jsonl`)
or is rejected, and the answer is 422 naming each rejected alert (the request's other alerts
are triaged). GET /healthz answers 200 with the queue's counts.

When TRIPOD_TRIAGE_TOKEN (or `serve_token` in the secrets file) is set, a request must
carry `Authorization: Bearer <token>` (Alertmanager: `http_config.authorization`).

The delivery thread sends the queued events as soon as a request queued some, and
retries what is left every `retry_interval` seconds. It starts by sending what a previous
process left behind.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tripod.errors import store_reason
from tripod.store import STORE_ERRORS, EvidenceStore
from tripod.triage.alertmanager import PayloadError, parse_payload
from tripod.triage.delivery import deliver
from tripod.triage.intake import triage_alerts
from tripod.triage.routes import RouteTable
from tripod.triage.secrets import Secrets

MAX_BODY_BYTES = 5 * 1024 * 1024
ALERTMANAGER_PATH = "/alertmanager"
REQUEST_TIMEOUT = 30.0


class TriageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], table: RouteTable, secrets: Secrets, db_path: str | Path,
                 retry_interval: float = 60.0, log: Callable[[str], None] = print) -> None:
        super().__init__(address, _Handler)
        self.table = table
        self.secrets = secrets
        self.db_path = db_path
        self.retry_interval = retry_interval
        self.log = log
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.deliverer = threading.Thread(target=self._deliver_loop, name="tripod-delivery", daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host!s}:{port}"

    def start_delivery(self) -> None:
        self.deliverer.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.shutdown()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line, never a traceback on the console, for whatever a request broke."""
        import sys

        kind, exc = sys.exc_info()[:2]
        self.log(f"{client_address[0]}: request failed: {kind.__name__ if kind else 'error'}: {exc}")

    def _deliver_loop(self) -> None:
        with EvidenceStore(self.db_path) as store:
            while not self.stopping.is_set():
                self.wake.clear()
                try:
                    report = deliver(store.tickets, self.secrets, self.stopping, self.table.clients)
                    for error in report.errors:
                        self.log(f"delivery: {error}")
                    if report.sent:
                        sent = ", ".join(f"{sink} {count}" for sink, count in sorted(report.sent.items()))
                        self.log(f"delivery: sent {sent}")
                except Exception as exc:  # noqa: BLE001 - the thread must keep going; the event stays queued
                    self.log(f"delivery: internal error, retrying later: {type(exc).__name__}: {exc}")
                self.wake.wait(self.retry_interval)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def parse_body(body: bytes) -> list[Any]:
    """The alerts of one request body; ValueError (or PayloadError) says what is wrong, never a crash."""
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    return parse_payload(data)


class _Handler(BaseHTTPRequestHandler):
    server: TriageServer
    server_version = "tripod-triage"
    timeout = REQUEST_TIMEOUT  # a client that sends less than its Content-Length is answered, not waited for

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        self.server.log(f"{self.address_string()} {format % args}")

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        token = self.server.secrets.serve_token
        if not token:
            return True
        given = self.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != "/healthz":
            self._answer(404, {"error": f"no such path {self.path}; POST alerts to {ALERTMANAGER_PATH}"})
            return
        try:
            with EvidenceStore(self.server.db_path) as store:
                counts = store.tickets.event_counts(self.server.table.clients)
        except STORE_ERRORS as exc:
            self._answer(503, {"status": "evidence store unavailable", "error": store_reason(exc)})
            return
        queued = sum(count for (_sink, status), count in counts.items() if status in ("pending", "sending"))
        failed = sum(count for (_sink, status), count in counts.items() if status == "failed")
        self._answer(200, {"status": "ok", "queued_events": queued, "failed_events": failed})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        try:
            self._post()
        except Exception as exc:  # noqa: BLE001 - answer 500 and log one line; the server goes on
            self.server.log(f"{self.address_string()}: internal error: {type(exc).__name__}: {exc}")
            self.close_connection = True
            try:
                self._answer(500, {"error": f"internal error: {type(exc).__name__}"})
            except OSError:
                pass

    def _body(self) -> bytes | None:
        """The request body, or None after answering 400/413 (bad or missing Content-Length, short body)."""
        raw = (self.headers.get("Content-Length") or "").strip()
        if not raw.isdigit() or len(raw) > 12:
            self.close_connection = True
            self._answer(400, {"error": f"Content-Length: {raw[:40]!r} is not a byte count"})
            return None
        length = int(raw)
        if length <= 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            self._answer(413 if length > MAX_BODY_BYTES else 400, {"error": "the body must be 1 byte to 5 MiB"})
            return None
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            body = b""
        if len(body) != length:
            self.close_connection = True
            self._answer(400, {"error": f"the body is shorter than its Content-Length ({length})"})
            return None
        return body

    def _post(self) -> None:
        if self.path != ALERTMANAGER_PATH:
            self._answer(404, {"error": f"no such path {self.path}; POST alerts to {ALERTMANAGER_PATH}"})
            return
        if not self._authorized():
            self._answer(401, {"error": "missing or wrong bearer token"})
            return
        body = self._body()
        if body is None:
            return
        try:
            alerts = parse_body(body)
        except (ValueError, PayloadError) as exc:
            self._answer(400, {"error": str(exc)[:500]})
            return
        rejected: list[str] = []
        try:
            with EvidenceStore(self.server.db_path) as store:
                outcomes = triage_alerts(store.tickets, self.server.table, alerts, rejected)
        except STORE_ERRORS as exc:
            self._answer(503, {"error": f"the evidence store cannot be written, retry later: {store_reason(exc)}"})
            return
        if outcomes:
            self.server.wake.set()
        answer: dict[str, Any] = {"received": len(alerts), "outcomes": dict(outcomes)}
        if rejected:
            # The other alerts of the request are triaged (Alertmanager does not resend a 4xx).
            for reason in rejected:
                self.server.log(f"rejected: {reason}")
            answer.update(error=f"{len(rejected)} alert(s) belong to no client of this inventory", rejected=rejected)
            self._answer(422, answer)
            return
        self._answer(200, answer)
