# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: emit
short_description: Emit Tripod findings and actions for the evidence recorder
description:
  - Validates findings and actions built in YAML against the Tripod result model
    (see C(docs/schema.md)) and returns them under C(tripod_findings) and C(tripod_actions),
    where the C(tripod.maintenance.evidence) callback records them.
  - Runs on the controller only; it never contacts the host. It never reports a change and
    works in check mode.
  - Fills C(host) (the inventory hostname), C(client) and C(tier) (the facts set by
    C(tripod.maintenance.resolve_policy)) and C(time) where an entry omits them.
    The evidence recorder fills C(run_id).
  - Any invalid entry fails the task with one problem per entry, each naming the list,
    the index and the field, for example C(findings[2].severity).
  - Never put a secret in C(evidence) or C(detail). A task with C(no_log) is never recorded.
  - Needs the C(tripod) Python package on the controller.
options:
  findings:
    description:
      - Findings, each with C(area) (V(patching), V(hardening), V(health) or V(housekeeping)),
        C(check_id) (C(TRP-<AREA>-<NNN>)), C(title), C(severity) (V(info), V(low), V(medium),
        V(high) or V(critical)), C(status) (V(pass), V(fail), V(error), V(not_applicable),
        V(waived) or V(not_assessed)), and optionally C(evidence), C(remediation) and C(waiver).
    type: list
    elements: dict
    default: []
  actions:
    description:
      - Actions, each with C(area), C(kind) (lower_snake_case, for example C(package_updated)),
        C(detail), C(changed) (false when only planned, in check mode) and optionally C(bytes).
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Report the SSH root login check
  tripod.maintenance.emit:
    findings:
      - area: hardening
        check_id: TRP-SSH-001
        title: SSH root login is disabled
        severity: high
        status: "{{ 'pass' if sshd.permitrootlogin == 'no' else 'fail' }}"
        evidence: "PermitRootLogin {{ sshd.permitrootlogin }}"
        remediation: Set PermitRootLogin no in sshd_config

- name: Report space reclaimed
  tripod.maintenance.emit:
    actions:
      - area: housekeeping
        kind: space_reclaimed
        detail: /var/cache/apt/archives
        bytes: "{{ reclaimed_bytes | int }}"
        changed: "{{ not ansible_check_mode }}"
"""

RETURN = r"""
tripod_findings:
  description: The validated findings, with host, client, tier and time filled in.
  returned: success
  type: list
  elements: dict
tripod_actions:
  description: The validated actions, with host, client, tier and time filled in.
  returned: success
  type: list
  elements: dict
problems:
  description: One line per invalid entry, naming the list, the index and the field.
  returned: failure
  type: list
  elements: str
"""
