"""Resolve a host's effective policy from its tier and the client's overrides.

Used in two places with the same code: the `tripod.maintenance.resolve_policy` action
plugin (at run time, per host) and `tripod validate` (offline, every host at once).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping


from tripod.policy.schema import SCHEMA, check
from tripod.shipped import load_yaml

TIER_GROUPS = ("tier_scheduled_support", "tier_srp_server", "tier_srp_workstation", "tier_network")

# Override layers, lowest precedence first. Each is an ordinary inventory variable.
LAYERS = ("tripod_client_policy", "tripod_group_policy", "tripod_host_policy")
CLIENT_VAR = "tripod_client"

OriginFinder = Callable[[Any], "str | None"]

#: Policy keys that were renamed: the old name is still read, with a warning, for one release.
#: `areas.health_check` became `areas.health`, the area's name in findings, reports and metrics.
RENAMED_AREAS = {"health_check": "health"}


@dataclass(frozen=True)
class Problem:
    """One validation problem, phrased for an engineer: host, key, message, file."""

    host: str
    key: str
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}host {self.host}: {self.key}: {self.message}"


@dataclass
class Resolution:
    """The outcome for one host: its tier and effective policy, or its problems."""

    host: str
    tier: str | None = None
    client: str | None = None
    policy: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Doubts that do not stop a run: an old policy key that is still read.
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@lru_cache(maxsize=1)
def tier_defaults() -> dict[str, Any]:
    """The shipped tier policies (src/tripod/policy/tiers.yml)."""
    return load_yaml("tripod.policy", "tiers.yml")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `override` into a copy of `base`: mappings merge key by key, anything else replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def tier_policy(tier: str) -> dict[str, Any]:
    defaults = tier_defaults()
    return deep_merge(defaults["common"], defaults["tiers"][tier])


def _plain(value: Any) -> Any:
    """Strip Ansible's tagged and lazy containers down to plain Python data."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    for plain in (bool, int, float, str):
        if isinstance(value, plain):
            return plain(value)
    return value


def _find_origin(layer_value: Any, dotted: str, origin_of: OriginFinder | None) -> str | None:
    """The file (and line) that set `dotted` inside a layer, as far as it can be known."""
    if origin_of is None:
        return None
    node = layer_value
    best = origin_of(node)
    for part in dotted.split("[")[0].split("."):
        if not isinstance(node, Mapping) or part not in node:
            break
        node = node[part]
        best = origin_of(node) or best
    return best


def _cross_checks(policy: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Rules that span keys; only run on a policy whose leaves are already valid."""
    problems = []
    health = policy["health"]
    for what in ("disk", "inode"):
        warning, critical = health[f"{what}_warning_percent"], health[f"{what}_critical_percent"]
        if warning >= critical:
            problems.append(
                (f"health.{what}_warning_percent", f"{warning} must be below {what}_critical_percent ({critical})")
            )
    patch = policy["patch"]
    if patch["approval"] == "approved_only" and not patch["approved_packages"] and policy["areas"]["patching"]["mode"] == "enforce":
        problems.append(("patch.approved_packages", "is empty while approval is approved_only: nothing would ever be patched"))
    return problems


def _renamed_areas(layer_name: str, layer: dict[str, Any], result: Resolution, file: str | None) -> dict[str, Any]:
    """`areas.<old>` read as `areas.<new>` (RENAMED_AREAS), with a warning; both set is a problem."""
    areas = layer.get("areas")
    if not isinstance(areas, dict):
        return layer
    for old, new in RENAMED_AREAS.items():
        if old not in areas:
            continue
        where = f"{file}: " if file else ""
        if new in areas:
            del areas[old]  # one problem for it, not a second one for an unknown key
            result.problems.append(Problem(result.host, f"{layer_name}.areas.{old}",
                                           f"the old name of areas.{new}, which is set too: keep areas.{new} only", file))
            continue
        areas[new] = areas.pop(old)
        result.warnings.append(f"{where}{layer_name}.areas.{old}: renamed areas.{new} (the area's name in findings "
                               f"and reports); the old name is still read, rename it")
    return layer


def resolve_host(
    host: str,
    group_names: list[str],
    host_vars: Mapping[str, Any],
    origin_of: OriginFinder | None = None,
) -> Resolution:
    """Resolve one host. Never raises for bad input: problems are returned."""
    result = Resolution(host=host)

    def problem(key: str, message: str, file: str | None = None) -> None:
        result.problems.append(Problem(host, key, message, file))

    tiers = [group for group in TIER_GROUPS if group in group_names]
    for unknown in sorted(g for g in group_names if g.startswith("tier_") and g not in TIER_GROUPS):
        problem("tier", f"group '{unknown}' is not a Tripod tier; the tiers are: {', '.join(TIER_GROUPS)}")
    if not tiers:
        problem("tier", f"the host is in no tier group; add it to exactly one of: {', '.join(TIER_GROUPS)}")
    elif len(tiers) > 1:
        problem("tier", f"the host is in {len(tiers)} tier groups ({', '.join(tiers)}); it must be in exactly one")
    else:
        result.tier = tiers[0]

    client = host_vars.get(CLIENT_VAR)
    if not isinstance(client, str) or not client.strip():
        problem(CLIENT_VAR, "must be set to the client's name (a non-empty string), usually in group_vars/all",
                origin_of(client) if origin_of and client is not None else None)
    else:
        result.client = str(client)

    layers: list[tuple[str, dict[str, Any]]] = []
    for name in LAYERS:
        raw = host_vars.get(name)
        if raw is None:
            continue
        layer = _renamed_areas(name, _plain(raw), result, _find_origin(raw, "areas", origin_of)) \
            if isinstance(raw, Mapping) else raw
        for schema_problem in check(layer, SCHEMA, prefix=""):
            key = f"{name}.{schema_problem.key}" if schema_problem.key != "(policy)" else name
            problem(key, schema_problem.message, _find_origin(raw, schema_problem.key, origin_of))
        if isinstance(layer, dict):
            layers.append((name, layer))

    if result.tier is None or result.problems:
        return result

    policy = tier_policy(result.tier)
    for _name, layer in layers:
        policy = deep_merge(policy, layer)
    for schema_problem in check(policy, SCHEMA, require_all=True):
        problem(schema_problem.key, schema_problem.message)
    if not result.problems:
        for key, message in _cross_checks(policy):
            file = None
            for name, _layer in layers:
                file = _find_origin(host_vars.get(name), key, origin_of) or file
            problem(key, message, file)
    if not result.problems:
        result.policy = policy
    return result
