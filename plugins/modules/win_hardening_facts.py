# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is written in PowerShell (win_hardening_facts.ps1).

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_hardening_facts
short_description: Read what Tripod's Windows hardening controls need, in one round trip
description:
  - Returns C(ansible_facts.tripod_hardening_windows) with C(registry) (C(PATH\NAME) to value, null when
    absent), C(account_policy) (the C([System Access]) numbers of C(secedit /export)), C(audit_policy)
    (subcategory name to C(No Auditing), C(Success), C(Failure) or C(Success and Failure), read with
    C(auditpol /backup) by GUID so the display language does not matter), C(smb) (C(server_smb1),
    C(server_signing_required)), C(services) (name to C(start_mode), C(state)), C(system_drive) and C(errors).
  - Read-only; runs the same in check mode. A part that fails becomes an C(errors) entry and stays empty.
  - The role C(tripod.maintenance.hardening) passes the values its catalog needs; the controller evaluates them.
  - Not executed in Tripod's tests (no Windows host is available); linted, and its result shape is covered
    by recorded samples on the controller side.
options:
  registry:
    description: Registry values to read.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Key path, for example C(HKLM:\SYSTEM\CurrentControlSet\Control\Lsa).
        type: str
        required: true
      name:
        description: Value name.
        type: str
        required: true
  audit_subcategories:
    description: Audit policy subcategories to read, name to GUID (for example C(Logon) to C({0CCE9215-69AE-11D9-BED3-505054503030})).
    type: dict
    default: {}
  services:
    description: Service names whose start mode and state are reported.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.windows
"""

EXAMPLES = r"""
- name: Read two registry values and the logon audit policy
  tripod.maintenance.win_hardening_facts:
    registry:
      - {path: 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa', name: NoLMHash}
      - {path: 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient', name: EnableMulticast}
    audit_subcategories:
      Logon: '{0CCE9215-69AE-11D9-BED3-505054503030}'
    services: [Spooler]
"""

RETURN = r"""
ansible_facts:
  description: The facts, under C(tripod_hardening_windows).
  returned: always
  type: dict
"""
