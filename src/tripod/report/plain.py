"""Plain words for report figures: "expired 15 days ago", "never reached: SSH connection refused"."""

from __future__ import annotations

import re

#: Raw connection messages (Ansible, SSH, WinRM) -> a short reason a client understands. First match wins.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern, re.IGNORECASE), reason) for pattern, reason in (
    (r"connection refused", "SSH connection refused"),
    (r"connection timed out|timed out|timeout", "connection timed out"),
    (r"no route to host|network is unreachable", "no network route to the host"),
    (r"could not resolve|name or service not known|nodename nor servname", "host name does not resolve"),
    (r"permission denied|authentication fail|access is denied|unauthori[sz]ed", "login refused (credentials)"),
    (r"host key verification failed|remote host identification has changed", "SSH host key mismatch"),
    (r"winrm|kerberos|ntlm", "WinRM connection failed"),
    (r"failed to connect|unreachable|ssh", "connection failed"),
))


def short_reason(message: str | None) -> str:
    """A short reason for a failed connection, never the raw Ansible message."""
    for pattern, reason in _REASONS:
        if message and pattern.search(message):
            return reason
    return "no answer" if not message else "run failed before recording facts"


def days_phrase(days: int | None, *, past: str = "ago", future: str = "in") -> str:
    """-15 -> "15 days ago", 3 -> "in 3 days", 0 -> "today"."""
    if days is None:
        return "unknown"
    if days == 0:
        return "today"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {past}" if days < 0 else f"{future} {days} {unit}"


def expiry_phrase(days_left: int | None, when: str | None = None) -> str:
    """A certificate's or waiver's state: "expired 15 days ago" or "expires in 3 days (2026-12-10)"."""
    if days_left is None:
        return "expiry unknown"
    date = f" ({when[:10]})" if when else ""
    if days_left < 0:
        return f"expired {days_phrase(days_left)}{date}"
    if days_left == 0:
        return f"expires today{date}"
    return f"expires {days_phrase(days_left)}{date}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """3, "host" -> "3 hosts"; 1 -> "1 host"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def age_phrase(hours: float | None) -> str:
    """A backup's age: "30 hours old", "4 days old"."""
    if hours is None:
        return "age unknown"
    if hours < 48:
        return f"{round(hours)} hours old"
    return f"{round(hours / 24)} days old"
