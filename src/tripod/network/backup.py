"""Running-config backups: secrets masked, plain files per client and device that a user can
diff, a content hash for the evidence store, drift against the last backup and a golden baseline.

Layout: <data dir>/network/<client>/<host>/<YYYYmmddTHHMMSSZ>.cfg, one file per distinct
configuration (an unchanged configuration writes no new file), the newest `backup_retention` kept.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tripod.atomic import atomic_write_text

MASK = "<masked>"

_SECRET = re.compile(
    r"(?P<key>\b(?:password|secret|key|community|psksecret|passwd|encrypted-password|plaintext-password|"
    r"pre-shared-key|authentication-key|authentication-password|encryption-password|md5|passphrase|"
    r"private-key|auth-key)\b[ =]+(?:(?:\d+|ENC|sha512|sha256|md5|type-\d+) )?)(?P<value>\"[^\"]*\"|'[^']*'|\S+)",
    re.IGNORECASE,
)
#: Lines that change without a configuration change (timestamps, sizes): never drift.
_VOLATILE = re.compile(r"^(?:! Last configuration change|! NVRAM config last updated|! No configuration change|"
                       r"Building configuration|Current configuration|ntp clock-period|# \w{3}/\d\d/\d{4}|"
                       r"#config-version=|! Time:|! Command: show|# [a-z]{3}/\d{2}/\d{4} \d\d:\d\d:\d\d by|"
                       r"# \d{4}-\d\d-\d\d \d\d:\d\d:\d\d by RouterOS)")


def mask_secrets(text: str) -> str:
    """`text` with every password, secret, key and SNMP community replaced by <masked>."""
    return _SECRET.sub(lambda m: m.group("key") + MASK, text)


def normalize(text: str) -> str:
    """The configuration as backed up: secrets masked, volatile lines and trailing blanks dropped."""
    lines = [line.rstrip() for line in mask_secrets(text.replace("\r\n", "\n")).split("\n")]
    kept = [line for line in lines if not _VOLATILE.match(line.strip())]
    while kept and not kept[-1]:
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    return "\n".join(kept) + "\n"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    written: bool  # a new version was written (the configuration differs from the last backup)
    previous: Path | None  # the backup before this run, if any
    added: list[str]
    removed: list[str]
    pruned: list[Path]


def device_dir(base: Path, client: str, host: str) -> Path:
    """Per client, then per device: two clients may both have a `core-sw1`."""
    for part in (client, host):
        if not part or "/" in part or part in (".", "..") or "\\" in part:
            raise ValueError(f"{part!r} cannot name a backup directory")
    return base / "network" / client / host


def history(directory: Path) -> list[Path]:
    """The device's backups, oldest first."""
    return sorted(directory.glob("*.cfg")) if directory.is_dir() else []


def store_backup(base: Path, client: str, host: str, running: str, now: datetime, retention: int,
                 dry_run: bool = False) -> BackupResult:
    """Keep the masked running config if it changed since the last backup; prune to `retention`.
    `dry_run` (check mode): compare only; the result says what would be written, nothing is."""
    directory = device_dir(base, client, host)
    text = normalize(running)
    digest = content_hash(text)
    versions = history(directory)
    previous = versions[-1] if versions else None
    old = previous.read_text(encoding="utf-8") if previous else None
    added: list[str] = []
    removed: list[str] = []
    if old is not None and old != text:
        for line in difflib.unified_diff(old.splitlines(), text.splitlines(), lineterm="", n=0):
            if line.startswith("+") and not line.startswith("+++"):
                added.append(line[1:])
            elif line.startswith("-") and not line.startswith("---"):
                removed.append(line[1:])
    if old == text and previous is not None:
        return BackupResult(previous, digest, False, previous, [], [], [])
    path = directory / f"{now.strftime('%Y%m%dT%H%M%SZ')}.cfg"
    if dry_run:
        return BackupResult(path, digest, True, previous, added, removed, [])
    directory.mkdir(parents=True, exist_ok=True, mode=0o750)
    atomic_write_text(path, text)
    path.chmod(0o640)
    versions = history(directory)
    pruned = versions[:-retention] if len(versions) > retention else []
    for old_path in pruned:
        old_path.unlink()
    return BackupResult(path, digest, True, previous, added, removed, pruned)


def missing_snippets(running: str, snippets: list[str]) -> list[str]:
    """Golden baseline lines the configuration lacks (compared line by line, whitespace trimmed)."""
    present = {line.strip() for line in running.splitlines()}
    return [snippet for snippet in snippets if snippet.strip() not in present]
