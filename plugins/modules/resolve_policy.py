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
  - On success it sets the facts C(tripod_tier), C(tripod_client), C(tripod_policy) and
    C(tripod_in_maintenance_window).
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
"""

RETURN = r"""
ansible_facts:
  description: C(tripod_tier), C(tripod_client), C(tripod_policy), C(tripod_in_maintenance_window).
  returned: success
  type: dict
problems:
  description: One line per problem.
  returned: failure
  type: list
  elements: str
"""
