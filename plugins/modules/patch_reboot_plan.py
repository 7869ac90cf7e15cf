# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: patch_reboot_plan
short_description: Decide which hosts of a batch reboot, and in which slot, after patching
description:
  - Runs on the controller only, once per batch (C(run_once)); every host of the batch gets the result.
  - For each host it reads, from C(hostvars), the window guard (C(patching_guard)), the package task
    (C(patching_install)), the facts after the upgrade (C(tripod_compliance)) and the policy
    (C(tripod_policy)). A host whose patch run failed (C(patching_result)) never reboots.
  - A reboot is needed when C(patch.reboot) is V(if_required) and the facts say so (reboot-required flag,
    newer kernel, needs-restarting), or V(always) and packages changed. It happens only when the reboot
    window (C(patch.reboot_window), or the maintenance window when none is set) is open now, or an
    engineer overrode the window guard. Otherwise it is deferred, with the reason.
  - Hosts of the same C(patch.reboot_group) get consecutive slots; the role reboots slot by slot, so no
    two hosts of a group are down at once. A host without a group reboots in slot 0.
options:
  hosts:
    description: The hosts of the batch; default C(ansible_play_batch).
    type: list
    elements: str
extends_documentation_fragment:
  - tripod.maintenance.patching
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Patching | Plan reboots for this batch
  tripod.maintenance.patch_reboot_plan:
  run_once: true
  register: patching_reboots
"""

RETURN = r"""
slots:
  description: How many reboot slots the batch needs (0 when nobody reboots).
  returned: success
  type: int
decisions:
  description:
    - Per host, C(reboot) (reboot now, in C(slot)), C(planned) (would reboot; check or audit mode),
      C(needed), C(reason), C(deferred) (why a needed reboot is not done), C(group) and C(slot) (-1 none).
  returned: success
  type: dict
"""
