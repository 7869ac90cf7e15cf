# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: patch_result
short_description: Record a host's patch run as findings and actions
description:
  - Runs on the controller only, from what the patching role registered during the run.
  - "Actions: one C(package_updated) (or C(package_installed), C(package_removed)) per package whose
    version changed, with the versions before and after as the package manager lists them (on Windows,
    the KB and title of each installed update), and C(reboot). In check mode or audit mode the
    planned updates and reboot are recorded with C(changed=false)."
  - "Findings: C(TRP-PATCH-004), the run's outcome; its evidence starts with V(patched), V(planned),
    V(nothing to do) or V(failed), then what happened, holds, reboot done or needed, and duration.
    After a change, C(TRP-PATCH-005): the health gates (required services active, no filesystem over
    its critical threshold), from the facts gathered after the reboot."
  - Sets C(host_failed) when O(failure) is given, when a Windows update failed, or when a health gate
    failed. The task itself never fails. The role fails such hosts in its last task, after every host
    of the batch recorded its outcome, so that the rollout counts them against
    C(patch.max_fail_percentage) without cutting the batch's other hosts off in the middle of their run.
options:
  guard:
    description: The registered result of M(tripod.maintenance.patch_guard).
    type: dict
    required: true
  plan:
    description: The plan of M(tripod.maintenance.patch_plan) (its C(plan) key).
    type: dict
    default: {}
  policy:
    description: The effective policy; default the host's C(tripod_policy) fact.
    type: dict
  facts:
    description: The compliance facts after the run; default the host's C(tripod_compliance) fact.
    type: dict
  install:
    description: The registered result of the package task (apt, dnf or win_updates).
    type: dict
    default: {}
  versions_before:
    description: The package listing before the upgrade (dpkg-query or rpm, see C(tripod.patching.versions)).
    type: str
    default: ""
  versions_after:
    description: The package listing after the upgrade.
    type: str
    default: ""
  reboot:
    description: This host's reboot decision from M(tripod.maintenance.patch_reboot_plan), with C(rebooted),
      C(elapsed), C(boot_before) and C(boot_after) when it rebooted.
    type: dict
    default: {}
  failure:
    description: The failed task, as C(task) (its name) and C(result) (its registered result).
    type: dict
extends_documentation_fragment:
  - tripod.maintenance.patching
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Patching | Record a failure
  tripod.maintenance.patch_result:
    guard: "{{ patching_guard }}"
    plan: "{{ patching_plan.plan | default({}) }}"
    failure:
      task: "{{ ansible_failed_task.name }}"
      result: "{{ ansible_failed_result }}"
"""

RETURN = r"""
host_failed:
  description: The host's patch run failed; the role fails the host at its end.
  returned: always
  type: bool
outcome:
  description: V(patched), V(planned), V(nothing to do) or V(failed).
  returned: always
  type: str
updated:
  description: The packages (Windows, updates) changed, or in a plan, to be changed. The message abbreviates this list.
  returned: always
  type: list
  elements: str
held:
  description: Pending packages held for this run and released afterwards (empty when nothing was installed).
  returned: always
  type: list
  elements: str
excluded:
  description: Pending packages that the policy excludes.
  returned: always
  type: list
  elements: str
kept_back:
  description: Selected packages that apt did not change; on Windows, the updates that failed.
  returned: always
  type: list
  elements: str
tripod_findings:
  description: C(TRP-PATCH-004) and, after a change, C(TRP-PATCH-005).
  returned: always
  type: list
  elements: dict
tripod_actions:
  description: Package changes and the reboot.
  returned: always
  type: list
  elements: dict
"""
