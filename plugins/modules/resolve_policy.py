# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: resolve_policy
short_description: Resolve and validate a host's effective Tripod tier policy
description:
  - Runs on the controller only; it never contacts the host.
  - Finds the host's tier from its inventory groups (C(tier_scheduled_support),
    C(tier_srp_server) or C(tier_srp_workstation)), merges the tier defaults with
    C(tripod_client_policy), C(tripod_group_policy) and C(tripod_host_policy), and validates the result.
  - On success it returns C(tripod_tier), C(tripod_client), C(tripod_policy) and
    C(tripod_in_maintenance_window) as result keys, never as facts; Ansible writes facts to its
    fact cache under the host's name alone, where another client's host of the same name would
    find them. The C(tripod.maintenance.preflight) role makes them host variables of the run
    with C(ansible.builtin.set_fact) (not cacheable).
  - On any problem it fails the host with one line per problem, naming the host, the key and, where
    known, the file, so the host stops before anything is changed.
  - Needs the C(tripod) Python package on the controller.
options: {}
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Resolve the effective policy
  tripod.maintenance.resolve_policy:
  register: resolved

- name: Use it in this run only (set_fact without cacheable)
  ansible.builtin.set_fact:
    tripod_policy: "{{ resolved.tripod_policy }}"
"""

RETURN = r"""
tripod_tier:
  description: The host's tier group.
  returned: success
  type: str
tripod_client:
  description: The host's client, from the inventory.
  returned: success
  type: str
tripod_policy:
  description: The effective policy.
  returned: success
  type: dict
tripod_in_maintenance_window:
  description: Whether the host is inside its maintenance window now.
  returned: success
  type: bool
problems:
  description: One line per problem.
  returned: failure
  type: list
  elements: str
"""
