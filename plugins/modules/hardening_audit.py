# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: hardening_audit
short_description: Audit a host against Tripod's hardening catalog, on the controller
description:
  - Evaluates every control of Tripod's hardening catalog (C(src/tripod/hardening/catalog.yml),
    listed in C(docs/hardening.md)) for the host's OS family from its compliance facts, on the
    controller. It never contacts the host and changes nothing.
  - "Applies the client's waivers (C(docs/hardening.md)): a valid waiver makes the control
    C(waived) with its reference; an expired one makes it C(fail) and adds a C(TRP-WAIVER-001) finding.
    A malformed waivers file fails the task with the file and the entry, before any change."
  - "Returns C(hardening_plan): the controls to enforce (enforce mode: failing, enabled, not
    waived, within the policy's C(hardening.max_disruption), and passing every lockout safeguard),
    their remediation parameters and the held-back controls with their reasons. It is a result,
    not a fact, so it never lands in the fact cache; the role keeps it with C(set_fact)."
  - Returns one finding per control under C(tripod_findings) when O(emit) is true and, when
    O(before) is given, one action per control the run enforced under C(tripod_actions).
  - Needs the C(tripod) Python package on the controller.
options:
  mode:
    description: V(audit) reports only; V(enforce) also plans the remediation of failing controls.
    type: str
    required: true
    choices: [audit, enforce]
  facts:
    description: The compliance facts; defaults to the host's C(tripod_compliance) fact.
    type: dict
  policy:
    description: The effective policy; defaults to the host's C(tripod_policy) fact set by preflight.
    type: dict
  level:
    description: V(server) or V(workstation); defaults to the policy's C(hardening.level).
    type: str
    choices: [server, workstation]
  disabled:
    description: Control ids switched off for this run, on top of the policy's C(hardening.disabled_controls).
    type: list
    elements: str
    default: []
  management:
    description:
      - The management connection, for the lockout safeguards. Keys used C(connection), C(user),
        C(group), C(groups), C(uses_password), C(key_files), C(server_port) (Linux) and C(port),
        C(winrm_transport), C(winrm_scheme) (Windows).
    type: dict
    default: {}
  waivers_file:
    description:
      - The waivers file. Defaults to the policy's C(hardening.waivers_file) (relative to the inventory
        directory), else C(waivers.yml) in the inventory directory when it exists.
    type: str
  windows_facts:
    description: Windows only; the result of C(tripod.maintenance.win_hardening_facts). Defaults to C(tripod_hardening_windows).
    type: dict
  before:
    description: The C(hardening_plan) of the audit before enforcing; the actions are derived from it.
    type: dict
  emit:
    description: Return the findings (and actions) for the evidence recorder.
    type: bool
    default: true
  enforce_expired_waivers:
    description: Enforce controls whose waiver expired (they fail either way).
    type: bool
    default: true
  reads_only:
    description:
      - "Only set the fact C(hardening_windows_reads) (C(registry), C(audit_subcategories), C(services)):
        what C(tripod.maintenance.win_hardening_facts) must read for the catalog's Windows controls.
        No facts or policy are needed."
    type: bool
    default: false
  policy_mode:
    description:
      - The host's policy mode (C(areas.hardening.mode)). When O(mode) goes beyond it (C(enforce) over C(audit)),
        the emitted evidence carries a C(mode_override) action naming O(forced_by).
      - Default, O(mode).
    type: str
    choices: [audit, enforce]
  forced_by:
    description: What forced the mode beyond the policy, for the C(mode_override) action.
    type: str
    default: tripod_force_mode
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Audit only
  tripod.maintenance.hardening_audit:
    mode: audit

- name: Plan the enforcement of a server
  tripod.maintenance.hardening_audit:
    mode: enforce
    level: server
    management: {connection: ssh, user: tripod, group: tripod, groups: [tripod, sudo], key_files: [/home/tripod/.ssh/authorized_keys], server_port: 22}
    emit: false
"""

RETURN = r"""
hardening_plan:
  description: C(mode), C(level), C(enforce) (ids), C(params) (id to remediation parameters),
    C(held) (id to reason), C(groups), C(packages), C(access), C(reboot), C(firewall), C(ssh_allow_groups),
    C(management), C(status) (id to status), C(counts), C(failing), C(waivers_file).
  returned: success, unless reads_only
  type: dict
ansible_facts:
  description: C(hardening_windows_reads) (C(registry), C(audit_subcategories), C(services)).
  returned: when reads_only is true
  type: dict
tripod_findings:
  description: One finding per control, plus C(TRP-WAIVER-001).
  returned: when emit is true
  type: list
  elements: dict
tripod_actions:
  description:
    - One C(setting_changed) action per enforced failing control (C(changed) false in check mode).
    - Only controls the run's C(--tags)/C(--skip-tags) select are in the plan, so only they are recorded.
    - A C(mode_override) action (C(changed) false) when O(mode) went beyond O(policy_mode).
  returned: when emit is true and before is given
  type: list
  elements: dict
counts:
  description: Findings per status.
  returned: success
  type: dict
failing:
  description: One line per failing control.
  returned: success
  type: list
  elements: str
"""
