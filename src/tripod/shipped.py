"""Tripod's own YAML data files (the hardening catalog, the tier policies, tables), read with
libyaml's parser where PyYAML has it.

Each Ansible task runs in a fresh worker process, so a shipped file is parsed again for every host
and task that needs it: the pure-Python parser took 156 ms for the hardening catalog, libyaml's
18 ms (benchmarks/README.md, fleet_audit.py). Both give the same data.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(package: str, name: str) -> Any:
    """The YAML file `name` shipped in the package `package`."""
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
