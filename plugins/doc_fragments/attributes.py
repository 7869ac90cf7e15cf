# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes most Tripod modules share: full check mode, no diff, and where they run.

Use the default fragment together with one platform fragment:

    extends_documentation_fragment:
      - tripod.maintenance.attributes
      - tripod.maintenance.attributes.posix
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - Tripod maintainers
"""

    POSIX = r"""
options: {}
attributes:
  platform:
    platforms: posix
"""

    WINDOWS = r"""
options: {}
attributes:
  platform:
    platforms: windows
"""

    CONTROLLER = r"""
options: {}
attributes:
  platform:
    platforms: all
"""
