"""Tier policies: defaults, schema, merging and validation."""

from tripod.policy.resolve import LAYERS, TIER_GROUPS, Problem, Resolution, deep_merge, resolve_host, tier_policy
from tripod.policy.window import in_window, next_window_start

__all__ = [
    "LAYERS",
    "TIER_GROUPS",
    "Problem",
    "Resolution",
    "deep_merge",
    "in_window",
    "next_window_start",
    "resolve_host",
    "tier_policy",
]
