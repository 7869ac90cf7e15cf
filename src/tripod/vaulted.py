"""Ansible Vault data as Tripod meets it outside Ansible: recognise it, never show it.

Tripod reads some YAML itself (the `-e @file` check, error messages about values). Vault
ciphertext must pass through untouched to Ansible, which decrypts it with the vault
password, and must never be printed: an error names the key, not the value.
"""

from __future__ import annotations

from typing import Any

import yaml

VAULT_HEADER = "$ANSIBLE_VAULT;"


def is_vault_file(text: str) -> bool:
    """A whole file encrypted with ansible-vault."""
    return text.lstrip().startswith(VAULT_HEADER)


class VaultedValue(str):
    """An inline `!vault` value: its ciphertext, which is never shown (str() and repr() hide it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<vaulted value>"

    def __str__(self) -> str:
        return "<vaulted value>"


class _Loader(yaml.SafeLoader):
    """SafeLoader that takes Ansible's `!vault` and `!unsafe` tags."""


def _vault(loader: yaml.SafeLoader, node: yaml.Node) -> VaultedValue:
    return VaultedValue(loader.construct_scalar(node))  # type: ignore[arg-type]


def _unsafe(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_Loader.add_constructor("!vault", _vault)
_Loader.add_constructor("!unsafe", _unsafe)


def load_yaml_with_vault_tags(text: str) -> Any:
    """YAML as Ansible reads it (`!vault` and `!unsafe` tags allowed); vaulted values stay hidden."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def is_vaulted(value: Any) -> bool:
    """Vault data: a `!vault` value as Tripod or Ansible loads it (EncryptedString, AnsibleVaultEncryptedUnicode)."""
    if isinstance(value, VaultedValue) or type(value).__name__ in ("EncryptedString", "AnsibleVaultEncryptedUnicode"):
        return True
    for attribute in ("_ciphertext", "ciphertext", "data"):
        try:
            inner = getattr(value, attribute, None)
        except Exception:  # noqa: BLE001 - decrypting properties may raise without a password
            continue
        if isinstance(inner, (str, bytes)) and VAULT_HEADER.encode() in (inner if isinstance(inner, bytes) else inner.encode()):
            return True
    return isinstance(value, str) and VAULT_HEADER in value


def shown(value: Any) -> str:
    """A value for an error message: `<vaulted value>` for vault data, else its repr."""
    return "<vaulted value>" if is_vaulted(value) else repr(value)
