"""Load an Ansible inventory offline (no host is contacted) and validate every host's policy."""

from __future__ import annotations

import contextlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tripod.errors import InputError
from tripod.policy import Problem, Resolution, resolve_host
from tripod.policy.origin import ansible_origin
from tripod.policy.resolve import CLIENT_VAR, LAYERS


@dataclass(frozen=True)
class InventoryHost:
    name: str
    groups: list[str]
    vars: dict[str, Any]


def _strict_inventory_env() -> None:
    # A source that does not parse must be an error, not a warning and an empty inventory.
    os.environ.setdefault("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true")
    os.environ.setdefault("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "true")


def use_vault_password_file(loader: Any, vault_password_file: str) -> None:
    """Give an Ansible DataLoader the vault password in `vault_password_file`. The process-wide
    vault context (which decrypts inline `!vault` values) is set up by the first caller only."""
    from ansible.cli import CLI
    from ansible.parsing.vault import VaultSecretsContext

    first = VaultSecretsContext.current(optional=True) is None
    loader.set_vault_secrets(CLI.setup_vault_secrets(loader, vault_ids=[], vault_password_files=[vault_password_file],
                                                     initialize_context=first))


def load_hosts(sources: list[str], limit: str | None = None, vault_password_file: str | None = None) -> list[InventoryHost]:
    """Every host of the inventory (after `limit`), with its groups and Tripod variables."""
    for source in sources:
        if not Path(source).exists() and "," not in source:
            raise InputError(f"{source}: inventory not found")
    if vault_password_file and not Path(vault_password_file).expanduser().is_file():
        raise InputError(f"{vault_password_file}: vault password file not found")
    _strict_inventory_env()
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    if vault_password_file:
        use_vault_password_file(loader, vault_password_file)
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            inventory = InventoryManager(loader=loader, sources=sources)
        if limit:
            inventory.subset(limit)
        variables = VariableManager(loader=loader, inventory=inventory)
        hosts = []
        for host in inventory.get_hosts():
            all_vars = variables.get_vars(host=host, include_hostvars=False)
            wanted = {name: all_vars[name] for name in (*LAYERS, CLIENT_VAR) if name in all_vars}
            hosts.append(InventoryHost(host.name, [g.name for g in host.get_groups()], wanted))
    except AnsibleError as exc:
        located = _locate_yaml_error(sources)
        raise InputError(located or _parse_error(str(exc), captured.getvalue())) from None
    return hosts


class _AnsibleYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader that tolerates Ansible's tags (!vault, !unsafe)."""


_AnsibleYamlLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _locate_yaml_error(sources: list[str]) -> str | None:
    """Ansible does not always say which vars file is broken: find it and its line ourselves."""
    for source in sources:
        base = Path(source)
        roots = [base] if base.is_dir() else [base.parent]
        for root in roots:
            for folder in ("group_vars", "host_vars"):
                for path in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else []:
                    if not path.is_file() or path.suffix not in ("", ".yml", ".yaml", ".json"):
                        continue
                    try:
                        yaml.load(path.read_text(encoding="utf-8"), Loader=_AnsibleYamlLoader)  # noqa: S506 - safe loader subclass
                    except yaml.MarkedYAMLError as exc:
                        mark = exc.problem_mark
                        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
                        return f"{where}: YAML parsing failed: {exc.problem}"
                    except (yaml.YAMLError, UnicodeDecodeError) as exc:
                        return f"{path}: cannot be parsed: {exc}"
    return None


_ORIGIN = re.compile(r"^Origin: (?P<where>/[^<>]+?)\s*$", re.MULTILINE)


def _parse_error(message: str, warnings: str) -> str:
    """One line naming the file (and line) and the cause, from Ansible's verbose parse errors."""
    text = f"{message}\n{warnings}"
    first = next((line.strip() for line in message.splitlines() if line.strip()), message)
    origin = _ORIGIN.search(text)
    cause = re.search(r"(YAML parsing failed: [^\n]+|Syntax Error[^\n]+|Invalid [^\n]+)", text)
    if origin and cause:
        return f"{origin.group('where')}: {cause.group(1)}"
    return first


def validate_inventory(sources: list[str], limit: str | None = None, vault_password_file: str | None = None) -> tuple[list[Resolution], list[Problem]]:
    """Resolve every host; return the resolutions and every problem found, all at once."""
    hosts = load_hosts(sources, limit, vault_password_file)
    if not hosts:
        raise InputError(f"{', '.join(sources)}: the inventory has no hosts" + (f" matching --limit {limit}" if limit else ""))
    resolutions = [resolve_host(h.name, h.groups, h.vars, ansible_origin) for h in hosts]
    problems = [problem for resolution in resolutions for problem in resolution.problems]
    from tripod.hardening.host import waiver_problems  # the client's hardening waivers file, if any

    problems.extend(waiver_problems(resolutions, sources))
    return resolutions, problems
