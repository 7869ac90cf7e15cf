# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of system state (os-release, meminfo, sshd -T, accounts, sudoers, firewall rules,
systemd units, mounts): pure functions of text, plus the filesystem selection rules."""

from __future__ import annotations

import os
import re

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_host import percent, read_text


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


def parse_sshd_t(text):
    """`sshd -T` -> {key: value}; keys lower case, repeated keys joined with a space."""
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, _sep, value = line.partition(" ")
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
        key, _sep, value = line.partition("=")
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
            "mount": unescape_mount(lfields[4]),
            "devno": lfields[2],
            "options": lfields[5] if len(lfields) > 5 else "",
            "fstype": rfields[0],
            "device": unescape_mount(rfields[1]),
        })
    return mounts


def unescape_mount(value):
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
