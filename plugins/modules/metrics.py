# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: metrics
short_description: Publish a host's Tripod metrics of this run to its node exporter
description:
  - On the controller, reads what the evidence store recorded for the host in the current run (the
    findings and compliance facts that the C(tripod.maintenance.evidence) callback wrote), computes the
    host's metrics (score, pending updates, reboot required, findings by status and by severity, last
    run time, mode and status) and writes them on the host atomically with one plain shell command
    (no module round trip; with C(--diff), with C(tripod.maintenance.prom_textfile)). In check mode it
    contacts nothing.
  - Run it after the tasks that produce findings, in the same play or a later one; the recorder writes
    the hosts' results when a play ends and before every task of this module. The run is the
    recorder's (C(TRIPOD_RUN_ID), which C(tripod run) sets and the recorder exports when it makes its own id).
  - When the recorder is not enabled, or recorded nothing for the host in this run, nothing is written
    and the result says why (RV(written)=false); the task does not fail.
  - docs/monitoring.md lists the metrics.
  - Needs the C(tripod) Python package on the controller.
options:
  directory:
    description: The node exporter's textfile collector directory on the host. It must exist.
    type: path
    required: true
  name:
    description: The file name in O(directory).
    type: str
    default: tripod.prom
  mode:
    description: Permissions of the file.
    type: raw
    default: "0644"
  run_id:
    description: The run whose results to publish; default the evidence recorder's.
    type: str
  db_path:
    description:
      - The evidence store, a file, C(sqlite:///path) or C(postgresql://user@host/db).
      - Default the evidence recorder's (C(TRIPOD_EVIDENCE_DB)), else the store C(TRIPOD_EVIDENCE_URL) names
        (C(tripod --store) sets it), else C($TRIPOD_DATA_DIR/evidence.sqlite).
    type: path
  write:
    description:
      - Write the file on the host. V(false) returns the file's text in RV(content) instead, for a task
        that writes it another way (the monitoring role on Windows uses C(ansible.windows.win_copy)).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reports whether the file on the host would change, and writes nothing.
  diff_mode:
    support: full
    description: Returns the old and the new file's text.
author:
  - Tripod maintainers (@tripod-msp)
"""

EXAMPLES = r"""
- name: Publish this run's metrics
  tripod.maintenance.metrics:
    directory: /var/lib/prometheus/node-exporter
"""

RETURN = r"""
written:
  description: Whether the metrics file holds this run's metrics now.
  returned: always
  type: bool
path:
  description: The metrics file.
  returned: when the host has a record in this run
  type: str
metrics:
  description: The host's unlabelled metrics (name to value), for the log.
  returned: when the host has a record in this run
  type: dict
content:
  description: The metrics file's text (Prometheus exposition format).
  returned: when O(write) is false and the host has a record in this run
  type: str
msg:
  description: Why nothing was written.
  returned: when RV(written) is false
  type: str
"""
