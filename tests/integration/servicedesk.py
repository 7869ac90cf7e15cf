"""Real servers on loopback that stand in for a Service Desk: an HTTP ticket API and an SMTP
server (aiosmtpd) that requires STARTTLS and a login. And Tripod's side of the triage tests: a
client inventory, the CLI's environment, `tripod triage serve` and posting alerts to it."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from tests.integration.helpers import REPO, wait_for


@dataclass
class Received:
    key: str
    authorization: str
    body: dict[str, Any]
    at: float


class TicketApi(ThreadingHTTPServer):
    """POST /tickets: answers 503 to the first `fail_first` requests, can hold request number
    `hold_at` until `release` is set, and keeps every request it got (duplicates included)."""

    daemon_threads = True

    def __init__(self, fail_first: int = 0, hold_at: int | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _ApiHandler)
        self.fail_first = fail_first
        self.hold_at = hold_at
        self.held = threading.Event()
        self.release = threading.Event()
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/tickets"

    def __enter__(self) -> TicketApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()

    def keys(self) -> list[str]:
        return [item.key for item in self.requests]

    def accepted(self) -> dict[str, dict[str, Any]]:
        """What a receiver that honours idempotency keys keeps: one body per key."""
        kept: dict[str, dict[str, Any]] = {}
        for item in self.requests:
            kept.setdefault(item.key, item.body)
        return kept


class _ApiHandler(BaseHTTPRequestHandler):
    server: TicketApi

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.requests.append(Received(self.headers.get("Idempotency-Key", ""),
                                                 self.headers.get("Authorization", ""), body, time.monotonic()))
            number = len(self.server.requests)
        if self.server.hold_at == number:
            self.server.held.set()
            self.server.release.wait(60)
        status = 503 if number <= self.server.fail_first else 201
        data = json.dumps({"ok": status == 201}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 (it is its own CA), and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes
    tls: bool
    login: str | None


@dataclass
class MailServer:
    """aiosmtpd on 127.0.0.1 with STARTTLS (required when `tls`) and LOGIN/PLAIN auth."""

    directory: Path
    user: str = "tripod"
    password: str = "smtp-pw-not-for-logs"
    tls: bool = True
    mails: list[Mail] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        server = self

        class Handler:
            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                login = session.auth_data.login.decode() if session.authenticated and session.auth_data else None
                server.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                                         session.ssl is not None, login))
                return "250 OK"

        def authenticator(smtp: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == server.user \
                and auth_data.password.decode() == server.password
            server.logins.append((auth_data.login.decode(), ok))
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        options: dict[str, Any] = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": True}
        self.ca_file = None
        if self.tls:
            cert, key = self_signed_certificate(self.directory)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            options.update(tls_context=context, require_starttls=True)
            self.ca_file = cert
        else:
            options.update(auth_required=False, auth_require_tls=False)
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **options)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


# -- Tripod's side of the triage tests: a client inventory, the CLI's environment, triage serve --

TOKEN = "webhook-token-not-for-logs"
SERVE_TOKEN = "alertmanager-token-not-for-logs"


def closed_window() -> dict[str, Any]:
    """A daily one-hour window twelve hours from now: never open while a test runs."""
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=12)
    return {"timezone": "UTC", "days": [], "start": start.strftime("%H:%M"), "duration_minutes": 60}


def write_inventory(directory: Path, hosts: dict[str, str], alerts: dict[str, Any],
                    host_policies: dict[str, Any] | None = None) -> Path:
    groups: dict[str, Any] = {}
    for host, tier in hosts.items():
        groups.setdefault(tier, {"hosts": {}})["hosts"][host] = None
    (directory / "group_vars").mkdir(parents=True, exist_ok=True)
    (directory / "host_vars").mkdir(exist_ok=True)
    (directory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": groups}}))
    (directory / "group_vars" / "all.yml").write_text(yaml.safe_dump({
        "tripod_client": "acme",
        "tripod_client_policy": {"maintenance_window": closed_window(), "alerts": alerts},
    }))
    for host, override in (host_policies or {}).items():
        (directory / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump({"tripod_host_policy": override}))
    return directory


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, TRIPOD_DATA_DIR=str(data), TRIPOD_WEBHOOK_TOKEN=TOKEN, PYTHONUNBUFFERED="1", **extra)
    env.pop("ANSIBLE_CONFIG", None)
    return env


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def post(url: str, alerts: list[dict[str, Any]], token: str | None = SERVE_TOKEN) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"version": "4", "status": "firing", "receiver": "tripod", "alerts": alerts}).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Serve:
    def __init__(self, inventory: Path, env: dict[str, str], *extra: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tripod.cli", "triage", "serve", "-i", str(inventory), "--listen", "127.0.0.1:0",
             "--retry-interval", "0.5", *extra], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"listening on (127\.0\.0\.1:\d+)", line)
        assert match, line + self.process.stdout.read()
        self.base = f"http://{match.group(1)}"

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}/healthz", timeout=10) as answer:
            return json.loads(answer.read())

    def drain(self, timeout: float = 60) -> None:
        """Wait until the delivery thread has sent every queued event: a 200 means the event is in
        the store, and it reaches the sink a moment later (or at the next start, after a stop)."""
        wait_for(lambda: self.health()["queued_events"] == 0, timeout, "the queued events to be sent")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=30)
        return out
