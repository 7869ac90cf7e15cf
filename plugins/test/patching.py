# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja tests of the patching role, on the controller."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import MISSING_TRIPOD

DOCUMENTATION = r"""
name: transient_failure
short_description: Is a failed package task worth retrying (package database locked, mirror unreachable)?
description:
  - True when the task result's C(msg), C(stderr) or C(stdout) says the package database was locked by
    another process (dpkg, rpm) or the package mirror could not be reached. The patching role retries
    its package tasks only then, C(patch.retries) times; any other failure is final at once.
  - Needs the C(tripod) Python package on the controller.
options:
  _input:
    description: A registered task result.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Upgrade, retrying while the package database is locked
  ansible.builtin.apt:
    upgrade: safe
  register: result
  retries: 3
  delay: 10
  until: result is succeeded or result is not tripod.maintenance.transient_failure
"""

RETURN = r"""
_value:
  description: Whether the failure is transient.
  type: bool
"""


def transient_failure(result: Mapping[str, Any]) -> bool:
    if importlib.util.find_spec("tripod") is None:
        raise AnsibleFilterError(MISSING_TRIPOD)
    from tripod.patching.failures import is_transient

    return isinstance(result, Mapping) and is_transient(result)


class TestModule:
    def tests(self) -> dict[str, Callable[..., bool]]:
        return {"transient_failure": transient_failure}
