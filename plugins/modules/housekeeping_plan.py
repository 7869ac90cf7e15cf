# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: housekeeping_plan
short_description: Plan a Linux host's housekeeping from its survey and policy, on the controller
description:
  - Decides, from the result of C(tripod.maintenance.housekeeping_facts) and the host's housekeeping
    policy, which steps the C(tripod.maintenance.housekeeping) role runs and what each should free.
    It never contacts the host and changes nothing.
  - "Kernels: never the running one, never a newer one (waiting for the next boot), always one
    previous (C(kernels_keep), at least 2, counts the running one); only the running kernel's
    flavour; nothing at all when the running kernel is not an installed package (a container).
    The rules are in the collection's C(plugins/module_utils/tripod_kernels.py)."
  - "Journal: the bytes C(journalctl --vacuum-size/--vacuum-time) would free, estimated with
    journald's own rule from the journal files' sizes and first-entry times."
  - Needs the C(tripod) Python package on the controller.
  - "Dry run: C(dry_run) is true when the task runs in check mode (from the command line or a
    C(check_mode) keyword on the play, block or include, which C(ansible_check_mode) does not
    reflect) or with O(report_only); the role then changes nothing and records what it would reclaim."
options:
  survey:
    description: The registered result of C(tripod.maintenance.housekeeping_facts); required for Linux.
    type: dict
    default: {}
  report_only:
    description: Plan a dry run even outside check mode.
    type: bool
    default: false
  platform:
    description: V(linux) plans every step; V(windows) only decides C(dry_run).
    type: str
    choices: [linux, windows]
    default: linux
  policy:
    description: The housekeeping policy; defaults to C(tripod_policy.housekeeping), set by preflight.
    type: dict
  core_dump_paths:
    description: Directories holding core dumps, cleaned with the policy's C(core_dumps_max_age_days).
    type: list
    elements: path
    default: [/var/lib/systemd/coredump, /var/crash]
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Measure
  tripod.maintenance.housekeeping_facts:
  register: survey

- name: Plan
  tripod.maintenance.housekeeping_plan:
    survey: "{{ survey }}"
  register: plan
"""

RETURN = r"""
clean_paths:
  description: Directories for C(tripod.maintenance.clean_files), the policy's then the core dump directories.
  returned: success
  type: list
  elements: dict
package_cache:
  description: "C(run), C(command) (apt-get clean or dnf clean packages), C(files), C(bytes)."
  returned: success
  type: dict
kernels:
  description: "C(run), C(remove) (packages), C(remove_releases), C(keep_releases), C(bytes), C(reason)."
  returned: success
  type: dict
autoremove:
  description: "C(run), C(packages), C(bytes)."
  returned: success
  type: dict
journal:
  description: "C(run), C(command) (journalctl --vacuum-size/--vacuum-time), C(bytes) (the estimate), C(bytes_now)."
  returned: success
  type: dict
dry_run:
  description: Nothing may be changed (check mode or O(report_only)).
  returned: success
  type: bool
report_only:
  description: O(report_only) as given; the steps' modules take it, check mode reaches them by itself.
  returned: success
  type: bool
summary:
  description: One line naming the steps selected and what each should free.
  returned: success
  type: str
"""
