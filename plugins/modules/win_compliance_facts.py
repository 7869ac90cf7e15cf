# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is win_compliance_facts.ps1, which runs on the Windows host.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_compliance_facts
short_description: Gather Tripod compliance facts from a Windows host in one round trip
description:
  - Collects everything Tripod's Windows checks and reports need and returns it as the fact
    C(tripod_compliance), in the same shape as M(tripod.maintenance.compliance_facts) returns for Linux
    (see C(docs/schema.md)). C(os_family) is C(windows).
  - Read-only. It changes nothing on the host and fully supports check mode.
  - Every probe is wrapped. A probe that fails or times out adds an entry to C(errors) and leaves its section
    at its empty value; the module itself does not fail because one probe failed.
  - Pending updates come from the Windows Update Agent (the configured source, Windows Update or WSUS), searched
    in a separate runspace bounded by O(update_search_timeout). The other probes run meanwhile.
  - "The Windows Update Agent refuses some calls from a network logon. Run the module with
    C(become: true), C(become_method: runas), C(become_user: SYSTEM) so that the update search works."
  - End-of-support dates come from a table inside the module (extended support for Windows Server).
    C(docs/windows.md) lists them.
options:
  services:
    description:
      - Names (not display names) of services whose state is reported under C(services.watched).
      - A service that does not exist is reported as neither active nor enabled.
    type: list
    elements: str
    default: []
  certificate_paths:
    description:
      - Certificate stores such as C(Cert:\LocalMachine\My), single certificates such as
        C(Cert:\LocalMachine\My\<thumbprint>), certificate files, or directories whose C(.cer), C(.crt),
        C(.pem) and C(.der) files are read (not recursively).
      - Each certificate found is reported with its subject, expiry and days left.
    type: list
    elements: str
    default: []
  backup_markers:
    description:
      - Files (or directories) whose existence and last modification time show that a backup ran.
    type: list
    elements: path
    default: []
  search_updates:
    description:
      - Search the Windows Update Agent for pending updates.
      - When V(false), C(patches.pending) stays empty and an C(errors) entry says the search was skipped, so
        that an empty list is never read as fully patched.
    type: bool
    default: true
  update_search_timeout:
    description:
      - Seconds, counted from the start of the module, that the Windows Update history query and search may
        take. When they take longer, an C(errors) entry is recorded and the other facts are returned.
    type: int
    default: 300
  probe_timeout:
    description:
      - Seconds each WMI/CIM query and each external command (C(w32tm)) may take.
    type: int
    default: 60
notes:
  - Supports check mode; the module never changes anything.
  - Windows PowerShell 5.1 is required (Windows Server 2016 or later, or 2012 R2 with WMF 5.1).
  - Windows has no load average. C(capacity.load.load1) is an instantaneous approximation and C(load5),
    C(load15) and C(per_core15) are null.
  - Windows-only keys follow C(docs/schema.md); Linux-only keys are present with their empty values.
seealso:
  - module: tripod.maintenance.compliance_facts
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.windows
"""

EXAMPLES = r"""
- name: Gather compliance facts (as SYSTEM, so that the Windows Update search is allowed)
  tripod.maintenance.win_compliance_facts:
    services:
      - W32Time
      - WinDefend
    certificate_paths:
      - Cert:\LocalMachine\My
    backup_markers:
      - D:\Backups\last-success.txt
    update_search_timeout: 600
  become: true
  become_method: ansible.builtin.runas
  become_user: SYSTEM

- name: Quick run without the Windows Update search
  tripod.maintenance.win_compliance_facts:
    search_updates: false
"""

RETURN = r"""
ansible_facts:
  description: Facts set on the host.
  returned: always
  type: dict
  contains:
    tripod_compliance:
      description:
        - The compliance facts, in the shape documented in C(docs/schema.md) and validated by
          C(src/tripod/schemas/compliance_facts.schema.json).
      returned: always
      type: dict
      contains:
        schema_version:
          description: Version of the facts shape.
          returned: always
          type: int
          sample: 1
        collected_at:
          description: When the module ran, ISO 8601 UTC.
          returned: always
          type: str
          sample: "2026-03-12T02:14:07Z"
        duration_seconds:
          description: Wall time of the module.
          returned: always
          type: float
          sample: 41.9
        os_family:
          description: Always C(windows).
          returned: always
          type: str
          sample: windows
        identity:
          description: >-
            C(hostname), C(fqdn), C(distribution) (e.g. C(Windows Server 2022)), C(distribution_version)
            (e.g. C(10.0.20348)), C(distribution_codename) (DisplayVersion, e.g. C(21H2)), C(kernel)
            (build and revision, e.g. C(20348.2340)), C(architecture) (C(x86_64), C(aarch64)),
            C(virtualization) (systemd-detect-virt names, C(none) on hardware), C(hardware), C(uptime_seconds),
            C(boot_time).
          returned: always
          type: dict
        lifecycle:
          description: C(product), C(version), C(eol_date), C(days_left); dates null for an unknown build.
          returned: always
          type: dict
          sample: {"product": "windows-server", "version": "2022", "eol_date": "2031-10-14", "days_left": 2042}
        patches:
          description: >-
            C(manager) (C(windows_update)), C(pending) (list of updates with C(name), C(installed), C(candidate),
            C(origin), C(security), C(kb), C(severity)), C(security_count), C(other_count), C(held),
            C(last_upgrade), C(reboot_required), C(reboot_reasons), C(reboot_required_since), C(lists) (one entry,
            C(Windows Update), with C(updated) and C(age_hours) of its last successful search; both null when
            it never searched).
          returned: always
          type: dict
        capacity:
          description: C(filesystems) (fixed disks), C(memory), C(swap) (page files), C(load).
          returned: always
          type: dict
        services:
          description: >-
            C(failed) (automatic services that are stopped, by the rule in C(docs/windows.md)) and C(watched)
            (C(active), C(enabled) for each service in O(services)).
          returned: always
          type: dict
        time:
          description: C(synchronized), C(source), C(service) (C(w32time)).
          returned: always
          type: dict
        security:
          description: >-
            C(ssh), C(accounts) (C(local_admins), C(guest_enabled)), C(sudo), C(firewall) (C(profiles) Domain,
            Private, Public), C(auto_updates), C(auditd) (mapped to the EventLog service), C(world_writable),
            C(defender), C(bitlocker).
          returned: always
          type: dict
        certificates:
          description: C(path), C(subject), C(not_after), C(days_left) for each certificate found.
          returned: always
          type: list
          elements: dict
        backups:
          description: C(path), C(exists), C(modified), C(age_hours) for each backup marker.
          returned: always
          type: list
          elements: dict
        errors:
          description: C(probe), C(message) for every probe that failed, timed out or was skipped.
          returned: always
          type: list
          elements: dict
          sample:
            - probe: patches.pending
              message: Windows Update search did not finish within 300 s (update_search_timeout)
"""
