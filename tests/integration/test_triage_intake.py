"""`tripod triage serve` on loopback, fed what a careless or hostile sender sends (issue 12 §1, §5):
an alert of another client never reaches this client's sink (422, or the operator's unassigned
sink), and malformed requests get a 400 answer, never a dropped connection or a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import REPO
from tests.integration.servicedesk import Serve, environment, jsonl, post, write_inventory

STRANGER = {"status": "firing", "labels": {"alertname": "NodeDown", "client": "other-client", "host": "stranger.example"},
            "annotations": {"summary": "down"}, "startsAt": "2026-11-27T10:00:00Z", "fingerprint": "stranger"}


def ours(host: str = "web1", **labels: str) -> dict[str, Any]:
    return {"status": "firing", "labels": {"alertname": "NodeDown", "host": host, "severity": "critical", **labels},
            "annotations": {"summary": f"{host} down"}, "startsAt": "2026-11-27T10:00:00Z", "fingerprint": host}


def raw(base: str, request: bytes) -> tuple[int, dict[str, Any]]:
    """Send bytes as they are; return the status and the JSON answer (a dropped connection fails)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1."), f"no HTTP answer: {answer[:200]!r}"
    return int(head.split()[1]), json.loads(body)


def request(body: bytes, length: str | None = None) -> bytes:
    size = str(len(body)) if length is None else length
    return (f"POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n").encode() + body


@pytest.fixture(scope="module")
def acme(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("intake")
    inventory = write_inventory(root / "inv", {"web1": "tier_srp_server", "web2": "tier_srp_server"},
                                {"sinks": ["jsonl"], "jsonl": {"path": str(root / "acme.jsonl")}})
    return root, inventory


def test_an_alert_of_another_client_is_rejected_and_bad_requests_get_400(acme):
    root, inventory = acme
    data = root / "data-reject"
    server = Serve(inventory, environment(data))
    try:
        url = f"{server.base}/alertmanager"
        status, answer = post(url, [ours("web1"), STRANGER, ours("web2", client="other-client")], token=None)
        assert status == 422, answer
        assert answer["outcomes"] == {"opened": 1}, "the request's own alert is triaged"
        assert [r.split(":")[0] for r in answer["rejected"]] == ["alerts[1]", "alerts[2]"]
        assert "host stranger.example belongs to no client of this inventory" in answer["rejected"][0]

        nested = b'{"version": "4", "alerts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        for bad, part in ((request(b"{}", "abc"), "Content-Length: 'abc' is not a byte count"),
                          (request(b"{}", "-5"), "is not a byte count"),
                          (request(b"{}", "10"), "shorter than its Content-Length"),
                          (request(nested), "nested too deeply"),
                          (request(json.dumps({"alerts": [ours()]}).replace('"web1"', "NaN").encode()), "NaN"),
                          (request(json.dumps({"alerts": [{**ours(), "startsAt": "9999-01-01T00:00:00Z"}]}).encode()),
                           "is in the future")):
            status, answer = raw(server.base, bad)
            assert (status, part in answer["error"]) == (400, True), (bad[:120], answer)
        server.drain()
    finally:
        log = server.stop()
    assert "Traceback" not in log
    tickets = jsonl(root / "acme.jsonl")
    assert [(t["client"], t["host"]) for t in tickets] == [("acme", "web1")], "nothing foreign in acme's sink"


def test_the_operators_unassigned_sink_gets_them_never_a_clients(acme):
    root, inventory = acme
    env = environment(root / "data-unassigned")
    refused = subprocess.run([sys.executable, "-m", "tripod.cli", "triage", "serve", "-i", str(inventory),
                              "--listen", "127.0.0.1:0", "--unassigned-jsonl", str(root / "acme.jsonl")],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "is the JSON-lines sink of client acme" in refused.stderr
    before = jsonl(root / "acme.jsonl")
    server = Serve(inventory, env, "--unassigned-jsonl", str(root / "unassigned.jsonl"))
    try:
        status, answer = post(f"{server.base}/alertmanager", [STRANGER], token=None)
        assert (status, answer["outcomes"]) == (200, {"opened": 1})
        server.drain()
    finally:
        server.stop()
    (ticket,) = jsonl(root / "unassigned.jsonl")
    assert (ticket["client"], ticket["host"], ticket["event"]) == ("", "stranger.example", "opened")
    assert jsonl(root / "acme.jsonl") == before
