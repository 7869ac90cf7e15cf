# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host I/O for Tripod's fact modules: files, commands with timeouts, times.

Shipped in the same AnsiballZ payload as the module that imports it (no extra round trip)."""

from __future__ import annotations

import time
import ctypes
import datetime
import glob
import os
import re
import shutil
import stat
import subprocess


EXTRA_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


class ProbeError(Exception):
    """A probe could not do its work; the message becomes an `errors` entry."""


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


def newest_mtime(paths, directories=()):
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


def mtime(path):
    """A file's modification time (epoch seconds); None without a path or when it cannot be read."""
    try:
        return os.stat(path).st_mtime if path else None
    except OSError:
        return None


# Where systemd finds unit files: the admin's, runtime, transient and generated (e.g. from an init
# script or fstab) ones, then the packages'.
UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/run/systemd/transient", "/run/systemd/generator.early",
             "/run/systemd/generator", "/run/systemd/generator.late", "/usr/local/lib/systemd/system",
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
