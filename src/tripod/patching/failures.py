"""Turn a failed patch task into one clear sentence for the evidence and the engineer.

Transient failures (the package database locked by another process, the mirror
unreachable) are retried by the role (`patch.retries` times); `TRANSIENT_PATTERN` is the
regex the role's `until:` uses, so only those are retried. A failure that remains after
the retries is explained here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_LOCK = (r"Could not get lock|Unable to acquire the dpkg frontend lock|Failed to lock apt|"
         r"dpkg (frontend )?lock|is another process using it|Waiting for cache lock|"
         r"database is locked|another copy is running|waiting for process with pid")
_MIRROR = (r"Failed to (fetch|update apt cache|download)|Could not fetch|Temporary failure resolving|"
           r"Could not resolve|Connection (timed out|refused|failed)|Cannot (download|retrieve)|"
           r"No more mirrors to try|Curl error|Network is unreachable|Unable to connect")
# The role retries a package task only when its message matches (the test tripod.maintenance.transient_failure).
TRANSIENT_PATTERN = f"({_LOCK}|{_MIRROR})"

_HELD_BY = re.compile(r"held by process (\d+) \(([^)]*)\)")


@dataclass(frozen=True)
class Failure:
    kind: str  # package_lock | mirror | reboot_timeout | hook | health_gate | other
    message: str


def is_transient(result: Mapping[str, Any]) -> bool:
    """True when a failed task result says the package database was locked or the mirror unreachable."""
    return bool(re.search(TRANSIENT_PATTERN, _text(result), re.IGNORECASE))


def _text(result: Mapping[str, Any]) -> str:
    parts = [str(result.get(key) or "") for key in ("msg", "stderr", "stdout")]
    return "\n".join(part for part in parts if part)


def classify(task: str, result: Mapping[str, Any], retries: int = 0) -> Failure:
    """One sentence for a failed task result (its `msg`, `stderr` and `stdout`).

    A transient failure that is still there was retried `retries` times (patch.retries): Ansible's
    own `attempts` is not the number of attempts once the retries ran out.
    """
    text = _text(result)
    tries = f" after {retries + 1} attempt(s)" if retries > 0 and is_transient(result) else ""
    if re.search(_LOCK, text, re.IGNORECASE):
        holder = _HELD_BY.search(text)
        who = f" (process {holder.group(1)}, {holder.group(2)})" if holder else ""
        return Failure("package_lock", f"package database locked by another process{who}{tries}; nothing was installed")
    if re.search(_MIRROR, text, re.IGNORECASE):
        return Failure("mirror", f"package mirror unreachable{tries}: {_first_line(text)}")
    if re.search(r"Timed out waiting for|did not come back|reboot_timeout", text, re.IGNORECASE):
        return Failure("reboot_timeout", f"host did not come back after the reboot: {_first_line(text)}")
    first = _first_line(text) or "no message"
    return Failure("other", f"{task or 'a patching task'} failed{tries}: {first}")


def _first_line(text: str, limit: int = 240) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:limit]
    return ""
