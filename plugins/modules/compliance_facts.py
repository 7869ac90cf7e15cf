#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compliance_facts
short_description: Gather everything Tripod's checks and reports need from a Linux host, in one call
description:
  - Returns C(ansible_facts.tripod_compliance) in the shape described in the collection's
    C(docs/schema.md) (machine-readable C(src/tripod/schemas/compliance_facts.schema.json)).
  - "Covers identity, lifecycle (end-of-life date from a table shipped with the collection), patch
    state (pending security and other updates, held packages, last upgrade, reboot required and why,
    how old the package lists are per configured apt suite or dnf repository,
    services needing a restart), capacity (filesystems, inodes, memory, swap, load), systemd services,
    time synchronisation, security inputs (effective sshd settings, uid 0 and password-less accounts,
    sudo NOPASSWD rules, firewall, automatic updates, auditd, world-writable files), certificate
    expiry and backup markers."
  - "The C(hardening) probe reads what the hardening controls need (kernel parameters, file modes,
    login.defs, PAM, sudo defaults, journald, core dumps, kernel modules, banners, audit rules,
    listening ports, ...): see C(plugins/module_utils/tripod_hardening_probe.py)."
  - Read-only. It never changes the host, never refreshes package lists (no C(apt-get update), dnf runs
    with C(--cacheonly)), so pending updates are computed from the package lists the host already has.
    Runs the same in check mode.
  - The one thing it writes is Tripod's own apt binary cache. As root, C(apt-cache) keeps its
    C(pkgcache.bin) in C(/var/cache/tripod/apt) (created mode 0700; not used when it is a link, owned by
    another user or writable by others), rebuilt only when the package lists or dpkg's status changed,
    instead of rebuilding a stale cache in memory on every run (~2 s). apt's own caches are never
    written. The directory is Tripod's alone and may be deleted at any time (housekeeping or by hand);
    the next run builds it again.
  - Probes run concurrently, each bounded by O(probe_timeout). A probe that fails or times out adds an
    entry to C(errors) and leaves its part of the facts at its empty value; the module itself does not
    fail because of a probe.
  - Uses only the target's Python 3 standard library (Python 3.9 or later) and common system tools when
    present (C(apt-cache), C(dnf), C(rpm), C(systemctl), C(systemd-detect-virt), C(sshd), C(nft),
    C(needrestart), C(chronyc), C(openssl)). A missing optional tool skips that detail.
  - Certificates are parsed in Python (a small DER walk over the X.509 validity and subject);
    C(openssl x509) is used only as a fallback for files the parser cannot read.
  - Most security inputs need root (C(/etc/shadow), C(sshd -T), C(nft list ruleset)); use C(become).
version_added: "0.1.0"
author:
  - Tripod maintainers (@tripod-msp)
options:
  services:
    description:
      - Systemd units whose state is reported under C(services.watched), keyed by the names given here.
      - All of them are read with one C(systemctl show) call.
    type: list
    elements: str
    default: []
  certificate_paths:
    description:
      - Certificate files or directories. Directories are walked (at most 1000 files); files holding a
        PEM C(CERTIFICATE) block, or a DER certificate with a C(.der), C(.cer) or C(.crt) suffix, are
        reported. Only the first certificate of a file (the leaf of a chain) is reported.
    type: list
    elements: path
    default: []
  backup_markers:
    description:
      - Files whose age shows that a backup ran (for example a file the backup job touches).
      - Shell wildcards are allowed; the newest match is reported.
    type: list
    elements: str
    default: []
  world_writable_paths:
    description:
      - Directory trees searched for world-writable files and for world-writable directories without
        the sticky bit. Symbolic links are not followed and the search stays on each tree's filesystem.
    type: list
    elements: path
    default: [/etc, /usr/local/bin, /usr/local/sbin]
  world_writable_limit:
    description:
      - Stop the world-writable search after this many hits and set C(truncated).
    type: int
    default: 100
  world_writable_timeout:
    description:
      - Stop the world-writable search after this many seconds and set C(truncated).
    type: float
    default: 5
  probe_timeout:
    description:
      - Time bound, in seconds, of every probe and so of every command a probe runs. Probes run
        concurrently, so the module returns after at most about this many seconds.
    type: float
    default: 20
  probes:
    description:
      - The probes to run. Sections of probes that did not run keep their empty values; C(probes_run)
        in the result lists the probes that ran. An empty list runs none.
    type: list
    elements: str
    choices: [identity, lifecycle, patches, capacity, services, time, ssh, accounts, sudo, firewall,
              auto_updates, auditd, world_writable, certificates, backups, hardening]
    default: [identity, lifecycle, patches, capacity, services, time, ssh, accounts, sudo, firewall,
              auto_updates, auditd, world_writable, certificates, backups, hardening]
attributes:
  check_mode:
    support: full
    description: Read-only; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  facts:
    support: full
    description: Returns C(ansible_facts.tripod_compliance).
  platform:
    support: N/A
    platforms: posix
    description: Linux. Debian and Ubuntu (apt) are tested; the RHEL family (dnf) is supported but only linted.
notes:
  - Lifecycle dates follow the definition in the collection's C(plugins/module_utils/tripod_eol.py)
    (Debian counts Debian LTS, Ubuntu counts standard support, RHEL counts maintenance support).
  - On Debian and Ubuntu, pending updates are the installed packages whose candidate version
    (C(apt-cache policy), from the existing package lists) is newer than the installed one, held
    packages included (marked C(held)). Packages that an upgrade would newly install (a new kernel
    ABI package, for example) are not listed; their meta-package (C(linux-image-amd64)) is.
    Ubuntu's phased updates count as pending.
  - An update is a security update when its candidate version comes from an archive whose name
    ends in C(-security) (or C(buster/updates)). When a newer non-security version supersedes a
    pending security fix, it is counted as other (a known apt limitation, shared with most tools).
  - apt is never allowed to rewrite its caches; when they are older than dpkg's status or the
    package lists, they are rebuilt in memory, which costs 0.3 to 2 seconds.
  - In a container, memory, load, uptime and the kernel are the host's (unless lxcfs is used).
seealso:
  - name: Tripod data schemas
    description: The facts shape, in the collection's docs/schema.md.
    link: https://github.com/tripod-msp/tripod/blob/main/docs/schema.md
"""

EXAMPLES = r"""
- name: Gather the Tripod compliance facts (everything, one round trip)
  tripod.maintenance.compliance_facts:
  become: true

- name: Watch some services, certificates and backup markers
  tripod.maintenance.compliance_facts:
    services: [ssh, cron, postgresql]
    certificate_paths: [/etc/ssl/private/site.pem, /etc/letsencrypt/live]
    backup_markers: [/var/backups/nightly.done, /srv/backup/*.tar.zst]
    probe_timeout: 15
  become: true

- name: Only the capacity and patch probes
  tripod.maintenance.compliance_facts:
    probes: [capacity, patches]

- name: Show pending security updates
  ansible.builtin.debug:
    msg: "{{ tripod_compliance.patches.pending | selectattr('security') | map(attribute='name') | list }}"
"""

RETURN = r"""
ansible_facts:
  description: The facts, under one key.
  returned: always
  type: dict
  contains:
    tripod_compliance:
      description:
        - The compliance facts. The full shape, with every key, is in the collection's
          C(docs/schema.md) and C(src/tripod/schemas/compliance_facts.schema.json).
      returned: always
      type: dict
      contains:
        schema_version:
          description: Version of the facts shape.
          type: int
          returned: always
          sample: 1
        collected_at:
          description: When the module ran, ISO 8601 UTC.
          type: str
          returned: always
          sample: "2026-11-27T23:05:00Z"
        duration_seconds:
          description: Wall time of the module on the target.
          type: float
          returned: always
          sample: 0.42
        os_family:
          description: Always C(linux) for this module.
          type: str
          returned: always
          sample: linux
        identity:
          description: Hostname, FQDN, distribution, kernel, architecture, virtualization, hardware, uptime.
          type: dict
          returned: always
        lifecycle:
          description: C(product), C(version), C(eol_date), C(days_left), C(source).
          type: dict
          returned: always
          sample: {"product": "debian", "version": "12", "eol_date": "2028-06-30", "days_left": 581, "source": "tripod"}
        patches:
          description: Pending updates, held packages, last upgrade, reboot state, services needing restart.
          type: dict
          returned: always
        capacity:
          description: Filesystems, memory, swap and load.
          type: dict
          returned: always
        services:
          description: Failed units and the state of the watched units.
          type: dict
          returned: always
        time:
          description: Time synchronisation state, source and service.
          type: dict
          returned: always
        security:
          description: ssh, accounts, sudo, firewall, auto_updates, auditd, world_writable.
          type: dict
          returned: always
        certificates:
          description: One entry per certificate file found under O(certificate_paths).
          type: list
          elements: dict
          returned: always
        backups:
          description: One entry per O(backup_markers) item.
          type: list
          elements: dict
          returned: always
        errors:
          description: One C({probe, message}) entry per probe that failed or timed out.
          type: list
          elements: dict
          returned: always
          sample: [{"probe": "security.ssh", "message": "sshd -T exited 255: Missing privilege separation directory"}]
        probes_run:
          description: The probes that ran.
          type: list
          elements: str
          returned: always
        probe_seconds:
          description: Wall time of each probe, for diagnosing slow hosts.
          type: dict
          returned: always
"""

import glob
import os
import re
import socket
import threading
import time

from ansible.module_utils.basic import AnsibleModule

# The parsers, the X.509 reader, the host I/O helpers and the patch and certificate probes live in
# module_utils: AnsiballZ ships them in this module's payload (no extra round trip), and tests
# import them directly.
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_hardening_probe
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_certificate_probes import CertificateProbes
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_eol import lookup as eol_lookup
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_host import (
    ProbeError,
    detect_virtualization_from_files,
    find_world_writable,
    iso_utc,
    kernel_clock_synchronized,
    read_first_line,
    read_text,
    run_cmd,
    running_process_label,
    unit_file_exists,
    which,
)
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_patch_probes import PatchProbes
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_system_parsers import (
    NETWORK_FS_TYPES,
    iptables_input_filtering,
    memory_facts,
    nft_input_filtering,
    parse_empty_passwords,
    parse_failed_units,
    parse_meminfo,
    parse_mountinfo,
    parse_os_release,
    parse_passwd_uid0,
    parse_sshd_t,
    parse_systemctl_show,
    select_filesystems,
    statvfs_facts,
    sudoers_nopasswd,
    unescape_mount,
    unit_facts,
)
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_text import clip

SCHEMA_VERSION = 1

ALL_PROBES = [
    "identity", "lifecycle", "patches", "capacity", "services", "time", "ssh", "accounts",
    "sudo", "firewall", "auto_updates", "auditd", "world_writable", "certificates", "backups",
    "hardening",
]


# Units whose state some probes need; read in the same `systemctl show` call as the watched units.
INTERNAL_UNITS = (
    "auditd.service", "firewalld.service", "ufw.service", "nftables.service",
    "chrony.service", "chronyd.service", "systemd-timesyncd.service", "ntp.service",
    "ntpd.service", "ntpsec.service", "openntpd.service",
    "apt-daily-upgrade.timer", "dnf-automatic.timer", "dnf-automatic-install.timer",
)


# systemd-detect-virt's container identifiers.
CONTAINER_TECHNOLOGIES = frozenset([
    "openvz", "lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman", "rkt", "wsl", "proot", "pouch",
    "container-other",
])

TIME_SERVICES = (
    ("chrony.service", "chrony"), ("chronyd.service", "chrony"),
    ("systemd-timesyncd.service", "systemd-timesyncd"), ("ntpsec.service", "ntpd"),
    ("ntp.service", "ntpd"), ("ntpd.service", "ntpd"), ("openntpd.service", "ntpd"),
)
TIME_PROCESSES = (("chronyd", "chrony"), ("systemd-timesyn", "systemd-timesyncd"), ("ntpd", "ntpd"))

DISTRIBUTION_NAMES = {
    "debian": "Debian", "ubuntu": "Ubuntu", "rhel": "RedHat", "rocky": "Rocky", "almalinux": "AlmaLinux",
    "centos": "CentOS", "ol": "OracleLinux", "fedora": "Fedora", "sles": "SLES", "opensuse-leap": "openSUSE Leap",
    "alpine": "Alpine", "linuxmint": "Linux Mint", "raspbian": "Raspbian",
}


# --------------------------------------------------------------------------------------------
# The collector: one probe per part of the facts, run concurrently
# --------------------------------------------------------------------------------------------

def empty_facts():
    """The facts shape with every section at its empty value (see docs/schema.md)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "collected_at": None,
        "duration_seconds": None,
        "os_family": "linux",
        "identity": {
            "hostname": None, "fqdn": None, "distribution": None, "distribution_version": None,
            "distribution_codename": None, "distribution_point_release": None, "kernel": None, "architecture": None, "virtualization": None,
            "container": None,
            "hardware": {"vendor": None, "model": None, "serial": None, "bios_date": None},
            "uptime_seconds": None, "boot_time": None,
        },
        "lifecycle": {"product": None, "version": None, "eol_date": None, "days_left": None, "source": None},
        "patches": {
            "manager": None, "pending": [], "security_count": None, "other_count": None, "held": [],
            "last_upgrade": None, "reboot_required": None, "reboot_reasons": [], "reboot_required_since": None,
            "restart_services": [], "lists": None,
        },
        "capacity": {
            "filesystems": [],
            "memory": {"total_bytes": None, "available_bytes": None, "used_percent": None},
            "swap": {"total_bytes": None, "free_bytes": None, "used_percent": None},
            "load": {"load1": None, "load5": None, "load15": None, "cores": None, "per_core15": None},
        },
        "services": {"failed": [], "watched": {}},
        "time": {"synchronized": None, "source": None, "service": None},
        "security": {
            "ssh": {"installed": None, "settings": {}},
            "accounts": {"uid0": [], "empty_password": []},
            "sudo": {"nopasswd": []},
            "firewall": {"active": None, "backend": None},
            "auto_updates": {"configured": None, "mechanism": None},
            "auditd": {"installed": None, "running": None},
            "world_writable": {"paths": [], "files": [], "truncated": False},
        },
        "certificates": [],
        "backups": [],
        "hardening": tripod_hardening_probe.empty_section(),
        "errors": [],
        "probes_run": [],
        "probe_seconds": {},
    }


def finalize_reboot(patches):
    """Fold needrestart's kernel and microcode findings into the reboot state."""
    extra = patches.pop("restart_reboot_reasons", None) or []
    if patches.get("reboot_required") is None:
        return  # the reboot probe did not run or failed: stay "not assessed"
    reasons = patches["reboot_reasons"]
    for reason in extra:
        kind = reason.split(":", 1)[0]
        if not any(r.startswith(kind + ":") for r in reasons):
            reasons.append(reason)
    if reasons:
        patches["reboot_required"] = True


def deep_merge(target, update):
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = value


class Collector(PatchProbes, CertificateProbes):
    def __init__(self, params, now=None):
        self.params = params
        self.timeout = float(params.get("probe_timeout") or 20)
        self.start = time.time() if now is None else now
        self.deadline = self.start + self.timeout
        self.errors = []
        self._lock = threading.Lock()
        self._units_lock = threading.Lock()
        self._units = None
        self._units_error = None
        self._dpkg_lock = threading.Lock()
        self._dpkg = None
        self.os_release = {}
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            try:
                self.os_release = parse_os_release(read_text(path))
                break
            except OSError:
                continue
        self.systemd = os.path.isdir("/run/systemd/system")
        if which("apt-get"):
            self.manager = "apt"
        elif which("dnf"):
            self.manager = "dnf"
        else:
            self.manager = None

    # -- plumbing --

    def remaining(self):
        return max(0.5, self.deadline - time.time())

    def cmd(self, args, ok_rcs=(0,)):
        return run_cmd(args, self.remaining(), ok_rcs)

    def error(self, probe, message):
        with self._lock:
            self.errors.append({"probe": probe, "message": clip(str(message), 500)})

    def unit_states(self):
        """States of the watched and internal units from ONE `systemctl show` call (memoised)."""
        with self._units_lock:
            if self._units is None and self._units_error is None:
                if not self.systemd:
                    self._units_error = "systemd is not running (no /run/systemd/system)"
                else:
                    # Internal units are asked for only when a unit file exists: for a unit systemd
                    # does not know, `systemctl show` searches every unit directory (15 unknown
                    # units cost 0.3 s, 2 known ones 0.015 s).
                    internal = [u for u in INTERNAL_UNITS if unit_file_exists(u)]
                    names = list(dict.fromkeys(list(self.params.get("services") or []) + internal))
                    try:
                        out = ""
                        if names:
                            _rc, out, _err = self.cmd(
                                ["systemctl", "show", "--no-pager",
                                 "--property=Id,LoadState,ActiveState,SubState,UnitFileState", "--"] + names)
                        self._units = parse_systemctl_show(out, names)
                    except ProbeError as exc:
                        self._units_error = str(exc)
            if self._units is None:
                raise ProbeError(self._units_error)
            return self._units

    def unit_active(self, name):
        return self.unit_states().get(name, {}).get("ActiveState") == "active"

    def unit_enabled(self, name):
        return unit_facts(self.unit_states().get(name, {}))["enabled"] is True

    def selected_probes(self):
        probes = self.params.get("probes")
        return list(ALL_PROBES) if probes is None else list(probes)

    def tasks(self):
        """(name, callable) for every sub-probe of the selected probes."""
        selected = set(self.selected_probes())
        table = [
            ("identity", "identity", self.probe_identity),
            ("identity", "identity.fqdn", self.probe_fqdn),
            ("identity", "identity.virtualization", self.probe_virtualization),
            ("lifecycle", "lifecycle", self.probe_lifecycle),
            ("patches", "patches.pending", self.probe_pending),
            ("patches", "patches.held", self.probe_held),
            ("patches", "patches.lists", self.probe_lists),
            ("patches", "patches.last_upgrade", self.probe_last_upgrade),
            ("patches", "patches.reboot", self.probe_reboot),
            ("patches", "patches.restart", self.probe_restart),
            ("capacity", "capacity", self.probe_capacity),
            ("services", "services.failed", self.probe_failed_units),
            ("services", "services.watched", self.probe_watched),
            ("time", "time", self.probe_time),
            ("ssh", "security.ssh", self.probe_ssh),
            ("accounts", "security.accounts", self.probe_accounts),
            ("sudo", "security.sudo", self.probe_sudo),
            ("firewall", "security.firewall", self.probe_firewall),
            ("auto_updates", "security.auto_updates", self.probe_auto_updates),
            ("auditd", "security.auditd", self.probe_auditd),
            ("world_writable", "security.world_writable", self.probe_world_writable),
            ("certificates", "certificates", self.probe_certificates),
            ("backups", "backups", self.probe_backups),
            ("hardening", "hardening", self.probe_hardening),
        ]
        return [(name, func) for probe, name, func in table if probe in selected]

    def collect(self):
        facts = empty_facts()
        selected = set(self.selected_probes())
        facts["probes_run"] = [p for p in ALL_PROBES if p in selected]
        results = {}
        durations = {}

        def worker(name, func):
            began = time.time()
            try:
                results[name] = ("ok", func())
            except ProbeError as exc:
                results[name] = ("error", str(exc))
            except Exception as exc:  # a probe must never fail the module
                results[name] = ("error", "%s: %s" % (type(exc).__name__, exc))
            durations[name] = round(time.time() - began, 3)

        # Daemon threads rather than a ThreadPoolExecutor: the executor's workers are joined at
        # interpreter exit, so one probe stuck in an uninterruptible call (statvfs on a dead NFS
        # server, a DNS lookup) would hang the module forever. Daemon threads are abandoned instead.
        threads = []
        for name, func in self.tasks():
            thread = threading.Thread(target=worker, args=(name, func), name="probe-" + name)
            thread.daemon = True
            thread.start()
            threads.append((name, thread))
        hard_deadline = self.deadline + 1.0
        for name, thread in threads:
            thread.join(max(0.0, hard_deadline - time.time()))
        for name, _thread in threads:
            outcome = results.get(name)
            if outcome is None:
                self.error(name, "did not finish within %.1f s (probe_timeout)" % self.timeout)
                continue
            status, value = outcome
            if status == "ok":
                if value:
                    deep_merge(facts, value)
            else:
                self.error(name, value)
        finalize_reboot(facts["patches"])
        facts["probe_seconds"] = dict(sorted(durations.items()))
        with self._lock:
            facts["errors"] = sorted(self.errors, key=lambda e: (e["probe"], e["message"]))
        facts["collected_at"] = iso_utc(self.start)
        facts["duration_seconds"] = round(time.time() - self.start, 3)
        return facts

    # -- identity and lifecycle --

    def probe_identity(self):
        osr = self.os_release
        uname = os.uname()
        os_id = osr.get("ID", "").lower() or None
        identity = {
            "hostname": socket.gethostname() or None,
            "distribution": DISTRIBUTION_NAMES.get(os_id or "", osr.get("NAME")) if osr else None,
            "distribution_version": osr.get("VERSION_ID") or None,
            "distribution_codename": osr.get("VERSION_CODENAME") or osr.get("UBUNTU_CODENAME") or None,
            "distribution_point_release": None,
            "kernel": uname.release,
            "architecture": uname.machine,
        }
        if os_id == "debian":
            point = read_first_line("/etc/debian_version")
            if point and re.match(r"^\d+(\.\d+)*$", point):
                identity["distribution_point_release"] = point
        elif osr.get("VERSION_ID"):
            identity["distribution_point_release"] = osr.get("VERSION_ID")
        hardware = {
            "vendor": read_first_line("/sys/class/dmi/id/sys_vendor"),
            "model": read_first_line("/sys/class/dmi/id/product_name"),
            "serial": read_first_line("/sys/class/dmi/id/product_serial"),
            "bios_date": None,
        }
        bios = read_first_line("/sys/class/dmi/id/bios_date")
        if bios:
            match = re.match(r"^(\d\d)/(\d\d)/(\d{4})$", bios)
            hardware["bios_date"] = "%s-%s-%s" % (match.group(3), match.group(1), match.group(2)) if match else None
        identity["hardware"] = hardware
        try:
            uptime = float(read_text("/proc/uptime").split()[0])
            identity["uptime_seconds"] = int(uptime)
        except (OSError, ValueError, IndexError):
            uptime = None
        try:
            match = re.search(r"^btime (\d+)$", read_text("/proc/stat"), re.M)
            identity["boot_time"] = iso_utc(int(match.group(1))) if match else None
        except OSError:
            pass
        if identity.get("boot_time") is None and uptime is not None:
            identity["boot_time"] = iso_utc(time.time() - uptime)
        return {"identity": identity}

    def probe_fqdn(self):
        # getfqdn may wait on DNS; it runs in its own thread so it cannot delay the others.
        return {"identity": {"fqdn": socket.getfqdn() or None}}

    def probe_virtualization(self):
        # systemd, as PID 1 in a container, records the container manager here (this is also the first
        # thing systemd-detect-virt reads): no process needed.
        virt = read_first_line("/run/systemd/container")
        if virt:
            return {"identity": {"virtualization": virt, "container": True}}
        if which("systemd-detect-virt"):
            try:
                # One call: it names the container technology when there is one, else the hypervisor.
                _rc, out, _err = self.cmd(["systemd-detect-virt"], ok_rcs=(0, 1))
                virt = out.strip() or None
            except ProbeError:
                virt = None
        if virt is None:
            virt, container = detect_virtualization_from_files()
        else:
            container = virt in CONTAINER_TECHNOLOGIES
        return {"identity": {"virtualization": virt, "container": container}}

    def probe_lifecycle(self):
        osr = self.os_release
        if not osr:
            raise ProbeError("no /etc/os-release")
        return {"lifecycle": eol_lookup(osr.get("ID", ""), osr.get("VERSION_ID", ""))}

    # -- patches: the PatchProbes mixin (module_utils/tripod_patch_probes.py) --

    # -- capacity --

    def probe_capacity(self):
        result = {}
        try:
            memory, swap = memory_facts(parse_meminfo(read_text("/proc/meminfo")))
            result["memory"] = memory
            result["swap"] = swap
        except OSError as exc:
            self.error("capacity", "/proc/meminfo: %s" % exc)
        try:
            load1, load5, load15 = os.getloadavg()
            try:
                cores = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                cores = os.cpu_count()
            result["load"] = {
                "load1": round(load1, 2), "load5": round(load5, 2), "load15": round(load15, 2), "cores": cores,
                "per_core15": round(load15 / cores, 2) if cores else None,
            }
        except OSError as exc:
            self.error("capacity", "load average: %s" % exc)
        try:
            mounts = parse_mountinfo(read_text("/proc/self/mountinfo"))
        except OSError:
            mounts = []
            try:
                for line in read_text("/proc/mounts").splitlines():
                    fields = line.split()
                    if len(fields) >= 3:
                        mounts.append({"mount": unescape_mount(fields[1]), "device": fields[0],
                                       "fstype": fields[2], "devno": fields[1], "options": ""})
            except OSError as exc:
                raise ProbeError("cannot read the mount table: %s" % exc)
        filesystems = []
        for entry in select_filesystems(mounts):
            if not os.path.isdir(entry["mount"]):
                continue  # a file bind-mounted by a container runtime (/etc/hosts, ...)
            try:
                st = self.statvfs(entry)
            except ProbeError as exc:
                self.error("capacity", exc)
                continue
            except OSError as exc:
                self.error("capacity", "statvfs %s: %s" % (entry["mount"], exc.strerror or exc))
                continue
            if st.f_blocks == 0:
                continue  # empty pseudo filesystems that slipped through
            filesystems.append(statvfs_facts(entry, st))
        result["filesystems"] = filesystems
        return {"capacity": result}

    def statvfs(self, entry):
        """os.statvfs, in a daemon thread with a time bound for network filesystems (they can hang)."""
        if entry["fstype"] not in NETWORK_FS_TYPES and not entry["fstype"].startswith("fuse."):
            return os.statvfs(entry["mount"])
        box = {}

        def target():
            try:
                box["st"] = os.statvfs(entry["mount"])
            except OSError as exc:
                box["error"] = exc

        thread = threading.Thread(target=target, name="statvfs")
        thread.daemon = True
        thread.start()
        thread.join(min(5.0, self.remaining()))
        if "st" in box:
            return box["st"]
        if "error" in box:
            raise box["error"]
        raise ProbeError("statvfs %s (%s) did not answer; skipped" % (entry["mount"], entry["fstype"]))

    # -- services --

    def probe_failed_units(self):
        if not self.systemd:
            raise ProbeError("systemd is not running (no /run/systemd/system)")
        _rc, out, _err = self.cmd(["systemctl", "list-units", "--state=failed", "--plain", "--no-legend", "--no-pager"])
        return {"services": {"failed": parse_failed_units(out)}}

    def probe_watched(self):
        names = list(self.params.get("services") or [])
        if not names:
            return {}
        units = self.unit_states()
        return {"services": {"watched": dict((name, unit_facts(units.get(name, {}))) for name in names)}}

    # -- time --

    def probe_time(self):
        result = {"synchronized": None, "source": None, "service": None}
        try:
            result["synchronized"] = kernel_clock_synchronized()
        except (OSError, AttributeError, TypeError, ValueError):
            result["synchronized"] = None
        service = None
        if self.systemd:
            try:
                for unit, label in TIME_SERVICES:
                    if self.unit_active(unit):
                        service = label
                        break
            except ProbeError as exc:
                self.error("time", exc)
        if service is None:
            service = running_process_label(TIME_PROCESSES)
        result["service"] = service
        if result["synchronized"] is None and which("timedatectl") and self.systemd:
            try:
                _rc, out, _err = self.cmd(["timedatectl", "show", "--property=NTPSynchronized", "--value"])
                result["synchronized"] = out.strip() == "yes"
            except ProbeError as exc:
                self.error("time", exc)
        try:
            if service == "chrony" and which("chronyc"):
                _rc, out, _err = self.cmd(["chronyc", "-n", "-c", "tracking"])
                fields = out.strip().split(",")
                if len(fields) > 1 and fields[1] not in ("", "127.127.1.1"):
                    result["source"] = fields[1]
            elif service == "systemd-timesyncd" and which("timedatectl"):
                _rc, out, _err = self.cmd(["timedatectl", "show-timesync", "--property=ServerName", "--value"])
                result["source"] = out.strip() or None
            elif service == "ntpd" and which("ntpq"):
                _rc, out, _err = self.cmd(["ntpq", "-pn"])
                for line in out.splitlines():
                    if line.startswith("*"):
                        result["source"] = line[1:].split()[0]
                        break
        except ProbeError as exc:
            self.error("time", exc)
        return {"time": result}

    # -- security --

    def probe_ssh(self):
        sshd = which("sshd")
        if not sshd:
            return {"security": {"ssh": {"installed": False, "settings": {}}}}
        _rc, out, _err = self.cmd([sshd, "-T"])
        return {"security": {"ssh": {"installed": True, "settings": parse_sshd_t(out)}}}

    def probe_accounts(self):
        try:
            passwd = read_text("/etc/passwd")
        except OSError as exc:
            raise ProbeError("/etc/passwd: %s" % exc.strerror)
        result = {"uid0": parse_passwd_uid0(passwd), "empty_password": parse_empty_passwords("", passwd)}
        try:
            result["empty_password"] = parse_empty_passwords(read_text("/etc/shadow"), passwd)
        except OSError as exc:
            self.error("security.accounts", "/etc/shadow: %s (run with become)" % exc.strerror)
        return {"security": {"accounts": result}}

    def probe_sudo(self):
        if not os.path.exists("/etc/sudoers"):
            return {"security": {"sudo": {"nopasswd": []}}}
        entries, unreadable = sudoers_nopasswd("/etc/sudoers")
        for problem in unreadable:
            self.error("security.sudo", problem)
        return {"security": {"sudo": {"nopasswd": entries}}}

    def probe_firewall(self):
        units_known = True
        try:
            if self.systemd and self.unit_active("firewalld.service"):
                return {"security": {"firewall": {"active": True, "backend": "firewalld"}}}
        except ProbeError:
            units_known = False
        try:
            ufw_conf = read_text("/etc/ufw/ufw.conf")
        except OSError:
            ufw_conf = ""
        if which("ufw") and re.search(r"^\s*ENABLED\s*=\s*yes\s*$", ufw_conf, re.M):
            active = True
            if self.systemd and units_known:
                active = self.unit_active("ufw.service")
            if active:
                return {"security": {"firewall": {"active": True, "backend": "ufw"}}}
        if which("nft"):
            _rc, out, _err = self.cmd(["nft", "list", "ruleset"])
            if nft_input_filtering(out):
                return {"security": {"firewall": {"active": True, "backend": "nftables"}}}
        elif which("iptables"):
            _rc, out, _err = self.cmd(["iptables", "-S", "INPUT"])
            if iptables_input_filtering(out):
                return {"security": {"firewall": {"active": True, "backend": "iptables"}}}
        return {"security": {"firewall": {"active": False, "backend": "none"}}}

    def probe_auto_updates(self):
        if self.manager == "apt":
            installed = which("unattended-upgrade") is not None or os.path.exists("/usr/bin/unattended-upgrade")
            if not installed:
                return {"security": {"auto_updates": {"configured": False, "mechanism": None}}}
            _rc, out, _err = self.cmd(["apt-config", "shell", "UU", "APT::Periodic::Unattended-Upgrade"])
            match = re.search(r"^UU='([^']*)'", out, re.M)
            value = match.group(1).strip() if match else ""
            configured = value not in ("", "0")
            if configured and self.systemd:
                try:
                    units = self.unit_states()
                    if units.get("apt-daily-upgrade.timer", {}).get("LoadState") == "loaded":
                        configured = self.unit_enabled("apt-daily-upgrade.timer")
                except ProbeError as exc:
                    self.error("security.auto_updates", exc)
            return {"security": {"auto_updates": {"configured": configured, "mechanism": "unattended-upgrades"}}}
        if self.manager == "dnf":
            if not which("dnf-automatic") and not os.path.exists("/usr/lib/systemd/system/dnf-automatic.timer"):
                return {"security": {"auto_updates": {"configured": False, "mechanism": None}}}
            configured = False
            if self.systemd:
                if self.unit_enabled("dnf-automatic-install.timer"):
                    configured = True
                elif self.unit_enabled("dnf-automatic.timer"):
                    try:
                        conf = read_text("/etc/dnf/automatic.conf")
                    except OSError:
                        conf = ""
                    configured = re.search(r"^\s*apply_updates\s*=\s*(yes|true|1)\s*$", conf, re.M | re.I) is not None
            return {"security": {"auto_updates": {"configured": configured, "mechanism": "dnf-automatic"}}}
        return {"security": {"auto_updates": {"configured": False, "mechanism": None}}}

    def probe_auditd(self):
        installed = any(os.path.exists(p) for p in ("/sbin/auditd", "/usr/sbin/auditd"))
        running = False
        if installed:
            if self.systemd:
                running = self.unit_active("auditd.service")
            else:
                running = running_process_label((("auditd", "auditd"),)) is not None
        return {"security": {"auditd": {"installed": installed, "running": running}}}

    def probe_world_writable(self):
        paths = list(self.params.get("world_writable_paths") or [])
        limit = int(self.params.get("world_writable_limit") or 100)
        bound = min(float(self.params.get("world_writable_timeout") or 5), self.remaining())
        files, truncated = find_world_writable(paths, limit, time.time() + bound)
        return {"security": {"world_writable": {"paths": paths, "files": files, "truncated": truncated}}}

    # -- certificates: the CertificateProbes mixin (module_utils/tripod_certificate_probes.py); backups --

    def probe_hardening(self):
        """Inputs of the hardening controls, read by a separate module_utils (see its docstring)."""
        return {"hardening": tripod_hardening_probe.collect(run=lambda args: self.cmd(args, ok_rcs=None),
                                                            error=self.error)}

    def probe_backups(self):
        now = time.time()
        backups = []
        for marker in self.params.get("backup_markers") or []:
            if any(c in marker for c in "*?["):
                matches = glob.glob(marker)
            else:
                matches = [marker] if os.path.lexists(marker) else []
            newest = None
            for path in matches:
                try:
                    mtime = os.stat(path).st_mtime
                except OSError:
                    continue
                if newest is None or mtime > newest:
                    newest = mtime
            backups.append({
                "path": marker,
                "exists": newest is not None,
                "modified": iso_utc(newest),
                "age_hours": round((now - newest) / 3600.0, 2) if newest is not None else None,
            })
        return {"backups": backups}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            services=dict(type="list", elements="str", default=[]),
            certificate_paths=dict(type="list", elements="path", default=[]),
            backup_markers=dict(type="list", elements="str", default=[]),
            world_writable_paths=dict(type="list", elements="path",
                                      default=["/etc", "/usr/local/bin", "/usr/local/sbin"]),
            world_writable_limit=dict(type="int", default=100),
            world_writable_timeout=dict(type="float", default=5),
            probe_timeout=dict(type="float", default=20),
            probes=dict(type="list", elements="str", choices=ALL_PROBES, default=list(ALL_PROBES)),
        ),
        supports_check_mode=True,
    )
    if module.params["probe_timeout"] <= 0:
        module.fail_json(msg="probe_timeout must be greater than 0")
    if module.params["world_writable_limit"] < 1:
        module.fail_json(msg="world_writable_limit must be at least 1")
    facts = Collector(module.params).collect()
    module.exit_json(changed=False, ansible_facts={"tripod_compliance": facts})


if __name__ == "__main__":
    main()
