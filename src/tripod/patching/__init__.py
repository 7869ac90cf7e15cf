"""Patching by tier policy, the controller side of the `tripod.maintenance.patching` role.

- `schedule`: the maintenance-window and patch-day guard, the reboot window;
- `plan`: which pending updates a run installs, holds, excludes (apt, dnf, Windows Update);
- `versions`: package versions before and after, as the package manager lists them;
- `reboot`: which hosts of a batch reboot, slot by slot per reboot group;
- `rollout`: serial batch size and failure limit from the hosts' policies;
- `result` and `outcome`: findings and actions of one host's run;
- `history`: how long a pending security update has waited, from the evidence store;
- `summary`: the per-host outcome table that ends `tripod run patch`.
"""
