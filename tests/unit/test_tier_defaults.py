"""Every tier's shipped defaults validate as they are (issue 12 §3): a host that only names its
tier and client resolves with no problem, so preflight never stops a host for Tripod's own defaults."""

from __future__ import annotations

import pytest

from tripod.policy import resolve_host
from tripod.policy.resolve import TIER_GROUPS, _cross_checks, tier_policy
from tripod.policy.schema import SCHEMA, check


@pytest.mark.parametrize("tier", TIER_GROUPS)
def test_shipped_defaults_validate(tier):
    policy = tier_policy(tier)
    assert check(policy, SCHEMA, require_all=True) == []
    assert _cross_checks(policy) == []
    resolution = resolve_host("web1", [tier], {"tripod_client": "acme"})
    assert resolution.problems == []
    assert resolution.policy == policy


def test_scheduled_support_patches_only_what_an_engineer_approved():
    policy = tier_policy("tier_scheduled_support")
    assert policy["patch"]["approval"] == "approved_only"
    assert policy["areas"]["patching"]["mode"] == "audit"  # nothing approved yet: report, install nothing
    enforcing = {"tripod_client": "acme", "tripod_client_policy": {"areas": {"patching": {"mode": "enforce"}}}}
    assert [p.key for p in resolve_host("web1", ["tier_scheduled_support"], enforcing).problems] == [
        "patch.approved_packages"]
    enforcing["tripod_client_policy"]["patch"] = {"approved_packages": ["openssl*"]}
    assert resolve_host("web1", ["tier_scheduled_support"], enforcing).ok
