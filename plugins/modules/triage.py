# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: triage
short_description: Turn the new findings in the evidence store into Service Desk tickets and deliver them
description:
  - What C(tripod triage) does, as a task, so that a scheduler that runs playbooks (an AWX workflow
    node after the cycle) can run it. C(playbooks/triage.yml) runs it.
  - Runs on the controller, once, in a play on C(localhost); it contacts no host. Each host of the
    inventory (O(hosts)) has its policy resolved from its inventory variables, as the preflight role
    resolves it; a host whose policy is invalid, or cannot route a ticket, is not triaged and fails the task
    (after the other hosts are triaged), naming the host and the key.
  - For each host, the findings recorded since the last triage are triaged in one transaction (one open
    ticket per problem, updated while it lasts, resolved when the check passes again, held back in the
    maintenance window, priority and Service Desk tier from the host's policy); then the queued ticket events
    are delivered to the sinks of the host's policy (JSON lines, webhook, email). docs/triage.md has the rules.
  - In check mode the same rules run and are rolled back, so nothing is written to the store and nothing is sent;
    RV(would_send) lists the events the sinks would get.
  - The evidence store must exist (an SQLite file that is missing is an error, not a new empty store).
  - Needs the C(tripod) Python package on the controller (the execution environment has it).
options:
  hosts:
    description: The hosts to triage; default every host of the inventory (C(groups.all)).
    type: list
    elements: str
  store:
    description:
      - The evidence store, C(postgresql://user@host/db) or C(sqlite:///path); default C($TRIPOD_EVIDENCE_URL),
        else C($TRIPOD_DATA_DIR/evidence.sqlite). A password in the URL is never shown.
    type: str
  retry_failed:
    description:
      - Queue again the events a sink rejected earlier (after the sink was fixed),
        as C(tripod triage --retry-failed).
    type: bool
    default: false
  secrets_file:
    description:
      - YAML (ansible-vault encrypted) with C(webhook_token), C(smtp_user), C(smtp_password),
        as C(tripod triage --secrets).
      - Default the C(TRIPOD_WEBHOOK_TOKEN), C(TRIPOD_SMTP_USER) and C(TRIPOD_SMTP_PASSWORD) environment variables
        (the Tripod credential of the AWX job sets them).
    type: path
  vault_password_file:
    description: The ansible-vault password file for O(secrets_file).
    type: path
  webhook_token:
    description: The webhook sink's bearer token; over O(secrets_file) and the environment.
    type: str
  smtp_user:
    description: The email sink's SMTP login; over O(secrets_file) and the environment.
    type: str
  smtp_password:
    description: The email sink's SMTP password; over O(secrets_file) and the environment.
    type: str
  fail_on_undelivered:
    description: Fail the task when ticket events wait for a retry or were rejected (C(tripod triage) exits 1 then).
    type: bool
    default: true
notes:
  - Secrets are used in memory only; they never reach the store, a ticket, the result or a log.
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Triage the evidence of the client's hosts
  tripod.maintenance.triage:
  delegate_to: localhost
  run_once: true

- name: What a triage would send, without sending (check mode)
  tripod.maintenance.triage:
    store: "{{ lookup('ansible.builtin.env', 'TRIPOD_EVIDENCE_URL') }}"
  check_mode: true
"""

RETURN = r"""
outcomes:
  description:
    - Counts of what the triage did; C(hosts) and C(findings) triaged, then C(opened), C(updated), C(seen),
      C(resolved), C(held_back), C(below_threshold), C(disabled), C(stale), C(ok) (docs/triage.md).
  returned: always
  type: dict
  sample: {"hosts": 2, "findings": 14, "opened": 2, "updated": 0, "seen": 0, "resolved": 1, "held_back": 0,
           "below_threshold": 0, "disabled": 0, "stale": 0, "ok": 11}
tickets:
  description: The tickets this triage opened, updated or resolved (without their evidence text).
  returned: always
  type: list
  elements: dict
would_send:
  description: In check mode, each event the sinks would get (sink, ticket, event, host, check, priority); else empty.
  returned: always
  type: list
  elements: dict
sent:
  description: Events delivered, by sink.
  returned: always
  type: dict
  sample: {"jsonl": 3}
waiting:
  description:
    - Events still queued for a retry (C(queued)) and rejected by a sink (C(failed)), for the inventory's clients.
  returned: always
  type: dict
errors:
  description: One line per delivery problem (never a secret).
  returned: always
  type: list
  elements: str
requeued:
  description: Rejected events queued again by O(retry_failed).
  returned: always
  type: int
not_triaged:
  description: One line per host that was not triaged (its policy's file, the host and the key).
  returned: always
  type: list
  elements: str
store:
  description: The evidence store used (a URL's password masked).
  returned: always
  type: str
"""
