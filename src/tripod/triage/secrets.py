"""Sink credentials: from the environment, or from an ansible-vault file. Never stored.

Environment variables (how AWX and systemd credentials hand them over):

    TRIPOD_WEBHOOK_TOKEN   bearer token for the webhook sink
    TRIPOD_SMTP_USER       SMTP login (with TRIPOD_SMTP_PASSWORD)
    TRIPOD_SMTP_PASSWORD
    TRIPOD_TRIAGE_TOKEN    bearer token Alertmanager must present to `tripod triage serve`

`--secrets FILE` reads the same values from a YAML mapping (keys `webhook_token`,
`smtp_user`, `smtp_password`, `serve_token`), encrypted with ansible-vault as a whole or
value by value, decrypted with `--vault-password-file`. A value in the file wins over the
environment. The values are held in memory only: never written to the evidence store, a
ticket, the outbox or a log, and never shown by `repr()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tripod.errors import InputError
from tripod.inventory import use_vault_password_file

ENV = {
    "webhook_token": "TRIPOD_WEBHOOK_TOKEN",
    "smtp_user": "TRIPOD_SMTP_USER",
    "smtp_password": "TRIPOD_SMTP_PASSWORD",
    "serve_token": "TRIPOD_TRIAGE_TOKEN",
}


@dataclass(frozen=True)
class Secrets:
    webhook_token: str | None = field(default=None, repr=False)
    smtp_user: str | None = field(default=None, repr=False)
    smtp_password: str | None = field(default=None, repr=False)
    serve_token: str | None = field(default=None, repr=False)

    def values(self) -> list[str]:
        """Every secret that is set (to check that none leaked into an output)."""
        return [value for value in (getattr(self, f.name) for f in fields(self)) if value]


def _from_file(path: Path, vault_password_file: str | None) -> dict[str, Any]:
    from ansible.errors import AnsibleError
    from ansible.parsing.dataloader import DataLoader

    if not path.is_file():
        raise InputError(f"{path}: secrets file not found")
    loader = DataLoader()
    if vault_password_file:
        if not Path(vault_password_file).expanduser().is_file():
            raise InputError(f"{vault_password_file}: vault password file not found")
        use_vault_password_file(loader, vault_password_file)
    try:
        data = loader.load_from_file(str(path))
    except AnsibleError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: cannot read the secrets file ({first}); is --vault-password-file right?") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: the secrets file must hold a mapping")
    unknown = sorted(set(map(str, data)) - set(ENV))
    if unknown:
        raise InputError(f"{path}: {unknown[0]}: unknown key (known: {', '.join(ENV)})")
    values = {}
    for key, value in data.items():
        if value is None:
            continue
        try:
            values[key] = str(value)  # decrypts an inline !vault value
        except AnsibleError:
            raise InputError(f"{path}: {key}: cannot decrypt the value; is --vault-password-file right?") from None
    return values


def load_secrets(path: str | None = None, vault_password_file: str | None = None) -> Secrets:
    """The sinks' credentials: `path` (if given) over the environment."""
    values: dict[str, Any] = {key: os.environ.get(name) or None for key, name in ENV.items()}
    if path:
        values.update(_from_file(Path(path).expanduser(), vault_password_file))
    return Secrets(**values)
