"""Load an Ansible inventory offline (no host is contacted) and validate every host's policy."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from tripod.errors import InputError
from tripod.policy import Problem, Resolution, resolve_host
from tripod.policy.origin import ansible_origin
from tripod.network.inventory import NETWORK_VARS, network_problems
from tripod.policy.resolve import CLIENT_VAR, LAYERS


#: Waivers files (`waivers.yml`, `acme-waivers.yaml`) and the asset file (`assets.yml`, `assets.csv`,
#: docs/lifecycle.md) sit in the inventory directory but are not inventory: Ansible must not parse them.
WAIVERS_FILE_PATTERN = r"(?:waivers\.ya?ml|assets\.(?:ya?ml|csv))$"


@dataclass(frozen=True)
class InventoryHost:
    name: str
    groups: list[str]
    vars: dict[str, Any]
    origin: str | None = None  # the inventory file (and line) that defines the host


def _strict_inventory_env() -> None:
    # A source that does not parse must be an error, not a warning and an empty inventory.
    os.environ.setdefault("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true")
    os.environ.setdefault("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "true")
    # Set in this process's environment, so that ansible-playbook started by `tripod run` skips them too.
    patterns = [p for p in os.environ.get("ANSIBLE_INVENTORY_IGNORE_REGEX", "").split(",") if p]
    if WAIVERS_FILE_PATTERN not in patterns:
        os.environ["ANSIBLE_INVENTORY_IGNORE_REGEX"] = ",".join([*patterns, WAIVERS_FILE_PATTERN])


def _apply_inventory_settings() -> None:
    """Ansible compiles its ignore patterns and reads its settings when first imported: apply ours if
    that was before our environment was set (a process that imported Ansible earlier)."""
    from ansible import constants
    from ansible.inventory import manager

    constants.INVENTORY_UNPARSED_IS_FAILED = True
    constants.INVENTORY_ANY_UNPARSED_IS_FAILED = True

    if not (manager.IGNORED.search(b"waivers.yml") and manager.IGNORED.search(b"assets.csv")):
        manager.IGNORED = re.compile(manager.IGNORED.pattern + b"|" + WAIVERS_FILE_PATTERN.encode())


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

    _apply_inventory_settings()
    loader = DataLoader()
    if vault_password_file:
        use_vault_password_file(loader, vault_password_file)
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            inventory = InventoryManager(loader=loader, sources=sources)
        if limit:
            inventory.subset(limit)
        # The inventory only, never cached facts: a (file) fact cache is keyed by host name alone and
        # its facts beat group_vars, so another client's host of the same name would lend this one its client.
        variables = _InventoryVariables(loader, inventory)
        hosts = []
        for host in inventory.get_hosts():
            all_vars = variables.of(host)
            wanted = {name: all_vars[name] for name in (*LAYERS, CLIENT_VAR, *NETWORK_VARS) if name in all_vars}
            origin = ansible_origin(host.name) or host.vars.get("inventory_file")
            hosts.append(InventoryHost(str(host.name), [str(g.name) for g in host.get_groups()], wanted,
                                       str(origin) if origin else None))
    except AnsibleError as exc:
        located = _locate_yaml_error(sources)
        raise InputError(located or _parse_error(str(exc), captured.getvalue())) from None
    return hosts


class _InventoryVariables:
    """A host's inventory variables with Ansible's precedence (VariableManager.get_vars without a play:
    `all`, then its groups by depth, priority and name, from the inventory and its group_vars, then the
    host's own and its host_vars), and never cached facts. The groups' part is merged once per set of
    groups, not once per host as Ansible's get_vars does: validation stays linear with a small constant."""

    def __init__(self, loader: Any, inventory: Any) -> None:
        self.loader = loader
        self.sources = inventory._sources  # noqa: SLF001 - what VariableManager itself passes
        self.all = inventory.groups["all"]
        self.by_groups: dict[tuple[str, ...], dict[str, Any]] = {}

    def _plugins(self, entities: list[Any]) -> dict[str, Any]:
        from ansible.vars.plugins import get_vars_from_inventory_sources

        return get_vars_from_inventory_sources(self.loader, self.sources, entities, "task")

    def _groups(self, host: Any) -> dict[str, Any]:
        from ansible import constants
        from ansible.inventory.helpers import get_group_vars, sort_groups
        from ansible.utils.vars import combine_vars

        groups = sort_groups([g for g in host.get_groups() if g.name != "all"])
        key = tuple(g.name for g in groups)
        if key not in self.by_groups:
            parts = {"all_inventory": self.all.get_vars, "groups_inventory": lambda: get_group_vars(groups),
                     "all_plugins_inventory": lambda: self._plugins([self.all]),
                     "groups_plugins_inventory": lambda: self._plugins(groups)}
            merged: dict[str, Any] = {}
            for entry in constants.VARIABLE_PRECEDENCE:
                if entry in parts:
                    merged = combine_vars(merged, parts[entry]())
            self.by_groups[key] = merged
        return self.by_groups[key]

    def of(self, host: Any) -> dict[str, Any]:
        from ansible.utils.vars import combine_vars

        merged = combine_vars(self._groups(host), host.get_vars())
        return combine_vars(merged, self._plugins([host]))


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


def _fingerprint(host: InventoryHost) -> tuple[Any, ...]:
    """What a host's resolution depends on: its tier groups and its Tripod variables, with the file
    each variable came from (a problem names that file). Hosts that share it resolve alike."""
    tiers = tuple(sorted(g for g in host.groups if g.startswith("tier_")))
    values = json.dumps(host.vars, sort_keys=True, default=repr)
    origins = tuple((name, ansible_origin(value)) for name, value in sorted(host.vars.items()))
    return tiers, values, origins


def _resolve_all(hosts: list[InventoryHost]) -> list[Resolution]:
    """Resolve every host, once per distinct fingerprint: a fleet shares a few group_vars, so
    validation is linear in the hosts with a small constant. Hosts alike share one (read-only) policy."""
    done: dict[tuple[Any, ...], Resolution] = {}
    resolutions = []
    for host in hosts:
        key = _fingerprint(host)
        first = done.get(key)
        if first is None:
            first = done[key] = resolve_host(host.name, host.groups, host.vars, ansible_origin)
            resolution = first
        else:
            resolution = Resolution(host=host.name, tier=first.tier, client=first.client, policy=first.policy,
                                    problems=[replace(p, host=host.name) for p in first.problems])
        # A tier problem is about the inventory: name the file that defines the host.
        resolution.problems = [replace(p, file=host.origin) if p.key == "tier" and not p.file else p
                               for p in resolution.problems]
        resolutions.append(resolution)
    return resolutions


def _host_name_problems(hosts: list[InventoryHost]) -> list[Problem]:
    """Names Ansible accepts but that break it later (its fact cache uses the name as a file name)."""
    problems = []
    for host in hosts:
        bad = sorted({c for c in host.name if c in "/\\" or not c.isprintable() or c.isspace()})
        if bad:
            shown = ", ".join(repr(c) for c in bad)
            problems.append(Problem(host.name, "inventory_hostname",
                                    f"contains {shown}: a host name must not hold path separators, spaces or control "
                                    "characters (Ansible uses it as a file name)", host.origin))
    return problems


def validate_inventory(sources: list[str], limit: str | None = None, vault_password_file: str | None = None,
                       warnings: list[str] | None = None) -> tuple[list[Resolution], list[Problem]]:
    """Resolve every host; return the resolutions and every problem found, all at once. Doubts that
    do not stop a run (an expired waiver, a waiver for no host) go to `warnings` when it is given."""
    hosts = load_hosts(sources, limit, vault_password_file)
    if not hosts:
        raise InputError(f"{', '.join(sources)}: the inventory has no hosts" + (f" matching --limit {limit}" if limit else ""))
    resolutions = _resolve_all(hosts)
    problems = _host_name_problems(hosts) + [problem for resolution in resolutions for problem in resolution.problems]
    notes: list[str] = list(dict.fromkeys(w for resolution in resolutions for w in resolution.warnings))
    from tripod.hardening.host import inventory_directory

    base = inventory_directory(sources[0]) if sources else None
    problems.extend(waiver_file_problems(resolutions, hosts, base, notes, check_hosts=limit is None))
    problems.extend(network_problems(hosts, resolutions, notes))
    from tripod.lifecycle.assets import asset_file_problems

    if limit is None:  # the asset file names every host; a --limit run checks it on the next full validate
        problems.extend(asset_file_problems(base, [host.name for host in hosts]))
    if warnings is not None:
        warnings.extend(notes)
    return resolutions, problems


def waiver_file_problems(resolutions: list[Resolution], hosts: list[InventoryHost], base: str | None,
                         notes: list[str], check_hosts: bool = True) -> list[Problem]:
    """Each hosts' waivers file read and checked once (not once per host): one problem per broken
    file, naming how many hosts use it; warnings for expired waivers and scopes naming nothing."""
    from tripod.hardening.catalog import load_catalog
    from tripod.hardening.host import waivers_path
    from tripod.waivers import load_waivers, review

    users: dict[str, list[str]] = {}
    problems = []
    for resolution in resolutions:
        if not resolution.policy:
            continue  # its policy problems are reported already
        try:
            path, required = waivers_path(resolution.policy, base)
        except InputError as exc:
            problems.append(Problem(resolution.host, "hardening.waivers_file", str(exc).split(": ", 1)[-1]))
            continue
        if path is not None and (required or path.exists()):
            users.setdefault(str(path), []).append(resolution.host)
    if not users:
        return problems
    ids = load_catalog().ids()
    names = {host.name for host in hosts}
    groups = {group for host in hosts for group in host.groups}
    today = datetime.now(timezone.utc).date()
    for path, using in users.items():
        try:
            waivers = load_waivers(path, ids, notes)
        except InputError as exc:
            problems.append(Problem(using[0], "hardening.waivers_file",
                                    f"{exc} (the waivers file of {len(using)} host(s))"))
            continue
        found = review(waivers, path, names, groups, today)
        notes.extend(n for n in found if check_hosts or ".scope." not in n)
    return problems
