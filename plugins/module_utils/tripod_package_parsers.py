# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of package-manager output (dpkg, apt, dnf, needrestart): pure functions of text."""

from __future__ import annotations

import datetime
import os
import re
import time

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_host import mtime, newest_mtime
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_versions import compare_versions


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
        key, _sep, value = line.partition(":")
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


NEVRA = re.compile(r"^(?P<name>.+)-(?:(?P<epoch>\d+):)?(?P<version>[^-:]+)-(?P<release>[^-]+)\.(?P<arch>[^.]+)$")


def parse_dnf_updateinfo(text):
    """`dnf -q updateinfo list --security` -> {name.arch: advisory severity or None}."""
    result = {}
    for line in text.splitlines():
        tokens = line.split()
        if len(tokens) < 2:
            continue
        for token in reversed(tokens):
            match = NEVRA.match(token)
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


def apt_cache_options(cache_dir="/var/cache/apt", lists="/var/lib/apt/lists", status=("/var/lib/dpkg/status",
                      "/var/lib/dpkg/arch"), sources=("/etc/apt/sources.list",), sources_dir="/etc/apt/sources.list.d"):
    """apt-cache options that keep apt from rewriting its caches, costing as little time as possible.

    apt (run as root) rewrites a stale ``srcpkgcache.bin`` (built from the package lists) or
    ``pkgcache.bin`` (that plus /var/lib/dpkg/status). Gathering facts must not change files, so:
    both caches newer than their inputs -> use them (~0.05 s); only the lists cache current (dpkg
    ran since, e.g. after an upgrade) -> build pkgcache in memory on top of it (~0.3 s); else build
    both in memory (~2 s).
    """
    lists_mtime = newest_mtime(sources, [lists, sources_dir])
    src = mtime(os.path.join(cache_dir, "srcpkgcache.bin"))
    pkg = mtime(os.path.join(cache_dir, "pkgcache.bin"))
    if src is None or src < lists_mtime:
        return ["-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="]
    if pkg is None or pkg < max(lists_mtime, newest_mtime(status)):
        return ["-o", "Dir::Cache::pkgcache="]
    return []
