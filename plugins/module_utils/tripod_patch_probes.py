# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance facts' patch probes: installed and pending packages, held packages, the last
upgrade, kernels and reboots, services to restart (apt and dnf). A mixin of the module's Collector."""

from __future__ import annotations

import glob
import gzip
import os
import re
import stat

from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_package_lists
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_host import (
    ProbeError,
    iso_utc,
    read_text,
    rotated_logs,
    which,
)
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_package_parsers import (
    NEVRA,
    apt_cache_options,
    apt_names,
    apt_pending,
    native_architecture,
    parse_apt_history,
    parse_apt_policy,
    parse_dnf_check_update,
    parse_dnf_rpm_log,
    parse_dnf_updateinfo,
    parse_dpkg_log,
    parse_dpkg_status,
    parse_needrestart,
)
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_versions import compare_versions, newest_kernel

# Tripod's own apt binary cache (apt-cache's pkgcache.bin, built from apt's package lists and dpkg's
# status). It is Tripod's, not apt's: nothing else reads it, and deleting it is always safe (the next
# fact gathering builds it again, ~1 to 2 s). docs/facts.md.
APT_CACHE_DIR = "/var/cache/tripod/apt"


def private_directory(path, uid):
    """Create `path` and its parent as needed (mode 0700); True when both are real directories (not
    links) owned by `uid` that nobody else may write to, so that only `uid` can plant a cache there."""
    for level in (os.path.dirname(path.rstrip("/")), path):
        try:
            os.mkdir(level, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return False
        try:
            info = os.lstat(level)
        except OSError:
            return False
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o022:
            return False
    return True


def apt_policy_command(names, cache_dir=APT_CACHE_DIR, as_root=None):
    """The `apt-cache policy` command over `names`, read-only for apt's own state.

    As root, apt-cache keeps its binary cache in Tripod's directory (`cache_dir`, created mode 0700):
    apt rebuilds it only when the package lists or dpkg's status changed since (~1 s), else maps it
    (~0.03 s), and apt's own caches in /var/cache/apt are never written. Without root, or when the
    directory is not safe (a link, another owner, writable by others), apt builds what it needs in
    memory (apt_cache_options), writing nothing. `as_root`: default, whether this process is root.
    """
    as_root = os.geteuid() == 0 if as_root is None else as_root
    if as_root and private_directory(cache_dir, os.geteuid()):
        options = ["-o", "Dir::Cache::pkgcache=" + os.path.join(cache_dir, "pkgcache.bin"),
                   "-o", "Dir::Cache::srcpkgcache="]
    else:
        options = apt_cache_options()
    return ["apt-cache"] + options + ["policy", "--"] + list(names)


class PatchProbes:
    """Probes of `compliance_facts.Collector` (self.cmd, self.error, self.facts, self.params)."""

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
            # solver: ~0.05 s where `apt-get -s dist-upgrade` takes 1.5 s. No lock; apt's own state
            # is only read (its binary cache is Tripod's, see apt_policy_command).
            packages = self.dpkg_packages()
            names = apt_names(packages, native_architecture(packages))
            _rc, out, _err = self.cmd(apt_policy_command(names))
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
                    match = NEVRA.match(line.replace(".*", ".noarch"))
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
