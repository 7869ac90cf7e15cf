# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the housekeeping role: registered step results to Tripod actions, on the controller."""

from __future__ import annotations

import importlib.util
from typing import Any, Callable

from ansible.errors import AnsibleFilterError
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import MISSING_TRIPOD

DOCUMENTATION = r"""
name: housekeeping_actions
short_description: Turn the housekeeping role's step results into Tripod actions
description:
  - Input is the plan (C(tripod.maintenance.housekeeping_plan)) for Linux, or an empty dict for Windows.
  - Returns one C(space_reclaimed) action per step that freed space, with its bytes, and one
    C(setting_changed) action per Windows event log resized; C(changed) is false in a dry run.
options:
  _input:
    description: The plan (Linux) or an empty dict (Windows).
    type: dict
    required: true
  steps:
    description: Step name to registered result.
    type: dict
    required: true
  dry_run:
    description: Nothing was changed (check mode or an audit policy).
    type: bool
    required: true
  platform:
    description: V(linux) or V(windows).
    type: str
    default: linux
"""


def housekeeping_actions(plan: dict[str, Any], steps: dict[str, Any], dry_run: bool, platform: str = "linux") -> list[dict[str, Any]]:
    if importlib.util.find_spec("tripod") is None:
        raise AnsibleFilterError(MISSING_TRIPOD)
    from tripod.housekeeping.actions import linux_actions, windows_actions

    if platform == "windows":
        return windows_actions(steps, bool(dry_run))
    return linux_actions(plan, steps, bool(dry_run))


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"housekeeping_actions": housekeeping_actions}
