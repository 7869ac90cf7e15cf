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
    description: Can run in check mode and report what it would change without changing the target.
  diff_mode:
    support: none
    description: Does not return a diff of what it changes.
author:
  - Tripod maintainers (@tripod-msp)
"""

    POSIX = r"""
options: {}
attributes:
  platform:
    support: N/A
    platforms: posix
    description: Target OS/families that can be operated against. Runs on POSIX hosts (Linux) with the host's Python.
"""

    WINDOWS = r"""
options: {}
attributes:
  platform:
    support: N/A
    platforms: windows
    description: Target OS/families that can be operated against. Runs on Windows hosts with PowerShell.
"""

    CONTROLLER = r"""
options: {}
attributes:
  platform:
    support: N/A
    platforms: all
    description: Target OS/families that can be operated against. Runs on the controller only, so the target's platform does not matter.
"""
