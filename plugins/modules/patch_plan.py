# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: patch_plan
short_description: Decide which pending updates a patch run installs and which it holds
description:
  - Runs on the controller only, from the host's compliance facts (C(patches.pending)) and policy.
  - Selects the pending updates of the policy's class (C(patch.classes) V(security) means updates whose
    candidate comes from a C(*-security) suite on Debian and Ubuntu, a security advisory on dnf, the
    Security Updates category on Windows), drops C(patch.exclude) matches (names or shell globs), and,
    with C(patch.approval=approved_only), keeps only C(patch.approved_packages) matches.
  - "On apt hosts, every pending update that is not selected goes to C(hold): the role holds those
    packages for the run (so C(apt-get upgrade) installs exactly the selection) and releases them
    afterwards. Packages already held before the run are left alone (C(held_already))."
  - On Windows it returns the C(win_updates) arguments (C(category_names), C(accept_list), C(reject_list)
    from C(patch.reject_kbs) and C(patch.exclude)).
  - Fails when the facts say the pending updates could not be read, so nothing is changed blindly.
options:
  facts:
    description: The compliance facts; default the host's C(tripod_compliance) fact.
    type: dict
  policy:
    description: The effective policy; default the host's C(tripod_policy) fact.
    type: dict
extends_documentation_fragment:
  - tripod.maintenance.patching
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Patching | Plan
  tripod.maintenance.patch_plan:
  register: patching_plan
"""

RETURN = r"""
work:
  description: The run has something to do on this host (updates to install, or a pending reboot the policy allows).
  returned: success
  type: bool
plan:
  description:
    - C(manager), C(classes), C(updates) (selected, each with C(name), C(installed), C(candidate), C(origin),
      C(security), C(kb)), C(install) (their names), C(hold), C(excluded), C(not_approved), C(not_security),
      C(held_already), C(rejected_kbs) and C(windows) (win_updates arguments).
  returned: success
  type: dict
"""
