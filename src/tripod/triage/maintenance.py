"""Which problems the maintenance itself can cause, and so may be held back in its window.

Patching restarts services and reboots hosts; housekeeping and upgrades load the CPU and memory.
An alert or finding of that kind, seen while the host's maintenance window is open, is held back
(recorded, no ticket), but for at most two hours: a problem of that kind that was already held back
two hours before (within the last day) has outlasted any maintenance and opens its ticket, so a
service that stays down in a window open around the clock is still reported. Every other problem (a full disk, an expiring certificate, a failed patch
run or health gate, a missing backup, a hardening control) raises its ticket whatever the window
says: a window open around the clock (`days: []`, `duration_minutes: 10080`) must never silence
a client.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tripod.models import format_time, normalize_time
from tripod.store.tickets import TicketStore
from tripod.triage.model import Observation

#: Tripod checks whose failure the maintenance can explain: a unit restarting or failed for a
#: moment, a required service down during an upgrade, load and memory while packages install,
#: the reboot the updates just asked for.
EXPLAINABLE_CHECKS: frozenset[str] = frozenset(
    {"TRP-SVC-001", "TRP-SVC-002", "TRP-LOAD-001", "TRP-MEM-001", "TRP-PATCH-003"}
)
#: Alertmanager alerts (docs/prometheus, and the usual names of a host-down alert) the maintenance
#: can explain: a host rebooting, a unit
#: restarting, memory while upgrading, a reboot that patching scheduled, metrics missing during it.
EXPLAINABLE_ALERTS: frozenset[str] = frozenset(
    {"alert:HostDown", "alert:NodeDown", "alert:InstanceDown", "alert:TargetDown", "alert:SystemdUnitFailed",
     "alert:MemoryPressure", "alert:TripodRebootRequired", "alert:TripodMetricsMissing"}
)


#: How long the maintenance may explain one problem, and how far back the hold-backs are looked up.
MAX_EXPLAINED = timedelta(hours=2)
LOOKBACK = timedelta(days=1)


def maintenance_can_explain(obs: Observation) -> bool:
    """True when the problem is of a kind the host's own maintenance causes."""
    return obs.check_id in EXPLAINABLE_CHECKS or obs.check_id in EXPLAINABLE_ALERTS


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(normalize_time(text).replace("Z", "+00:00"))


def outlasted_maintenance(tickets: TicketStore, obs: Observation) -> bool:
    """True when the same problem was already held back MAX_EXPLAINED or more before `obs`."""
    at = _moment(obs.observed_at)
    earlier = [row for row in tickets.suppressed(client=obs.client, since=format_time(at - LOOKBACK),
                                                 until=format_time(at))
               if row["host"] == obs.host and row["check_id"] == obs.check_id]
    return bool(earlier) and at - _moment(earlier[0]["observed_at"]) >= MAX_EXPLAINED


def maintenance_explains(tickets: TicketStore, obs: Observation) -> bool:
    """The hold-back rule: a kind of problem the maintenance causes, not outlasting it."""
    return maintenance_can_explain(obs) and not outlasted_maintenance(tickets, obs)
