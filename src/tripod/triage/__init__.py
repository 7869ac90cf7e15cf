"""Service Desk triage: findings and Alertmanager alerts become tickets, delivered to sinks.

- `tripod.triage.intake`: new findings (per host, from a cursor) and alerts -> observations
  -> `tripod.triage.engine.apply` (one open ticket per problem, held back in the window,
  resolved when the check passes again), all in the evidence store's tables;
- `tripod.triage.delivery`: the queued events -> the sinks (`tripod.triage.sinks`);
- `tripod.triage.server`: `tripod triage serve`, Alertmanager's webhook receiver.

docs/triage.md describes the rules, the tickets table and the sinks.
"""
