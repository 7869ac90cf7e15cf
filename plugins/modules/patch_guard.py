# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: patch_guard
short_description: Decide whether a host may patch now (maintenance window, patch day, override)
description:
  - Runs on the controller only; it never contacts the host and changes nothing.
  - A host may patch when patching is enabled in its policy (C(areas.patching.enabled)), its maintenance
    window is open now, in the window's own timezone, and that window opened on a patch day of its
    C(patch.schedule) (daily, weekly, monthly or Patch Tuesday + N days; when the window does not open
    on the scheduled day, the next day it opens). Windows that cross midnight belong to the day they opened.
  - Outside the window it returns a C(TRP-PATCH-004) finding whose evidence starts with
    C(skipped (window)), says why and when the next patch window opens, and C(allowed=false).
  - With O(override), an engineer runs anyway outside the window; the override is shown as a warning
    and recorded as a C(window_override) action with the reason.
  - With O(visit) (C(tripod visit)), the engineer's visit is the window; it is recorded as a C(visit_window)
    action, not as an override. The policy's mode and approval rules still apply.
  - In check mode outside the window the host is not skipped; C(allowed=true), C(apply=false) and
    C(preview=true), so the role plans what the next patch window would install.
  - C(apply) is true when changes may be made (allowed, not in check mode, and C(areas.patching.mode)
    is C(enforce)). Otherwise the role only plans.
options:
  policy:
    description: The effective policy; default the host's C(tripod_policy) fact set by the preflight role.
    type: dict
  override:
    description: Patch even outside the maintenance window or patch day (never when patching is disabled).
    type: bool
    default: false
  override_reason:
    description: Why the window was overridden; recorded with the override.
    type: str
    default: ""
  visit:
    description: An engineer's visit; the visit is the maintenance window (never when patching is disabled).
    type: bool
    default: false
extends_documentation_fragment:
  - tripod.maintenance.patching
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Patching | Decide whether this host patches now
  tripod.maintenance.patch_guard:
    override: "{{ patching_window_override }}"
  register: patching_guard
"""

RETURN = r"""
allowed:
  description: The host patches in this run (possibly only planning, see C(apply)).
  returned: always
  type: bool
apply:
  description: Changes are made in this run.
  returned: always
  type: bool
override:
  description: The window guard was overridden.
  returned: always
  type: bool
visit:
  description: The host patches because of an engineer's visit.
  returned: always
  type: bool
preview:
  description: A dry run outside the window that plans the next patch window.
  returned: always
  type: bool
reason:
  description: C(in_window), C(outside_window), C(not_patch_day) or C(disabled).
  returned: always
  type: str
next_window:
  description: When the next patch window opens (ISO 8601, UTC), when the host is outside it.
  returned: always
  type: str
started_at:
  description: When the host's patch run started (ISO 8601, UTC), for its duration.
  returned: always
  type: str
tripod_findings:
  description: The skipped outcome (C(TRP-PATCH-004)) when the host may not patch.
  returned: always
  type: list
  elements: dict
tripod_actions:
  description: The C(window_override) action when the guard was overridden.
  returned: always
  type: list
  elements: dict
"""
