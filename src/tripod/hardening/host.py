"""One host's hardening audit, from the values the Ansible action hands over.

`audit_host()` resolves the level, the switched-off controls and the waivers file from the
effective policy (and the role's overrides), loads and validates the waivers, and assesses the
host. Every input problem is an InputError naming the file and the key, raised before any change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from tripod.errors import InputError
from tripod.hardening.assess import Assessment, HostContext, assess, plan
from tripod.hardening.catalog import DISRUPTIONS, LEVELS, Catalog, load_catalog
from tripod.waivers import Waiver, inside, load_waivers

DEFAULT_WAIVERS = "waivers.yml"


@dataclass(frozen=True)
class HostAudit:
    assessment: Assessment
    plan: dict[str, Any]
    waivers_file: str | None


def waivers_path(policy: Mapping[str, Any], inventory_dir: str | None, override: str | None = None) -> tuple[Path | None, bool]:
    """The waivers file to read, and whether it must exist (named explicitly) or is optional."""
    if override:
        return Path(override).expanduser(), True
    configured = str((policy.get("hardening") or {}).get("waivers_file") or "")
    base = Path(inventory_dir) if inventory_dir else None
    if configured:
        path = Path(configured).expanduser()
        if not path.is_absolute():
            if base is None:
                raise InputError(f"hardening.waivers_file: '{configured}' is relative but the inventory directory is unknown")
            path = base / path
        if base is not None and not inside(path, base):
            raise InputError(f"hardening.waivers_file: '{configured}' is outside the inventory directory {base}; "
                             "a client's waivers live with its inventory")
        return path, True
    if base is None:
        return None, False
    return base / DEFAULT_WAIVERS, False


def read_waivers(policy: Mapping[str, Any], inventory_dir: str | None, override: str | None = None,
                 catalog: Catalog | None = None) -> tuple[list[Waiver], str | None]:
    path, required = waivers_path(policy, inventory_dir, override)
    if path is None or (not required and not path.exists()):
        return [], None
    catalog = catalog or load_catalog()
    return load_waivers(path, catalog.ids()), str(path)


def inventory_directory(source: str) -> str:
    """Ansible's `inventory_dir` for hosts of an inventory source (a directory, or a file's directory)."""
    path = Path(source)
    return str(path if path.is_dir() else path.parent)


def _choice(value: Any, allowed: Sequence[str], key: str) -> str:
    if value not in allowed:
        raise InputError(f"{key}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _disabled(policy: Mapping[str, Any], extra: Iterable[str], catalog: Catalog) -> frozenset[str]:
    ids = list((policy.get("hardening") or {}).get("disabled_controls") or []) + list(extra)
    unknown = sorted(set(ids) - catalog.ids())
    if unknown:
        raise InputError(f"hardening_disabled_controls: {unknown[0]} is not a control of Tripod's hardening catalog")
    return frozenset(ids)


def audit_host(
    *,
    host: str,
    groups: Sequence[str],
    facts: Mapping[str, Any],
    policy: Mapping[str, Any],
    mode: str,
    management: Mapping[str, Any] | None = None,
    level: str | None = None,
    disabled: Iterable[str] = (),
    inventory_dir: str | None = None,
    waivers_file: str | None = None,
    windows_facts: Mapping[str, Any] | None = None,
    today: date | None = None,
    enforce_expired_waivers: bool = True,
    catalog: Catalog | None = None,
    run_tags: Sequence[str] = ("all",),
    skip_tags: Sequence[str] = (),
) -> HostAudit:
    """Assess one host and plan its enforcement (empty in audit mode)."""
    catalog = catalog or load_catalog()
    section = policy.get("hardening") or {}
    waivers, path = read_waivers(policy, inventory_dir, waivers_file, catalog)
    ctx = HostContext(
        host=host,
        groups=tuple(groups),
        level=_choice(level or section.get("level") or "server", LEVELS, "hardening level"),
        mode=_choice(mode, ("audit", "enforce"), "hardening mode"),
        policy=policy,
        management=dict(management or {}),
        waivers=tuple(waivers),
        disabled=_disabled(policy, disabled, catalog),
        max_disruption=_choice(section.get("max_disruption") or "medium", DISRUPTIONS, "hardening.max_disruption"),
        today=today or datetime.now(timezone.utc).date(),
        windows=dict(windows_facts or {}),
        enforce_expired_waivers=enforce_expired_waivers,
        run_tags=tuple(run_tags),
        skip_tags=tuple(skip_tags),
    )
    assessment = assess(catalog, facts, ctx)
    return HostAudit(assessment, plan(assessment, facts, ctx), path)
