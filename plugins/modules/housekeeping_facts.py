#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: housekeeping_facts
short_description: Measure what housekeeping could reclaim on a Linux host, in one round trip
description:
  - Read-only survey for the C(tripod.maintenance.housekeeping) role. It changes nothing and runs
    the same in check mode.
  - Reports the package manager's download cache (files and bytes), the packages that
    C(apt-get autoremove) (or C(dnf autoremove)) would remove with their installed sizes, the
    installed kernel packages and the running kernel release, and the systemd journal files
    (size, archived or active, and the time of their first entry).
  - "The controller decides from this what to do (C(tripod.maintenance.housekeeping_plan)): which
    kernels to remove, whether the journal needs vacuuming, and how many bytes each step frees."
  - A part that cannot be read becomes an entry in C(errors); the rest is still reported.
options:
  journal_directories:
    description: Journal directories to measure (their machine-id subdirectories too).
    type: list
    elements: path
    default: [/var/log/journal, /run/log/journal]
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.posix
"""

EXAMPLES = r"""
- name: Measure what housekeeping could reclaim
  tripod.maintenance.housekeeping_facts:
  register: survey
"""

RETURN = r"""
package_manager:
  description: C(apt), C(dnf), or null when neither is found.
  returned: always
  type: str
package_cache:
  description: "Downloaded package files: C(paths) (the cache directories), C(files), C(bytes) (allocated)."
  returned: always
  type: dict
autoremove:
  description: "What autoremove would remove: C(packages) (list of {C(name), C(bytes)}), C(bytes)."
  returned: always
  type: dict
kernels:
  description: >-
    C(running) (the running kernel release) and C(installed): one entry per installed kernel package
    with C(name), C(version) and C(bytes) (installed size); RPM entries also carry C(release)
    (version-release.arch, as C(uname -r) prints it).
  returned: always
  type: dict
journal:
  description: >-
    C(directories): one entry per journal directory with C(path) and C(files) (list of {C(name),
    C(bytes), C(archived), C(realtime)}: the first entry's time in epoch seconds, from the file name,
    or the modification time); C(bytes): the total.
  returned: always
  type: dict
errors:
  description: "{C(part), C(message)} for every part that could not be read."
  returned: always
  type: list
  elements: dict
"""

import glob
import os
import re
import shutil
import stat
import subprocess

from ansible.module_utils.basic import AnsibleModule

DEB_KERNEL_PATTERNS = (
    "linux-image-[0-9]*", "linux-image-unsigned-[0-9]*", "linux-modules-[0-9]*",
    "linux-modules-extra-[0-9]*", "linux-headers-[0-9]*",
)
RPM_KERNEL_PACKAGES = (
    "kernel", "kernel-core", "kernel-modules", "kernel-modules-core", "kernel-modules-extra", "kernel-devel",
)
APT_CACHE_DIRS = ("/var/cache/apt/archives", "/var/cache/apt/archives/partial")
DNF_CACHE_GLOBS = ("/var/cache/dnf/*/packages", "/var/cache/yum/*/*/packages")
COMMAND_TIMEOUT = 120
# system@<seqnum id 32 hex>-<head seqnum 16 hex>-<head realtime 16 hex>.journal (archived)
_ARCHIVED = re.compile(r"@[0-9a-f]{32}-[0-9a-f]{16}-(?P<realtime>[0-9a-f]{16})\.journal$")
# system@<head realtime 16 hex>-<random 16 hex>.journal~ (set aside after an unclean shutdown)
_DIRTY = re.compile(r"@(?P<realtime>[0-9a-f]{16})-[0-9a-f]{16}\.journal~$")
_REMV = re.compile(r"^Remv (?P<name>[^\s:]+)(?::\S+)? ")


def run(args):
    """(rc, stdout, stderr) of a command in the C locale."""
    env = dict(os.environ, LANG="C", LC_ALL="C")
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          universal_newlines=True, timeout=COMMAND_TIMEOUT, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def allocated(st):
    return st.st_blocks * 512


def regular_files(directory, suffixes=None):
    """(name, lstat) of the regular files directly in `directory`."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = []
    for name in names:
        if suffixes and not name.endswith(suffixes):
            continue
        try:
            st = os.lstat(os.path.join(directory, name))
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            found.append((name, st))
    return found


def package_manager():
    if shutil.which("apt-get") and shutil.which("dpkg-query"):
        return "apt"
    if shutil.which("dnf"):
        return "dnf"
    return None


def cache_survey(manager):
    if manager == "apt":
        directories = list(APT_CACHE_DIRS)
        suffixes = None
    elif manager == "dnf":
        directories = sorted(d for pattern in DNF_CACHE_GLOBS for d in glob.glob(pattern))
        suffixes = (".rpm",)
    else:
        return {"paths": [], "files": 0, "bytes": 0}
    files = total = 0
    for directory in directories:
        for name, st in regular_files(directory, suffixes):
            if manager == "apt" and directory == APT_CACHE_DIRS[0] and not name.endswith(".deb"):
                continue  # the `lock` file
            files += 1
            total += allocated(st)
    return {"paths": directories, "files": files, "bytes": total}


def parse_apt_simulation(text):
    """Package names of the `Remv` lines of `apt-get -s autoremove`."""
    return [match.group("name") for match in map(_REMV.match, text.splitlines()) if match]


def parse_dpkg_sizes(text):
    """{package: bytes} from `dpkg-query -W -f '${Package}\\t${Installed-Size}\\n'` (KiB)."""
    sizes = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[1].strip().isdigit():
            sizes[parts[0]] = int(parts[1]) * 1024
    return sizes


def parse_tab_lines(text, fields):
    """Rows of tab-separated `text` with exactly `fields` fields (other lines are messages)."""
    return [line.split("\t") for line in text.splitlines() if line.count("\t") == fields - 1]


def autoremove_survey(manager):
    packages = []
    if manager == "apt":
        rc, out, err = run(["apt-get", "-s", "-q", "autoremove"])
        if rc != 0:
            raise RuntimeError("apt-get -s autoremove exited %d: %s" % (rc, (err or out).strip()[-300:]))
        names = parse_apt_simulation(out)
        sizes = {}
        if names:
            _rc, out, _err = run(["dpkg-query", "-W", "-f", "${Package}\t${Installed-Size}\n"] + names)
            sizes = parse_dpkg_sizes(out)
        packages = [{"name": name, "bytes": sizes.get(name)} for name in names]
    elif manager == "dnf":
        rc, out, err = run(["dnf", "-q", "repoquery", "--unneeded", "--qf", "%{name}\t%{installsize}"])
        if rc != 0:
            raise RuntimeError("dnf repoquery --unneeded exited %d: %s" % (rc, (err or out).strip()[-300:]))
        packages = [{"name": name, "bytes": int(size) if size.isdigit() else None}
                    for name, size in parse_tab_lines(out, 2)]
    return {"packages": packages, "bytes": sum(p["bytes"] or 0 for p in packages)}


def parse_dpkg_kernels(text):
    """Installed packages from `dpkg-query -W -f '${Package}\\t${Version}\\t${db:Status-Abbrev}\\t${Installed-Size}\\n'`."""
    kernels = []
    for name, version, status, size in parse_tab_lines(text, 4):
        # db:Status-Abbrev: want, status, error; `n` not installed, `c` only config files left
        if len(status) < 2 or status[1] in ("n", "c"):
            continue
        kernels.append({"name": name, "version": version,
                        "bytes": int(size) * 1024 if size.strip().isdigit() else None})
    return kernels


def parse_rpm_kernels(text):
    """Installed packages from `rpm -q --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{SIZE}\\n'`."""
    return [{"name": name, "version": version, "release": "%s.%s" % (version, arch),
             "bytes": int(size) if size.isdigit() else None}
            for name, version, arch, size in parse_tab_lines(text, 4)]


def kernel_survey(manager):
    installed = []
    if manager == "apt":
        _rc, out, _err = run(["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\t${Installed-Size}\n"]
                             + list(DEB_KERNEL_PATTERNS))
        installed = parse_dpkg_kernels(out)  # rc 1 only says that a pattern matched nothing
    elif manager == "dnf":
        _rc, out, _err = run(["rpm", "-q", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SIZE}\n"]
                             + list(RPM_KERNEL_PACKAGES))
        installed = parse_rpm_kernels(out)
    return {"running": os.uname().release, "installed": installed}


def journal_file(name, st):
    """One journal file's entry: archived files carry their first entry's time in their name."""
    match = _ARCHIVED.search(name) or _DIRTY.search(name)
    realtime = int(match.group("realtime"), 16) / 1e6 if match else st.st_mtime
    return {"name": name, "bytes": allocated(st), "archived": bool(match) or name.endswith("~"), "realtime": realtime}


def journal_survey(roots):
    directories = []
    for root in roots:
        candidates = [root] + sorted(
            os.path.join(root, name) for name in (os.listdir(root) if os.path.isdir(root) else [])
            if os.path.isdir(os.path.join(root, name)) and not os.path.islink(os.path.join(root, name)))
        for directory in candidates:
            files = [journal_file(name, st) for name, st in regular_files(directory, (".journal", ".journal~"))]
            if files:
                directories.append({"path": directory, "files": sorted(files, key=lambda f: f["name"])})
    return {"directories": directories, "bytes": sum(f["bytes"] for d in directories for f in d["files"])}


def survey(journal_roots):
    manager = package_manager()
    result = {
        "package_manager": manager,
        "package_cache": {"paths": [], "files": 0, "bytes": 0},
        "autoremove": {"packages": [], "bytes": 0},
        "kernels": {"running": os.uname().release, "installed": []},
        "journal": {"directories": [], "bytes": 0},
        "errors": [],
    }
    parts = (("package_cache", lambda: cache_survey(manager)), ("autoremove", lambda: autoremove_survey(manager)),
             ("kernels", lambda: kernel_survey(manager)), ("journal", lambda: journal_survey(journal_roots)))
    for part, probe in parts:
        try:
            result[part] = probe()
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            result["errors"].append({"part": part, "message": str(exc)[:300]})
    return result


def main():
    module = AnsibleModule(
        argument_spec={"journal_directories": {"type": "list", "elements": "path",
                                               "default": ["/var/log/journal", "/run/log/journal"]}},
        supports_check_mode=True,
    )
    module.exit_json(changed=False, **survey(module.params["journal_directories"]))


if __name__ == "__main__":
    main()
