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
  - Tripod maintainers
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

import base64
import binascii
import calendar
import ctypes
import datetime
import glob
import gzip
import os
import re
import shutil
import socket
import stat
import subprocess
import threading
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_eol import lookup as eol_lookup
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_versions import (  # noqa: F401 - re-exported
    compare_versions,
    kernel_flavour,
    newest_kernel,
)
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_hardening_probe
from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_package_lists
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_text import clip

SCHEMA_VERSION = 1

ALL_PROBES = [
    "identity", "lifecycle", "patches", "capacity", "services", "time", "ssh", "accounts",
    "sudo", "firewall", "auto_updates", "auditd", "world_writable", "certificates", "backups",
    "hardening",
]

EXTRA_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

# Units whose state some probes need; read in the same `systemctl show` call as the watched units.
INTERNAL_UNITS = (
    "auditd.service", "firewalld.service", "ufw.service", "nftables.service",
    "chrony.service", "chronyd.service", "systemd-timesyncd.service", "ntp.service",
    "ntpd.service", "ntpsec.service", "openntpd.service",
    "apt-daily-upgrade.timer", "dnf-automatic.timer", "dnf-automatic-install.timer",
)

# Filesystem types that never hold data worth a capacity check.
VIRTUAL_FS_TYPES = frozenset([
    "proc", "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs", "mqueue", "debugfs", "tracefs",
    "securityfs", "pstore", "bpf", "configfs", "fusectl", "hugetlbfs", "autofs", "binfmt_misc",
    "efivarfs", "rpc_pipefs", "nsfs", "ramfs", "selinuxfs", "nfsd", "fuse.lxcfs", "fuse.gvfsd-fuse",
    "fuse.portal", "fuse.snapfuse", "squashfs", "iso9660", "udf", "erofs", "cramfs", "overlayfs-ro",
])
# Read-only images (squashfs, iso9660, ...) are listed above because they are always 100 % full.
NETWORK_FS_TYPES = frozenset([
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "glusterfs", "fuse.glusterfs", "ceph",
    "fuse.ceph", "9p", "afs", "lustre", "fuse.s3fs", "davfs", "fuse.rclone",
])
# tmpfs is reported (/tmp, /run, /dev/shm, /mnt/x, ...) except where the system keeps small
# runtime state that is not "capacity": /dev itself, per-user and per-service runtime dirs.
TMPFS_KEEP = ("/dev/shm",)
TMPFS_SKIP_PREFIXES = (
    "/dev", "/sys", "/proc", "/run/user", "/run/credentials", "/run/lock", "/run/systemd",
    "/run/netns", "/run/containers", "/run/docker", "/run/snapd",
)
# Mounts inside container runtimes' storage (the host's view of container root filesystems).
CONTAINER_STORAGE_PREFIXES = (
    "/var/lib/docker/", "/var/lib/containers/", "/var/lib/containerd/", "/run/containerd/",
    "/var/lib/kubelet/pods/", "/var/lib/lxc/", "/var/snap/",
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

CERT_SUFFIXES = (".pem", ".crt", ".cer", ".cert", ".der")
CERT_MAX_FILES = 1000
CERT_MAX_BYTES = 1024 * 1024


class ProbeError(Exception):
    """A probe could not do its work; the message becomes an `errors` entry."""


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def iso_utc(epoch):
    """Epoch seconds -> '2026-11-27T23:05:00Z' (None stays None)."""
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_text(path, limit=None):
    with open(path, "rb") as handle:
        data = handle.read() if limit is None else handle.read(limit)
    return data.decode("utf-8", "replace")


def read_first_line(path):
    """First line of a small file, stripped, or None when it cannot be read or is empty."""
    try:
        value = read_text(path, 4096).splitlines()
    except OSError:
        return None
    if not value:
        return None
    value = value[0].strip()
    return value or None


def percent(part, whole):
    if not whole:
        return None
    return round(100.0 * part / whole, 1)


def search_path():
    parts = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    for extra in EXTRA_PATH:
        if extra not in parts:
            parts.append(extra)
    return os.pathsep.join(parts)


_PATH = search_path()


def which(name):
    return shutil.which(name, path=_PATH)


def command_env():
    env = dict(os.environ)
    env.update({"LC_ALL": "C", "LANG": "C", "LANGUAGE": "C", "PATH": _PATH, "SYSTEMD_PAGER": "", "PAGER": "cat"})
    env.pop("LC_MESSAGES", None)
    return env


_ENV = command_env()


def run_cmd(args, timeout, ok_rcs=(0,)):
    """Run a command with a hard time bound; return (rc, stdout, stderr).

    AnsibleModule.run_command has no timeout, and these commands run in worker threads, so the
    standard library's subprocess.run is used: on timeout it kills the child and returns at once.
    Raises ProbeError when the command is missing, times out, or exits with an rc not in ok_rcs
    (ok_rcs=None accepts any rc).
    """
    exe = args[0] if os.path.isabs(args[0]) else which(args[0])
    if exe is None:
        raise ProbeError("%s: command not found" % args[0])
    timeout = max(0.5, float(timeout))
    try:
        proc = subprocess.run(
            [exe] + list(args[1:]), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=_ENV, timeout=timeout, close_fds=True, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ProbeError("%s timed out after %.1f s" % (" ".join(args), timeout))
    except OSError as exc:
        raise ProbeError("%s: %s" % (args[0], exc))
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if ok_rcs is not None and proc.returncode not in ok_rcs:
        detail = (err.strip() or out.strip()).splitlines()
        raise ProbeError("%s exited %s%s" % (" ".join(args), proc.returncode, (": " + detail[-1][:300]) if detail else ""))
    return proc.returncode, out, err


# --------------------------------------------------------------------------------------------
# Parsers (pure functions, unit tested on recorded output)
# --------------------------------------------------------------------------------------------

def parse_os_release(text):
    """/etc/os-release text -> dict of KEY: value (quotes and escapes removed)."""
    result = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
            value = re.sub(r"\\([\\$\"'`])", r"\1", value)
        result[key.strip()] = value
    return result


def parse_meminfo(text):
    """/proc/meminfo -> {'MemTotal': bytes, ...}."""
    result = {}
    for line in text.splitlines():
        match = re.match(r"^([\w()]+):\s+(\d+)(?:\s+(kB))?", line)
        if match:
            value = int(match.group(2))
            result[match.group(1)] = value * 1024 if match.group(3) else value
    return result


def memory_facts(meminfo):
    total = meminfo.get("MemTotal")
    available = meminfo.get("MemAvailable")
    if available is None and total is not None:
        available = meminfo.get("MemFree", 0) + meminfo.get("Buffers", 0) + meminfo.get("Cached", 0)
    memory = {
        "total_bytes": total,
        "available_bytes": available,
        "used_percent": percent(total - available, total) if total and available is not None else None,
    }
    swap_total = meminfo.get("SwapTotal")
    swap_free = meminfo.get("SwapFree")
    if swap_total:
        swap_used = percent(swap_total - (swap_free or 0), swap_total)
    else:
        swap_used = 0.0 if swap_total == 0 else None
    swap = {"total_bytes": swap_total, "free_bytes": swap_free, "used_percent": swap_used}
    return memory, swap


def parse_dpkg_status(text):
    """/var/lib/dpkg/status -> list of installed packages {name, arch, version, held}."""
    packages = []
    fields = {}
    for line in text.splitlines() + [""]:
        if not line.strip():
            status = fields.get("Status", "").split()
            if fields.get("Package") and len(status) == 3 and status[2] == "installed":
                packages.append({
                    "name": fields["Package"],
                    "arch": fields.get("Architecture", ""),
                    "version": fields.get("Version"),
                    "held": status[0] == "hold",
                })
            fields = {}
            continue
        if line[0] in " \t":
            continue
        key, sep, value = line.partition(":")
        if sep and key in ("Package", "Status", "Architecture", "Version"):
            fields[key] = value.strip()
    return packages


def native_architecture(packages):
    """dpkg's own architecture is the native one."""
    for package in packages:
        if package["name"] == "dpkg":
            return package["arch"]
    return None


def apt_names(packages, native):
    """Names for apt-cache: 'pkg' for native and arch-all packages, 'pkg:arch' for foreign ones."""
    names = []
    for package in packages:
        if package["arch"] in ("", "all", native) or native is None:
            names.append(package["name"])
        else:
            names.append("%s:%s" % (package["name"], package["arch"]))
    return names


_POLICY_VERSION = re.compile(r"^ (\*\*\*| {3}) (\S+) (-?\d+)")
_POLICY_SOURCE = re.compile(r"^\s{6,}(-?\d+) (\S+)(?: (\S+))?")


def parse_apt_policy(text):
    """`apt-cache policy PKG...` -> {pkg: {installed, candidate, sources}}.

    ``sources`` are the ``suite/component`` entries (for example ``bookworm-security/main``)
    that offer the candidate version.
    """
    result = {}
    current = None
    version = None
    for line in text.splitlines():
        if not line:
            continue
        if line[0] not in " \t" and line.endswith(":"):
            current = {"installed": None, "candidate": None, "sources": []}
            result[line[:-1]] = current
            version = None
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("Installed: "):
            value = stripped[len("Installed: "):].strip()
            current["installed"] = None if value == "(none)" else value
            continue
        if stripped.startswith("Candidate: "):
            value = stripped[len("Candidate: "):].strip()
            current["candidate"] = None if value == "(none)" else value
            continue
        match = _POLICY_VERSION.match(line)
        if match:
            version = match.group(2)
            continue
        match = _POLICY_SOURCE.match(line)
        if match and version is not None and version == current["candidate"]:
            where = match.group(3)
            if where and match.group(2) != "/var/lib/dpkg/status" and where not in current["sources"]:
                current["sources"].append(where)
    return result


def is_security_suite(suites):
    """True when one of the apt suites (``bookworm-security/main``, ``jammy-security/universe``) is a security one."""
    for suite in suites:
        archive = suite.rsplit("/", 1)[0] if "/" in suite else suite  # drop the component
        if archive.endswith("-security") or archive.endswith("/updates"):  # buster/updates: Debian 10
            return True
    return False


def apt_pending(policy, held=()):
    """Installed packages whose candidate differs from the installed version."""
    held = set(held)
    pending = []
    for name in sorted(policy):
        entry = policy[name]
        if not entry["installed"] or not entry["candidate"] or entry["candidate"] == entry["installed"]:
            continue
        if compare_versions(entry["candidate"], entry["installed"]) <= 0:
            continue  # a pin keeps a newer installed version; nothing to install
        pending.append({
            "name": name,
            "installed": entry["installed"],
            "candidate": entry["candidate"],
            "origin": ", ".join(entry["sources"]) or None,
            "security": is_security_suite(entry["sources"]),
            "held": name.split(":", 1)[0] in held or name in held,
            "kb": None,
            "severity": None,
        })
    return pending


def parse_dpkg_holds(text):
    """/var/lib/dpkg/status -> sorted names of installed packages selected for hold."""
    return sorted(set(p["name"] for p in parse_dpkg_status(text) if p["held"]))


def _local_to_epoch(text, fmt):
    return time.mktime(time.strptime(text, fmt))


def parse_apt_history(text):
    """Epoch of the End-Date of the newest successful apt run that upgraded packages, or None.

    An entry counts when it has an ``Upgrade:`` line, an ``End-Date:`` and no ``Error:``.
    Dates in history.log are local time.
    """
    newest = None
    for block in re.split(r"\n\s*\n", text):
        if "\nUpgrade: " not in "\n" + block:
            continue
        if "\nError: " in "\n" + block:
            continue
        match = re.search(r"^End-Date:\s+(\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d)", block, re.M)
        if not match:
            continue
        try:
            epoch = _local_to_epoch("%s %s" % (match.group(1), match.group(2)), "%Y-%m-%d %H:%M:%S")
        except (ValueError, OverflowError):
            continue
        if newest is None or epoch > newest:
            newest = epoch
    return newest


def parse_dpkg_log(text):
    """Epoch of the newest ``upgrade`` line of /var/log/dpkg.log that changed a version, or None.

    ``upgrade PKG OLD NEW``: a line whose NEW equals OLD is a re-unpack of the same version
    (image builds and reinstalls write them), not a patch. Times are local time.
    """
    newest = None
    for line in text.splitlines():
        match = re.match(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) upgrade \S+ (\S+) (\S+)\s*$", line)
        if match and match.group(2) != match.group(3) and match.group(2) != "<none>":
            try:
                epoch = _local_to_epoch(match.group(1), "%Y-%m-%d %H:%M:%S")
            except (ValueError, OverflowError):
                continue
            if newest is None or epoch > newest:
                newest = epoch
    return newest


def parse_dnf_rpm_log(text):
    """Epoch of the newest ``Upgrade``/``Upgraded`` line of /var/log/dnf.rpm.log, or None."""
    newest = None
    for line in text.splitlines():
        match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(Z|[+-]\d\d:?\d\d)?\s+\S+\s+Upgraded?:", line)
        if not match:
            continue
        zone = match.group(2) or "Z"
        if zone == "Z":
            zone = "+0000"
        zone = zone.replace(":", "")
        try:
            stamp = datetime.datetime.strptime(match.group(1) + zone, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            continue
        epoch = stamp.timestamp()
        if newest is None or epoch > newest:
            newest = epoch
    return newest


def parse_needrestart(text):
    """`needrestart -b` -> (kernel_status, microcode_status, services, expected_kernel)."""
    kernel_status = microcode_status = None
    services = []
    expected = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "NEEDRESTART-KSTA":
            kernel_status = int(value) if value.isdigit() else None
        elif key == "NEEDRESTART-UCSTA":
            microcode_status = int(value) if value.isdigit() else None
        elif key == "NEEDRESTART-KEXP":
            expected = value or None
        elif key == "NEEDRESTART-SVC" and value:
            services.append(value)
    return kernel_status, microcode_status, sorted(set(services)), expected


_NEVRA = re.compile(r"^(?P<name>.+)-(?:(?P<epoch>\d+):)?(?P<version>[^-:]+)-(?P<release>[^-]+)\.(?P<arch>[^.]+)$")


def parse_dnf_updateinfo(text):
    """`dnf -q updateinfo list --security` -> {name.arch: advisory severity or None}."""
    result = {}
    for line in text.splitlines():
        tokens = line.split()
        if len(tokens) < 2:
            continue
        for token in reversed(tokens):
            match = _NEVRA.match(token)
            if match:
                severity = None
                for other in tokens:
                    if "/" in other and other.endswith("Sec."):
                        severity = other.split("/", 1)[0]
                    elif other in ("Critical", "Important", "Moderate", "Low"):
                        severity = other
                result["%s.%s" % (match.group("name"), match.group("arch"))] = severity
                break
    return result


def parse_dnf_check_update(text):
    """`dnf -q check-update` -> list of (name.arch, version, repo); stops at 'Obsoleting Packages'."""
    rows = []
    pending_tokens = []
    for line in text.splitlines():
        if line.strip().startswith("Obsoleting") or line.strip().startswith("Security:"):
            if line.strip().startswith("Obsoleting"):
                break
            continue
        tokens = pending_tokens + line.split()
        if not tokens:
            pending_tokens = []
            continue
        if len(tokens) < 3:
            pending_tokens = tokens  # long names wrap onto the next line
            continue
        pending_tokens = []
        if "." not in tokens[0]:
            continue
        rows.append((tokens[0], tokens[1], tokens[2]))
    return rows


def parse_sshd_t(text):
    """`sshd -T` -> {key: value}; keys lower case, repeated keys joined with a space."""
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        key = key.lower()
        value = value.strip()
        if key in settings:
            settings[key] = settings[key] + " " + value
        else:
            settings[key] = value
    return settings


def parse_passwd_uid0(text):
    names = []
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[2].strip() == "0" and fields[0] != "root":
            names.append(fields[0])
    return names


def parse_empty_passwords(shadow_text, passwd_text=""):
    """Accounts whose password field is empty (login without a password)."""
    names = []
    for text in (shadow_text, passwd_text):
        for line in text.splitlines():
            fields = line.split(":")
            if len(fields) >= 2 and fields[0] and not fields[0].startswith(("+", "-", "#")) and fields[1] == "":
                names.append(fields[0])
    return sorted(set(names))


_SUDO_INCLUDE = re.compile(r"^[#@](include|includedir)\s+(.+)$")
_SUDO_NOPASSWD = re.compile(r"(\bNOPASSWD\s*:|!\s*authenticate\b)")


def sudoers_logical_lines(text):
    """Join backslash continuations; drop comments (keeping #include and #uid user specs)."""
    lines = []
    buffer = ""
    for raw in text.splitlines():
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        line = (buffer + stripped).strip()
        buffer = ""
        if not line:
            continue
        if line.startswith("#") and not _SUDO_INCLUDE.match(line) and not re.match(r"^#\d", line):
            continue
        lines.append(" ".join(line.split()))
    if buffer.strip():
        lines.append(" ".join(buffer.split()))
    return lines


def parse_sudoers(text, path):
    """-> (nopasswd entries [{file, line}], include directives [(kind, target)])."""
    entries = []
    includes = []
    for line in sudoers_logical_lines(text):
        match = _SUDO_INCLUDE.match(line)
        if match:
            includes.append((match.group(1), match.group(2).strip().strip('"')))
            continue
        code = re.sub(r"\s#[^\d].*$", "", line)
        if _SUDO_NOPASSWD.search(code):
            entries.append({"file": path, "line": line})
    return entries, includes


def sudoers_nopasswd(root_file="/etc/sudoers", read=read_text, listdir=os.listdir, max_depth=8):
    """Follow sudoers includes like sudo does; -> (entries, unreadable paths)."""
    entries = []
    unreadable = []
    seen = set()

    def visit(path, depth):
        if path in seen or depth > max_depth:
            return
        seen.add(path)
        try:
            text = read(path)
        except OSError as exc:
            unreadable.append("%s: %s" % (path, exc.strerror or exc))
            return
        found, includes = parse_sudoers(text, path)
        entries.extend(found)
        base = os.path.dirname(path)
        for kind, target in includes:
            target = target.replace("%h", "")
            if not os.path.isabs(target):
                target = os.path.join(base, target)
            if kind == "include":
                visit(target, depth + 1)
                continue
            try:
                names = sorted(listdir(target))
            except OSError:
                continue
            for name in names:
                # sudo skips files ending in '~' or containing a '.'
                if name.endswith("~") or "." in name:
                    continue
                visit(os.path.join(target, name), depth + 1)

    visit(root_file, 0)
    return entries, unreadable


def nft_input_filtering(ruleset):
    """True when an nftables base chain hooked on input drops by policy or has at least one rule."""
    in_chain = False
    hooked = False
    rules = 0
    for raw in ruleset.splitlines():
        line = raw.strip()
        if line.startswith("chain "):
            in_chain, hooked, rules = True, False, 0
            continue
        if not in_chain:
            continue
        if line.startswith("type ") and " hook input " in (" " + line.replace(";", " ") + " "):
            hooked = True
            if re.search(r"policy\s+drop", line):
                return True
            continue
        if line == "}":
            if hooked and rules:
                return True
            in_chain = False
            continue
        if line and not line.startswith("#") and hooked:
            rules += 1
    return False


def iptables_input_filtering(text):
    """`iptables -S INPUT` -> True when INPUT drops by policy or has rules."""
    for line in text.splitlines():
        if re.match(r"^-P INPUT (DROP|REJECT)", line) or line.startswith("-A INPUT"):
            return True
    return False


def parse_systemctl_show(text, names):
    """`systemctl show -p ... unit...` -> {name: {prop: value}} (blocks come in argument order)."""
    blocks = []
    current = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, _, value = line.partition("=")
        current[key] = value
    if current:
        blocks.append(current)
    result = {}
    for name, block in zip(names, blocks):
        result[name] = block
    return result


def parse_failed_units(text):
    failed = []
    for line in text.splitlines():
        tokens = line.replace("\u25cf", " ").split()
        if tokens:
            failed.append(tokens[0])
    return failed


ENABLED_STATES = frozenset(["enabled", "enabled-runtime", "alias", "static", "indirect", "generated"])
DISABLED_STATES = frozenset(["disabled", "masked", "masked-runtime", "linked", "linked-runtime", "bad"])


def unit_facts(props):
    load = props.get("LoadState", "")
    active_state = props.get("ActiveState") or None
    file_state = props.get("UnitFileState") or None
    if file_state in ENABLED_STATES:
        enabled = True
    elif file_state in DISABLED_STATES:
        enabled = False
    else:
        enabled = None
    return {
        "active": active_state == "active",
        "enabled": enabled,
        "state": active_state,
        "unit_file_state": file_state,
        "found": load not in ("not-found", ""),
    }


def parse_mountinfo(text):
    """/proc/self/mountinfo -> list of {mount, device, fstype, devno, options}."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        lfields = left.split()
        rfields = right.split()
        if len(lfields) < 5 or len(rfields) < 2:
            continue
        mounts.append({
            "mount": _unescape_mount(lfields[4]),
            "devno": lfields[2],
            "options": lfields[5] if len(lfields) > 5 else "",
            "fstype": rfields[0],
            "device": _unescape_mount(rfields[1]),
        })
    return mounts


def _unescape_mount(value):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), value)


def _under(path, prefixes):
    for prefix in prefixes:
        if prefix.endswith("/"):
            if path.startswith(prefix):
                return True
        elif path == prefix or path.startswith(prefix + "/"):
            return True
    return False


def select_filesystems(mounts):
    """Apply the capacity rule: real filesystems once each (see docs/schema.md)."""
    chosen = []
    seen_devno = set()
    visible = {}
    for index, entry in enumerate(mounts):
        visible[entry["mount"]] = index  # a later mount on the same point hides the earlier one
    for index, entry in enumerate(mounts):
        if visible[entry["mount"]] != index:
            continue
        fstype = entry["fstype"]
        mount = entry["mount"]
        if fstype in VIRTUAL_FS_TYPES:
            continue
        if fstype == "tmpfs" and _under(mount, TMPFS_SKIP_PREFIXES) and not _under(mount, TMPFS_KEEP):
            continue
        if _under(mount, CONTAINER_STORAGE_PREFIXES) or _under(mount, ("/proc", "/sys")):
            continue
        if entry["devno"] in seen_devno and fstype not in NETWORK_FS_TYPES:
            continue  # bind mounts and subvolumes of a filesystem already listed
        seen_devno.add(entry["devno"])
        chosen.append(entry)
    return chosen


def statvfs_facts(entry, st):
    size = st.f_blocks * st.f_frsize
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    free = st.f_bavail * st.f_frsize
    inodes_total = st.f_files or None
    inodes_used = (st.f_files - st.f_ffree) if st.f_files else None
    return {
        "mount": entry["mount"],
        "device": entry["device"],
        "fstype": entry["fstype"],
        "size_bytes": size,
        "used_bytes": used,
        "free_bytes": free,
        # as df: used / (used + available to unprivileged users)
        "used_percent": percent(used, used + free) if (used + free) else 0.0,
        "inodes_total": inodes_total,
        "inodes_used": inodes_used,
        "inodes_percent": percent(inodes_used, inodes_total) if inodes_total else None,
    }


# ---- X.509 (just enough DER to read the subject and notAfter) ----

_OID_NAMES = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
    "2.5.4.5": "serialNumber", "2.5.4.9": "street", "2.5.4.17": "postalCode", "2.5.4.4": "SN",
    "2.5.4.42": "GN", "2.5.4.12": "title", "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
}

_PEM_CERT = re.compile(
    rb"-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----\s*(.+?)\s*-----END (?:TRUSTED |X509 )?CERTIFICATE-----", re.S
)


def _der_element(data, pos):
    """-> (tag, content_start, content_end)."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, pos, end


def _der_children(data, start, end):
    children = []
    pos = start
    while pos < end:
        tag, cstart, cend = _der_element(data, pos)
        children.append((tag, cstart, cend))
        pos = cend
    return children


def _der_oid(raw):
    if not raw:
        raise ValueError("empty OID")
    first = raw[0]
    parts = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(str(value))
            value = 0
    return ".".join(parts)


def _der_string(tag, raw):
    if tag == 0x1E:
        return raw.decode("utf-16-be", "replace")
    if tag == 0x1C:
        return raw.decode("utf-32-be", "replace")
    if tag == 0x14:
        return raw.decode("latin-1")
    return raw.decode("utf-8", "replace")


def _der_time(tag, raw):
    text = raw.decode("ascii")
    if not text.endswith("Z"):
        raise ValueError("time is not UTC: %s" % text)
    text = text[:-1]
    if tag == 0x17:  # UTCTime YYMMDDHHMM[SS]
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    elif tag != 0x18:
        raise ValueError("not a time")
    fmt = "%Y%m%d%H%M%S" if len(text) >= 14 else "%Y%m%d%H%M"
    stamp = datetime.datetime.strptime(text[:14] if len(text) >= 14 else text, fmt)
    return calendar.timegm(stamp.timetuple())


def _der_name(data, start, end):
    parts = []
    for set_tag, sstart, send in _der_children(data, start, end):
        if set_tag != 0x31:
            continue
        for seq_tag, qstart, qend in _der_children(data, sstart, send):
            if seq_tag != 0x30:
                continue
            items = _der_children(data, qstart, qend)
            if len(items) != 2 or items[0][0] != 0x06:
                continue
            oid = _der_oid(data[items[0][1]:items[0][2]])
            value = _der_string(items[1][0], data[items[1][1]:items[1][2]])
            parts.append("%s=%s" % (_OID_NAMES.get(oid, oid), value))
    return ", ".join(parts)


def parse_der_certificate(der):
    """DER X.509 -> {'subject': 'C=.., O=.., CN=..', 'not_before': epoch, 'not_after': epoch}."""
    tag, start, end = _der_element(der, 0)
    if tag != 0x30:
        raise ValueError("not a certificate")
    tbs_tag, tstart, tend = _der_children(der, start, end)[0]
    if tbs_tag != 0x30:
        raise ValueError("not a certificate")
    fields = _der_children(der, tstart, tend)
    if fields and fields[0][0] == 0xA0:  # [0] EXPLICIT version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject
    if len(fields) < 5 or fields[3][0] != 0x30:
        raise ValueError("unexpected TBSCertificate layout")
    validity = _der_children(der, fields[3][1], fields[3][2])
    if len(validity) != 2:
        raise ValueError("bad validity")
    not_before = _der_time(validity[0][0], der[validity[0][1]:validity[0][2]])
    not_after = _der_time(validity[1][0], der[validity[1][1]:validity[1][2]])
    subject = _der_name(der, fields[4][1], fields[4][2])
    return {"subject": subject, "not_before": not_before, "not_after": not_after}


def first_certificate_der(content, path=""):
    """Bytes of a file -> DER of its first certificate, or None when it holds none."""
    match = _PEM_CERT.search(content)
    if match:
        try:
            return base64.b64decode(b"".join(match.group(1).split()), validate=False)
        except (binascii.Error, ValueError):
            return None
    if content[:1] == b"\x30" and path.lower().endswith((".der", ".cer", ".crt")):
        return content
    return None


def parse_openssl_x509(text):
    """`openssl x509 -noout -enddate -subject` -> {'subject', 'not_after'} (epoch)."""
    result = {"subject": None, "not_after": None}
    for line in text.splitlines():
        if line.startswith("notAfter="):
            value = line.split("=", 1)[1].strip()
            stamp = datetime.datetime.strptime(value.replace(" GMT", ""), "%b %d %H:%M:%S %Y")
            result["not_after"] = calendar.timegm(stamp.timetuple())
        elif line.startswith("subject="):
            value = line.split("=", 1)[1].strip()
            # OpenSSL 3 prints "C = US, O = X"; 1.1 prints "/C=US/O=X"
            if value.startswith("/"):
                value = ", ".join(p for p in value.split("/") if p)
            result["subject"] = re.sub(r"\s*=\s*", "=", value)
    return result


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


class _Timex(ctypes.Structure):
    # The start of struct timex (linux/timex.h); the tail is padding big enough for every ABI.
    _fields_ = [
        ("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
        ("_rest", ctypes.c_byte * 256),
    ]


def kernel_clock_synchronized():
    """The kernel's NTP state via adjtimex(2) (read-only, modes=0), as systemd's ntp_synced() reads it.

    Synchronized when the maximum error is below 16 s; None when adjtimex is unavailable.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    func = getattr(libc, "adjtimex", None)
    if func is None:
        return None
    timex = _Timex()
    if func(ctypes.byref(timex)) < 0:
        return None
    return timex.maxerror < 16000000


class Collector:
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

    # -- patches --

    def dpkg_packages(self):
        """Installed packages from /var/lib/dpkg/status (read once, shared by the patch probes)."""
        with self._dpkg_lock:
            if self._dpkg is None:
                try:
                    self._dpkg = parse_dpkg_status(read_text("/var/lib/dpkg/status"))
                except OSError as exc:
                    raise ProbeError("/var/lib/dpkg/status: %s" % (exc.strerror or exc))
            return self._dpkg

    def probe_pending(self):
        if self.manager == "apt":
            # `apt-cache policy` over the installed packages gives each one's candidate version and
            # the suites offering it, from the existing package lists, without apt's dependency
            # solver: ~0.05 s where `apt-get -s dist-upgrade` takes 1.5 s. Read-only, no lock.
            packages = self.dpkg_packages()
            names = apt_names(packages, native_architecture(packages))
            _rc, out, _err = self.cmd(["apt-cache"] + apt_cache_options() + ["policy", "--"] + names)
            pending = apt_pending(parse_apt_policy(out), [p["name"] for p in packages if p["held"]])
        elif self.manager == "dnf":
            pending = self.dnf_pending()
        else:
            raise ProbeError("no supported package manager (apt-get or dnf) found")
        security = sum(1 for p in pending if p["security"])
        return {"patches": {
            "manager": self.manager, "pending": pending, "security_count": security,
            "other_count": len(pending) - security,
        }}

    def dnf_pending(self):
        rc, out, _err = self.cmd(["dnf", "-q", "--cacheonly", "check-update"], ok_rcs=(0, 100))
        rows = parse_dnf_check_update(out) if rc == 100 else []
        security = {}
        if rows:
            _rc, sec_out, _err = self.cmd(["dnf", "-q", "--cacheonly", "updateinfo", "list", "--security"])
            security = parse_dnf_updateinfo(sec_out)
        installed = {}
        if rows:
            _rc, rpm_out, _err = self.cmd(
                ["rpm", "-q", "--qf", "%{NAME}.%{ARCH} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n"] + [r[0] for r in rows],
                ok_rcs=None)
            for line in rpm_out.splitlines():
                parts = line.split()
                if len(parts) == 2 and "is not installed" not in line:
                    version = parts[1][2:] if parts[1].startswith("0:") else parts[1]
                    if parts[0] not in installed or compare_versions(version, installed[parts[0]]) > 0:
                        installed[parts[0]] = version
        pending = []
        for name_arch, version, repo in rows:
            pending.append({
                "name": name_arch.rsplit(".", 1)[0],
                "installed": installed.get(name_arch),
                "candidate": version,
                "origin": repo,
                "security": name_arch in security,
                "held": False,
                "kb": None,
                "severity": security.get(name_arch),
            })
        return pending

    def probe_lists(self):
        """How old the package lists are, per configured apt suite or dnf repository."""
        if self.manager == "apt":
            return {"patches": {"lists": tripod_package_lists.apt_lists(now=self.start)}}
        if self.manager == "dnf":
            return {"patches": {"lists": tripod_package_lists.dnf_lists(now=self.start)}}
        raise ProbeError("no supported package manager (apt-get or dnf) found")

    def probe_held(self):
        if self.manager == "apt":
            return {"patches": {"held": sorted(set(p["name"] for p in self.dpkg_packages() if p["held"]))}}
        if self.manager == "dnf":
            held = []
            for path in ("/etc/dnf/plugins/versionlock.list",):
                try:
                    text = read_text(path)
                except OSError:
                    continue
                for line in text.splitlines():
                    line = line.strip()
                    if not line or line.startswith("#") or line.startswith("!"):
                        continue
                    match = _NEVRA.match(line.replace(".*", ".noarch"))
                    held.append(match.group("name") if match else line)
            return {"patches": {"held": sorted(set(held))}}
        return {}

    def probe_last_upgrade(self):
        epoch = None
        if self.manager == "apt":
            for path in rotated_logs("/var/log/apt/history.log"):
                try:
                    if path.endswith(".gz"):
                        with gzip.open(path, "rb") as handle:
                            text = handle.read().decode("utf-8", "replace")
                    else:
                        text = read_text(path)
                except (OSError, EOFError):
                    continue
                epoch = parse_apt_history(text)
                if epoch is not None:
                    break
            if epoch is None:
                try:
                    epoch = parse_dpkg_log(read_text("/var/log/dpkg.log"))
                except OSError:
                    pass
        elif self.manager == "dnf":
            try:
                epoch = parse_dnf_rpm_log(read_text("/var/log/dnf.rpm.log"))
            except OSError:
                pass
        return {"patches": {"last_upgrade": iso_utc(epoch)}}

    def installed_kernels(self):
        """{release: path} from /boot/vmlinuz-*, else /lib/modules/* with modules."""
        kernels = {}
        for path in glob.glob("/boot/vmlinuz-*"):
            release = os.path.basename(path)[len("vmlinuz-"):]
            if "rescue" in release or release.endswith((".old", ".bak")):
                continue
            kernels[release] = path
        if not kernels:
            for path in glob.glob("/lib/modules/*"):
                if os.path.exists(os.path.join(path, "modules.dep")) or os.path.isdir(os.path.join(path, "kernel")):
                    kernels[os.path.basename(path)] = path
        return kernels

    def probe_reboot(self):
        reasons = []
        since = None
        flag = "/var/run/reboot-required"
        try:
            st = os.stat(flag)
            since = st.st_mtime
            reasons.append("reboot-required flag is set (%s)" % flag)
            try:
                for pkg in sorted(set(read_text(flag + ".pkgs").split())):
                    reasons.append("package: %s" % pkg)
            except OSError:
                pass
        except OSError:
            pass
        running = os.uname().release
        kernels = self.installed_kernels()
        newer = newest_kernel(running, kernels)
        if newer:
            reasons.append("kernel: running %s, newest installed %s" % (running, newer))
            try:
                mtime = os.stat(kernels[newer]).st_mtime
                since = mtime if since is None else min(since, mtime)
            except OSError:
                pass
        if self.manager == "dnf" and which("needs-restarting"):
            rc, out, _err = self.cmd(["needs-restarting", "-r"], ok_rcs=(0, 1))
            if rc == 1:
                for line in out.splitlines():
                    match = re.match(r"^\s*\*\s*(\S+)", line)
                    if match:
                        reasons.append("package: %s" % match.group(1))
                if not any(r.startswith("package:") for r in reasons):
                    reasons.append("needs-restarting -r reports a reboot is required")
        return {"patches": {
            "reboot_required": bool(reasons),
            "reboot_reasons": reasons,
            "reboot_required_since": iso_utc(since) if reasons else None,
        }}

    def probe_restart(self):
        """Services needing a restart (needrestart on Debian/Ubuntu; skipped when not installed)."""
        if which("needrestart"):
            _rc, out, _err = self.cmd(["needrestart", "-b"], ok_rcs=None)
            kernel_status, microcode_status, services, expected = parse_needrestart(out)
            extra = []
            if kernel_status in (2, 3):
                extra.append("kernel: needrestart expects %s" % (expected or "a newer kernel"))
            if microcode_status == 2:
                extra.append("microcode: an update is pending")
            return {"patches": {"restart_services": services, "restart_reboot_reasons": extra}}
        if self.manager == "dnf" and which("needs-restarting"):
            _rc, out, _err = self.cmd(["needs-restarting", "-s"], ok_rcs=None)
            services = sorted(set(line.strip() for line in out.splitlines() if line.strip().endswith(".service")))
            return {"patches": {"restart_services": services}}
        return {}

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
                        mounts.append({"mount": _unescape_mount(fields[1]), "device": fields[0],
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

    # -- certificates and backups --

    def probe_certificates(self):
        now = time.time()
        certificates = []
        for path, explicit in self.certificate_files():
            try:
                with open(path, "rb") as handle:
                    content = handle.read(CERT_MAX_BYTES)
            except OSError as exc:
                self.error("certificates", "%s: %s" % (path, exc.strerror or exc))
                continue
            der = first_certificate_der(content, path)
            if der is None:
                if explicit:
                    self.error("certificates", "%s: no certificate found" % path)
                continue
            try:
                cert = parse_der_certificate(der)
            except (ValueError, IndexError, UnicodeDecodeError) as exc:
                cert = self.openssl_certificate(path, exc)
                if cert is None:
                    continue
            certificates.append({
                "path": path,
                "subject": cert.get("subject"),
                "not_after": iso_utc(cert["not_after"]),
                "days_left": int((cert["not_after"] - now) // 86400),
            })
        return {"certificates": certificates}

    def openssl_certificate(self, path, parse_error):
        if not which("openssl"):
            self.error("certificates", "%s: cannot parse (%s) and openssl is not installed" % (path, parse_error))
            return None
        try:
            args = ["openssl", "x509", "-noout", "-enddate", "-subject", "-in", path]
            if not _PEM_CERT.search(open(path, "rb").read(CERT_MAX_BYTES)):
                args += ["-inform", "DER"]
            _rc, out, _err = self.cmd(args)
            cert = parse_openssl_x509(out)
        except (ProbeError, OSError, ValueError) as exc:
            self.error("certificates", "%s: %s" % (path, exc))
            return None
        if cert.get("not_after") is None:
            self.error("certificates", "%s: openssl printed no notAfter" % path)
            return None
        return cert

    def certificate_files(self):
        """(path, explicit) for the configured files and the candidate files under directories."""
        found = []
        for base in self.params.get("certificate_paths") or []:
            if os.path.isdir(base):
                for root, dirs, names in os.walk(base):
                    dirs.sort()
                    for name in sorted(names):
                        path = os.path.join(root, name)
                        if len(found) >= CERT_MAX_FILES:
                            self.error("certificates", "more than %d files under the certificate paths; the rest were skipped"
                                       % CERT_MAX_FILES)
                            return found
                        if not os.path.isfile(path):
                            continue
                        if name.lower().endswith(CERT_SUFFIXES) or _small_pem(path):
                            found.append((path, False))
            elif os.path.exists(base):
                found.append((base, True))
            else:
                self.error("certificates", "%s: not found" % base)
        return found

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


def _small_pem(path):
    """True for a file of at most CERT_MAX_BYTES whose first 64 KiB hold a PEM certificate header."""
    try:
        if os.path.getsize(path) > CERT_MAX_BYTES:
            return False
        with open(path, "rb") as handle:
            return b"CERTIFICATE-----" in handle.read(65536)
    except OSError:
        return False


def _newest_mtime(paths, directories=()):
    newest = 0.0
    paths = list(paths)
    for directory in directories:
        try:
            paths += [os.path.join(directory, name) for name in os.listdir(directory)]
        except OSError:
            pass
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            newest = max(newest, st.st_mtime)
    return newest


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def apt_cache_options(cache_dir="/var/cache/apt", lists="/var/lib/apt/lists", status=("/var/lib/dpkg/status",
                      "/var/lib/dpkg/arch"), sources=("/etc/apt/sources.list",), sources_dir="/etc/apt/sources.list.d"):
    """apt-cache options that keep apt from rewriting its caches, costing as little time as possible.

    apt (run as root) rewrites a stale ``srcpkgcache.bin`` (built from the package lists) or
    ``pkgcache.bin`` (that plus /var/lib/dpkg/status). Gathering facts must not change files, so:
    both caches newer than their inputs -> use them (~0.05 s); only the lists cache current (dpkg
    ran since, e.g. after an upgrade) -> build pkgcache in memory on top of it (~0.3 s); else build
    both in memory (~2 s).
    """
    lists_mtime = _newest_mtime(sources, [lists, sources_dir])
    src = _mtime(os.path.join(cache_dir, "srcpkgcache.bin"))
    pkg = _mtime(os.path.join(cache_dir, "pkgcache.bin"))
    if src is None or src < lists_mtime:
        return ["-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="]
    if pkg is None or pkg < max(lists_mtime, _newest_mtime(status)):
        return ["-o", "Dir::Cache::pkgcache="]
    return []


UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
             "/usr/lib/systemd/system", "/lib/systemd/system")


def unit_file_exists(name, dirs=UNIT_DIRS):
    """True when a unit file (or an alias link) for name exists in one of systemd's unit directories."""
    return any(os.path.lexists(os.path.join(directory, name)) for directory in dirs)


def rotated_logs(base):
    """base, base.1, base.2.gz, ... newest first."""
    def generation(path):
        match = re.match(r"^\.(\d+)", path[len(base):])
        return int(match.group(1)) if match else 0
    return sorted((p for p in glob.glob(base + "*") if generation(p) or p == base), key=generation)


def running_process_label(candidates):
    """Label of the first process whose /proc/<pid>/comm matches, or None."""
    wanted = dict(candidates)
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            comm = read_text("/proc/%s/comm" % pid, 64).strip()
        except OSError:
            continue
        if comm in wanted:
            return wanted[comm]
    return None


def detect_virtualization_from_files():
    """Fallback when systemd-detect-virt is missing: container markers, then DMI/cpuinfo."""
    if os.path.exists("/run/.containerenv"):
        return "podman", True
    if os.path.exists("/.dockerenv"):
        return "docker", True
    try:
        cgroup = read_text("/proc/1/cgroup", 65536)
    except OSError:
        cgroup = ""
    for marker, name in (("docker", "docker"), ("kubepods", "container"), ("lxc", "lxc"), ("libpod", "podman")):
        if marker in cgroup:
            return name, True
    vendor = (read_first_line("/sys/class/dmi/id/sys_vendor") or "") + " " + (read_first_line("/sys/class/dmi/id/product_name") or "")
    for marker, name in (("QEMU", "qemu"), ("KVM", "kvm"), ("VMware", "vmware"), ("Microsoft", "microsoft"),
                         ("Xen", "xen"), ("VirtualBox", "oracle"), ("Amazon EC2", "amazon"), ("Google", "google")):
        if marker in vendor:
            return name, False
    try:
        if re.search(r"^flags\s*:.*\bhypervisor\b", read_text("/proc/cpuinfo", 1 << 20), re.M):
            return "vm-other", False
    except OSError:
        pass
    return "none", False


def find_world_writable(paths, limit, deadline):
    """World-writable regular files and world-writable directories without the sticky bit.

    -> (sorted hits, truncated). Does not follow symlinks or cross filesystems.
    """
    hits = []
    truncated = False
    for base in paths:
        try:
            base_st = os.lstat(base)
        except OSError:
            continue
        if not stat.S_ISDIR(base_st.st_mode):
            continue
        stack = [base]
        while stack:
            if time.time() > deadline or len(hits) >= limit:
                truncated = True
                break
            current = stack.pop()
            try:
                entries = list(os.scandir(current))
            except OSError:
                continue
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                mode = st.st_mode
                if stat.S_ISDIR(mode):
                    if st.st_dev != base_st.st_dev:
                        continue
                    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
                        hits.append(entry.path)
                    stack.append(entry.path)
                elif stat.S_ISREG(mode) and mode & stat.S_IWOTH:
                    hits.append(entry.path)
                if len(hits) >= limit:
                    truncated = True
                    break
        if truncated:
            break
    return sorted(hits[:limit]), truncated


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
