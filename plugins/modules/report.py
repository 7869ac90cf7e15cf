# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: report
short_description: Write the monthly client reports, or the engineer review, from the evidence store
description:
  - What C(tripod report) does, as a task, so that a scheduler that runs playbooks (an AWX schedule) can
    run it. C(playbooks/report.yml) runs it.
  - Runs on the controller, once, in a play on C(localhost); it contacts no host. The clients are those of
    the inventory's hosts (O(clients) overrides), and each client's C(report.*) settings (display name,
    weights, tiers, formats, recipients) come from its hosts' policies, resolved from their inventory
    variables. docs/reports.md describes the reports.
  - The monthly report of O(month) (default the previous month, UTC) in HTML, PDF, JSON and CSV, or with
    O(review) the twice-yearly engineer review of O(half) (default the half year that ended last) of the
    tiers whose policy sets C(report.engineer_review). A closed month's figures are those kept when it was
    first reported, beside the SQLite store or in C($TRIPOD_DATA_DIR) (docs/scale.md), unless O(recompute).
  - In check mode the reports are built in memory and nothing is written or mailed; RV(reports) lists the
    files a real run would write, with each client's score.
  - Fails, naming the client, when a client has no evidence in the store, and before anything is written
    when O(send) is set and a client's recipients or SMTP settings are missing.
  - Needs the C(tripod) Python package on the controller (the execution environment has it).
options:
  out:
    description: The directory the reports are written to (created when missing). In AWX, persistent storage or O(send).
    type: path
    required: true
  month:
    description: The month of the monthly report, C(YYYY-MM), or V(last) (the previous month, UTC).
    type: str
    default: last
  review:
    description: Write the engineer review of O(half) instead of the monthly report.
    type: bool
    default: false
  half:
    description:
      - The half year of the engineer review, C(YYYY-H1) or C(YYYY-H2), or V(last) (the half year that ended last).
    type: str
    default: last
  clients:
    description: The clients to report; default every client of the inventory's hosts (O(hosts)).
    type: list
    elements: str
  hosts:
    description: The hosts whose policies give the clients and their C(report.*) settings; default C(groups.all).
    type: list
    elements: str
  formats:
    description: The formats to write; default each client's C(report.formats) policy.
    type: list
    elements: str
    choices: [html, pdf, json, csv]
  appendix:
    description: Add the per-host appendix (every result that is not a pass) to the HTML and PDF.
    type: bool
    default: false
  recompute:
    description: Build a closed month from the store again and replace the figures kept when it was first reported.
    type: bool
    default: false
  waivers_file:
    description: The client's waivers file (owner, ticket, justification and expiry of each waiver).
    type: path
  send:
    description:
      - Mail each monthly report to the client's C(report.recipients) through its C(alerts.email) SMTP settings.
    type: bool
    default: false
  store:
    description:
      - The evidence store, C(postgresql://user@host/db) or C(sqlite:///path); default C($TRIPOD_EVIDENCE_URL),
        else C($TRIPOD_DATA_DIR/evidence.sqlite). A password in the URL is never shown.
    type: str
  secrets_file:
    description:
      - YAML (ansible-vault encrypted) with C(smtp_user) and C(smtp_password) for O(send).
      - Default C(TRIPOD_SMTP_USER) and C(TRIPOD_SMTP_PASSWORD).
    type: path
  vault_password_file:
    description: The ansible-vault password file for O(secrets_file).
    type: path
  smtp_user:
    description: The SMTP login for O(send); over O(secrets_file) and the environment.
    type: str
  smtp_password:
    description: The SMTP password for O(send); over O(secrets_file) and the environment.
    type: str
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.controller
"""

EXAMPLES = r"""
- name: Last month's reports of the inventory's clients
  tripod.maintenance.report:
    out: /var/lib/tripod/reports

- name: The engineer review of the half year that ended
  tripod.maintenance.report:
    out: /var/lib/tripod/reports/reviews
    review: true
"""

RETURN = r"""
reports:
  description:
    - One entry per client; C(client), C(files) (written, or in check mode to be written), and for a monthly
      report C(score), C(band), C(reporting) and C(expected) hosts (C(sent_to) when mailed),
      for a review C(signoff_state).
  returned: always
  type: list
  elements: dict
  sample: [{"client": "acme", "score": 87.5, "band": "good", "reporting": 4, "expected": 5,
            "files": ["/var/lib/tripod/reports/acme-2026-11.html", "/var/lib/tripod/reports/acme-2026-11.json"]}]
period:
  description: The month (C(YYYY-MM)) or half year (C(YYYY-H1|H2)) reported.
  returned: always
  type: str
skipped:
  description: Clients without a monthly report (C(report.monthly) false for every tier).
  returned: always
  type: list
  elements: str
unsent:
  description: One line per report that could not be mailed (the task fails).
  returned: when O(send) and a report was not mailed
  type: list
  elements: str
store:
  description: The evidence store used (a URL's password masked).
  returned: always
  type: str
"""
