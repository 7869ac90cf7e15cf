"""The webhook sink: each ticket event is POSTed as JSON, with retries and backoff.

Headers: `Content-Type: application/json`, `Idempotency-Key: <ticket_id>-<seq>` (the same
on every retry, and when a restarted triage sends an event whose answer it never got, so
the receiver can drop duplicates), and `Authorization: Bearer <token>` when
TRIPOD_WEBHOOK_TOKEN (or the secrets file) has one. A 2xx answer delivers the event.
No answer, a timeout, 408, 429 and 5xx are retried `retries` times, waiting
`backoff_seconds`, then twice as long at each retry (at most 300 s); anything else
(another 4xx, a redirect) rejects the event. Redirects are never followed, so the token
is only ever sent to the configured URL.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Mapping

from tripod import __version__
from tripod.store.tickets import TicketEvent
from tripod.triage.secrets import Secrets
from tripod.triage.sinks import Rejected, RetryLater

MAX_BACKOFF_SECONDS = 300.0
_RETRIED_STATUSES = {408, 429}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx answer surfaces as an HTTPError


def backoff_delays(retries: int, base: float) -> list[float]:
    """The waits before each retry: base, 2*base, 4*base, ... capped at MAX_BACKOFF_SECONDS."""
    return [min(base * (2 ** attempt), MAX_BACKOFF_SECONDS) for attempt in range(retries)]


class WebhookSink:
    def __init__(self, settings: Mapping[str, Any], secrets: Secrets,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = str(settings["url"])
        self.timeout = float(settings["timeout_seconds"])
        self.delays = backoff_delays(int(settings["retries"]), float(settings["backoff_seconds"]))
        self.token = secrets.webhook_token
        self.sleep = sleep
        self.opener = urllib.request.build_opener(_NoRedirect)

    def _request(self, event: TicketEvent) -> urllib.request.Request:
        body = json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": event.idempotency_key,
            "User-Agent": f"tripod/{__version__}",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(self.url, data=body, headers=headers, method="POST")

    def _attempt(self, event: TicketEvent) -> None:
        try:
            with self.opener.open(self._request(event), timeout=self.timeout) as answer:
                answer.read(65536)
        except urllib.error.HTTPError as exc:
            message = f"HTTP {exc.code} {exc.reason} from {self.url}"
            if exc.code >= 500 or exc.code in _RETRIED_STATUSES:
                raise RetryLater(message) from None
            raise Rejected(message) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RetryLater(f"no answer from {self.url}: {reason}") from None

    def send(self, event: TicketEvent) -> None:
        for delay in [*self.delays, None]:
            try:
                self._attempt(event)
                return
            except RetryLater:
                if delay is None:
                    raise
                self.sleep(delay)
