# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller-side job actions (tripod.maintenance.triage, tripod.maintenance.report) share.

They run in a play on localhost (an AWX job, or ansible-playbook on a controller) and work on the
hosts of the job's inventory without contacting them: each host's policy is resolved from its
inventory variables, as `tripod.maintenance.resolve_policy` resolves it for a host in its own play,
with Ansible's vault and AWX's inventory already applied.
"""

from __future__ import annotations

import json
from dataclasses import replace
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ansible.errors import AnsibleActionFail


def display_store(location: Any) -> str:
    """A store's location for messages and results: a URL's password is never shown."""
    text = str(location)
    if "://" not in text or text.startswith("sqlite:"):
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def existing_store(value: str | None) -> Any:
    """The store the option (else $TRIPOD_EVIDENCE_URL, else the default file) names. An SQLite file
    that does not exist is an error: a job that reads evidence must not start an empty store (in an
    execution environment, the default file is inside the job's container)."""
    from tripod.store import evidence_location

    location = evidence_location(value or None)
    if isinstance(location, Path) and not location.is_file():
        raise AnsibleActionFail(
            f"{location}: no evidence store; set TRIPOD_EVIDENCE_URL (the credential of the AWX job) or the "
            "store option to the store the cycles write to")
    return location


def open_store(location: Any) -> Any:
    """An EvidenceStore on `location`; a database error is one line naming the store."""
    from tripod.store import EvidenceStore
    from tripod.store.dialect import ERRORS

    try:
        return EvidenceStore(location)
    except (*ERRORS, RuntimeError, OSError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AnsibleActionFail(f"{display_store(location)}: cannot open the evidence store ({reason})") from None


def _host_inputs(hostvars: Mapping[str, Any], host: str) -> tuple[list[str], dict[str, Any]]:
    from tripod.policy.resolve import CLIENT_VAR, LAYERS

    variables = hostvars[host]
    groups = list(variables.get("group_names") or [])
    values = {name: variables[name] for name in (*LAYERS, CLIENT_VAR) if name in variables}
    return groups, values


def resolve_hosts(task_vars: Mapping[str, Any], hosts: Iterable[str]) -> tuple[list[Any], list[str]]:
    """Each host's resolution (`tripod.policy.Resolution`) from its inventory variables, and one line
    per problem (host, key, file). Hosts alike (same tier groups and Tripod variables) are resolved once."""
    from tripod.policy import Resolution, resolve_host
    from tripod.policy.origin import ansible_origin

    hostvars = task_vars.get("hostvars") or {}
    done: dict[str, Any] = {}
    resolutions: list[Any] = []
    problems: list[str] = []
    for host in hosts:
        if host not in hostvars:
            problems.append(f"host {host}: not in the inventory")
            continue
        groups, values = _host_inputs(hostvars, host)
        key = json.dumps([sorted(g for g in groups if g.startswith("tier_")), values], sort_keys=True, default=repr)
        first = done.get(key)
        if first is None:
            resolution = done[key] = resolve_host(host, groups, values, ansible_origin)
        else:
            resolution = Resolution(host=host, tier=first.tier, client=first.client, policy=first.policy,
                                    problems=[replace(p, host=host) for p in first.problems])
        problems.extend(str(problem) for problem in resolution.problems)
        resolutions.append(resolution)
    return resolutions, problems


def inventory_hosts(task_vars: Mapping[str, Any], given: list[str] | None) -> list[str]:
    """`given`, else every host of the inventory (`groups.all`)."""
    if given is not None:
        return list(given)
    return list((task_vars.get("groups") or {}).get("all") or [])


def load_job_secrets(args: Mapping[str, Any]) -> Any:
    """The sinks' credentials: the secrets file (or the TRIPOD_* environment), with the options over them."""
    from tripod.errors import InputError
    from tripod.triage.secrets import load_secrets

    try:
        secrets = load_secrets(args.get("secrets_file"), args.get("vault_password_file"))
    except InputError as exc:
        raise AnsibleActionFail(str(exc)) from None
    given = {name: args[name] for name in ("webhook_token", "smtp_user", "smtp_password") if args.get(name)}
    return replace(secrets, **given)


def store_clients(store: Any, wanted: list[str]) -> list[str]:
    """`wanted` (every one must have evidence in the store), in order."""
    known = set(store.clients())
    missing = [client for client in wanted if client not in known]
    if missing:
        raise AnsibleActionFail(f"client(s) {', '.join(missing)}: no evidence in {display_store(store.url)} "
                                f"(clients there: {', '.join(sorted(known)) or 'none'}); did the cycles record into "
                                "this store (TRIPOD_EVIDENCE_URL)?")
    return wanted
