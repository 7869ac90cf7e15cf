# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: evaluate
short_description: Evaluate Tripod checks from compliance facts, on the controller
description:
  - Runs Tripod's checks for the given areas against the host's compliance facts and effective
    policy, on the controller. It never contacts the host and changes nothing.
  - Returns one finding per check under C(tripod_findings), in the shared result model
    (docs/schema.md), which the C(tripod.maintenance.evidence) callback records.
  - Needs the C(tripod) Python package on the controller.
options:
  areas:
    description: Areas whose checks to run.
    type: list
    elements: str
    required: true
    choices: [patching, health]
  facts:
    description: The compliance facts; defaults to the host's C(tripod_compliance) fact.
    type: dict
  policy:
    description: The effective policy; defaults to the host's C(tripod_policy) fact set by preflight.
    type: dict
  overrides:
    description:
      - "Policy overrides for this evaluation only, merged over the effective policy key by key (as
        a policy layer), for example C({health: {disk_warning_percent: 70}})."
      - Validated against the policy schema first; a bad key or value fails the task, naming it.
    type: dict
    default: {}
  overrides_name:
    description: What to call the overrides in error messages, for example the role variable they came from.
    type: str
    default: overrides
  hardening:
    description:
      - "Also audit the host against the hardening catalog, as C(tripod.maintenance.hardening_audit) does in
        audit mode, in the same task: one task slot per host instead of two (C(playbooks/audit.yml))."
      - Done for a Linux host whose policy enables the hardening area (C(areas.hardening.enabled)); a Windows
        host needs the hardening role's extra read and is left to it.
      - A bad waiver file fails the task with its name and key; the other areas' findings are still returned.
    type: dict
    suboptions:
      level:
        description: V(server) or V(workstation); defaults to the policy's C(hardening.level).
        type: str
        choices: [server, workstation]
      disabled:
        description: Control ids switched off for this run, on top of the policy's C(hardening.disabled_controls).
        type: list
        elements: str
        default: []
      waivers_file:
        description: The waivers file; defaults to the policy's C(hardening.waivers_file).
        type: str
      enforce_expired_waivers:
        description: As C(tripod.maintenance.hardening_audit)'s option of the same name.
        type: bool
        default: true
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Evaluate patch-state and health checks
  tripod.maintenance.evaluate:
    areas: [patching, health]

- name: The same, and the hardening catalog in audit mode, in one task
  tripod.maintenance.evaluate:
    areas: [patching, health]
    hardening:
      waivers_file: "{{ hardening_waivers_file | default(omit, true) }}"
"""

RETURN = r"""
tripod_findings:
  description: One finding per check.
  returned: always
  type: list
  elements: dict
counts:
  description: Number of findings per status.
  returned: always
  type: dict
failing:
  description: One line per failing or erroring check.
  returned: when any check fails
  type: list
  elements: str
"""
