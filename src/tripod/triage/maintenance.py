"""Which problems the maintenance itself can cause, and so may be held back in its window.

Patching restarts services and reboots hosts; housekeeping and upgrades load the CPU and memory.
An alert or finding of that kind, seen while the host's maintenance window is open, is held back
(recorded, no ticket). Every other problem (a full disk, an expiring certificate, a failed patch
run or health gate, a missing backup, a hardening control) raises its ticket whatever the window
says: a window open around the clock (`days: []`, `duration_minutes: 10080`) must never silence
a client.
"""

from __future__ import annotations

from tripod.triage.model import Observation

#: Tripod checks whose failure the maintenance can explain: a unit restarting or failed for a
#: moment, a required service down during an upgrade, load and memory while packages install,
#: the reboot the updates just asked for.
EXPLAINABLE_CHECKS: frozenset[str] = frozenset(
    {"TRP-SVC-001", "TRP-SVC-002", "TRP-LOAD-001", "TRP-MEM-001", "TRP-PATCH-003"}
)
#: Alertmanager alerts (docs/prometheus) the maintenance can explain: a host rebooting, a unit
#: restarting, memory while upgrading, a reboot that patching scheduled, metrics missing during it.
EXPLAINABLE_ALERTS: frozenset[str] = frozenset(
    {"alert:HostDown", "alert:SystemdUnitFailed", "alert:MemoryPressure", "alert:TripodRebootRequired",
     "alert:TripodMetricsMissing"}
)


def maintenance_can_explain(obs: Observation) -> bool:
    """True when the problem is of a kind the host's own maintenance causes."""
    return obs.check_id in EXPLAINABLE_CHECKS or obs.check_id in EXPLAINABLE_ALERTS
