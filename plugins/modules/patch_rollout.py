# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: patch_rollout
short_description: Compute a patch rollout's serial batch size and failure limit from the hosts' policies
description:
  - Runs on the controller only, once (C(run_once)), after C(tripod.maintenance.resolve_policy) ran for every
    targeted host. Ansible evaluates a play's C(serial) before the play starts, so C(playbooks/patch.yml)
    computes it in a first play and stores it with C(delegate_facts) on C(localhost), where the patching
    play reads it.
  - The strictest policy among the hosts wins. C(serial) is the smallest C(patch.batch_size) as a host count
    (a percentage of the targeted hosts, rounded down, at least 1, as Ansible does). C(max_fail_percentage)
    is the smallest C(patch.max_fail_percentage).
options:
  hosts:
    description: The targeted hosts; default C(ansible_play_hosts).
    type: list
    elements: str
extends_documentation_fragment:
  - tripod.maintenance.patching
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Patch rollout | Batch size and failure limit from policy
  tripod.maintenance.patch_rollout:
  run_once: true
  delegate_to: localhost
  delegate_facts: true
"""

RETURN = r"""
ansible_facts:
  description:
    - C(tripod_patch_rollout) with C(serial), C(max_fail_percentage), C(hosts), and the hosts whose policies
      set them (C(serial_from), C(max_fail_from)).
  returned: success
  type: dict
"""
