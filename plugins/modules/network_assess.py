# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: network_assess
short_description: Back up a network device's running configuration and check it
description:
  - Runs on the controller with the outputs the network role read from the device over
    C(ansible.netcommon.network_cli); it never contacts the device itself.
  - Masks secrets (passwords, keys, SNMP communities) and keeps the running configuration as a
    plain file under C($TRIPOD_DATA_DIR/network/<client>/<host>/), one file per distinct
    configuration, the newest C(network.backup_retention) kept.
  - Returns findings under C(tripod_findings) and actions under C(tripod_actions) for the
    C(tripod.maintenance.evidence) recorder; the backup action carries the content hash.
  - Findings are the backup (TRP-NET-001), drift since the last backup (TRP-NET-002), the golden
    baseline (TRP-NET-003), the configuration checks (TRP-NET-010 to 017) and the firmware
    support status (TRP-NET-020); see C(docs/network.md).
  - Reports a change only when a new configuration version was written.
options:
  running_config:
    description: The device's running configuration, as its platform's show command printed it.
    type: str
    required: true
  version:
    description: The device's version output (for the firmware check).
    type: str
    default: ""
  network_os:
    description: The platform; defaults to the host's C(ansible_network_os).
    type: str
  policy:
    description: The effective policy; defaults to C(tripod_policy) set by the preflight resolve tasks.
    type: dict
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Back up and check the device
  tripod.maintenance.network_assess:
    running_config: "{{ network_running.stdout }}"
    version: "{{ network_version.stdout }}"
"""

RETURN = r"""
tripod_findings:
  description: The findings, with host, client, tier and time filled in.
  returned: success
  type: list
  elements: dict
tripod_actions:
  description: The backup actions (with the content hash).
  returned: success
  type: list
  elements: dict
backup:
  description: The backup file (relative to the data directory), its sha256 and whether it was written.
  returned: success
  type: dict
failing:
  description: The check ids that failed or could not be evaluated.
  returned: success
  type: list
  elements: str
"""
