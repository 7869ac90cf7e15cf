"""`tripod triage serve`: Alertmanager's webhook receiver, with a delivery thread.

POST /alertmanager takes Alertmanager's payload (version 4). The alerts are triaged in one
transaction that is committed before the answer, so a 200 means the ticket state and the
events to send are in the evidence store; after a crash nothing acknowledged is lost, and
what was not acknowledged Alertmanager sends again. A payload that is not Alertmanager's
gets 400 (Alertmanager does not retry those); a store that cannot be written gets 503
(it does). GET /healthz answers 200 with the queue's counts.

When TRIPOD_TRIAGE_TOKEN (or `serve_token` in the secrets file) is set, a request must
carry `Authorization: Bearer <token>` (Alertmanager: `http_config.authorization`).

The delivery thread sends the queued events as soon as a request queued some, and
retries what is left every `retry_interval` seconds. It starts by sending what a previous
process left behind.
"""

from __future__ import annotations

import hmac
import json
import sqlite3
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tripod.store import EvidenceStore
from tripod.triage.alertmanager import PayloadError, parse_payload
from tripod.triage.delivery import deliver
from tripod.triage.intake import triage_alerts
from tripod.triage.routes import RouteTable
from tripod.triage.secrets import Secrets

MAX_BODY_BYTES = 5 * 1024 * 1024
ALERTMANAGER_PATH = "/alertmanager"


class TriageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], table: RouteTable, secrets: Secrets, db_path: Path,
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


class _Handler(BaseHTTPRequestHandler):
    server: TriageServer
    server_version = "tripod-triage"

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
        with EvidenceStore(self.server.db_path) as store:
            counts = store.tickets.event_counts(self.server.table.clients)
        queued = sum(count for (_, status), count in counts.items() if status in ("pending", "sending"))
        failed = sum(count for (_, status), count in counts.items() if status == "failed")
        self._answer(200, {"status": "ok", "queued_events": queued, "failed_events": failed})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != ALERTMANAGER_PATH:
            self._answer(404, {"error": f"no such path {self.path}; POST alerts to {ALERTMANAGER_PATH}"})
            return
        if not self._authorized():
            self._answer(401, {"error": "missing or wrong bearer token"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY_BYTES:
            self._answer(413 if length > MAX_BODY_BYTES else 400, {"error": "the body must be 1 byte to 5 MiB"})
            return
        try:
            alerts = parse_payload(json.loads(self.rfile.read(length)))
        except (ValueError, PayloadError) as exc:
            self._answer(400, {"error": str(exc)[:500]})
            return
        try:
            with EvidenceStore(self.server.db_path) as store:
                outcomes = triage_alerts(store.tickets, self.server.table, alerts)
        except sqlite3.Error as exc:
            self._answer(503, {"error": f"the evidence store cannot be written, retry later: {exc}"})
            return
        self.server.wake.set()
        self._answer(200, {"received": len(alerts), "outcomes": dict(outcomes)})
