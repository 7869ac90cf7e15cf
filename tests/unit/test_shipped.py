"""Tripod's shipped YAML files read with libyaml give what the pure-Python safe loader gives."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from tripod.shipped import load_yaml


@pytest.mark.parametrize("package, name", [("tripod.hardening", "catalog.yml"), ("tripod.policy", "tiers.yml"),
                                           ("tripod.network", "firmware.yml")])
def test_a_shipped_file_reads_the_same_with_either_parser(package, name):
    assert hasattr(yaml, "CSafeLoader"), "PyYAML without libyaml: every task parses the catalog 9 times slower"
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    assert load_yaml(package, name) == yaml.safe_load(text)
