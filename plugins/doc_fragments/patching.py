# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation shared by the patching role's controller-side action plugins. List it before
`tripod.maintenance.attributes`, so that its check-mode description wins."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    support: full
    description: It never contacts the host and changes nothing, so it runs the same in check mode.
notes:
  - Runs on the controller only and needs the C(tripod) Python package there.
  - Part of the C(tripod.maintenance.patching) role; see the collection's C(docs/patching.md).
"""
