# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `hardening` probe of tripod.maintenance.compliance_facts: read-only inputs of the hardening catalog.

Everything here reads small files under /etc, /proc and /sys, plus one `systemctl show` call.
Nothing is changed. The controller evaluates the hardening controls from this data
(src/tripod/hardening); the lists below name exactly what those controls need, and a unit
test checks that every sysctl key, file, package, unit and kernel module the catalog
refers to is collected here.

`collect(root, run, error, deadline)` returns the `hardening` section of the facts; each part
that cannot be read becomes an error entry `hardening.<part>` and keeps its empty value.
Python 3.9 compatible (RHEL 9 targets); standard library only.
"""

from __future__ import annotations

import glob
import grp
import os
import pwd
import re
import shutil
import stat
import time

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_host import UNIT_DIRS

# Kernel parameters read from /proc/sys. `net.*` ones belong to the network namespace (a
# container has its own); the others belong to the kernel the host runs.
SYSCTL_KEYS = (
    "kernel.randomize_va_space", "kernel.kptr_restrict", "kernel.dmesg_restrict", "kernel.yama.ptrace_scope",
    "kernel.sysrq", "kernel.unprivileged_bpf_disabled", "kernel.perf_event_paranoid", "kernel.core_pattern",
    "fs.suid_dumpable", "fs.protected_hardlinks", "fs.protected_symlinks", "fs.protected_fifos",
    "fs.protected_regular", "net.core.bpf_jit_harden", "dev.tty.ldisc_autoload",
    "net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding",
    "net.ipv4.conf.all.send_redirects", "net.ipv4.conf.default.send_redirects",
    "net.ipv4.conf.all.accept_source_route", "net.ipv4.conf.default.accept_source_route",
    "net.ipv6.conf.all.accept_source_route", "net.ipv6.conf.default.accept_source_route",
    "net.ipv4.conf.all.accept_redirects", "net.ipv4.conf.default.accept_redirects",
    "net.ipv6.conf.all.accept_redirects", "net.ipv6.conf.default.accept_redirects",
    "net.ipv4.conf.all.secure_redirects", "net.ipv4.conf.default.secure_redirects",
    "net.ipv4.conf.all.log_martians", "net.ipv4.conf.default.log_martians",
    "net.ipv4.icmp_echo_ignore_broadcasts", "net.ipv4.icmp_ignore_bogus_error_responses",
    "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter", "net.ipv4.tcp_syncookies",
    "net.ipv6.conf.all.accept_ra", "net.ipv6.conf.default.accept_ra",
)

# Files and directories whose mode and ownership the catalog checks (absent ones are null).
STAT_PATHS = (
    "/etc/passwd", "/etc/passwd-", "/etc/group", "/etc/group-", "/etc/shadow", "/etc/shadow-",
    "/etc/gshadow", "/etc/gshadow-", "/etc/security/opasswd", "/etc/ssh/sshd_config", "/etc/sudoers",
    "/etc/crontab", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
    "/etc/cron.d", "/etc/cron.allow", "/etc/cron.deny", "/etc/at.allow", "/etc/at.deny",
    "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", "/etc/issue", "/etc/issue.net", "/etc/motd",
    "/var/lib/aide/aide.db", "/var/log/journal", "/var/log/account/pacct",
)
# Globs expanded on the host; each match is stat'ed like the paths above.
STAT_GLOBS = ("/etc/ssh/ssh_host_*_key", "/etc/sudoers.d/*")

# Packages whose installed version the catalog needs (absent ones are omitted).
PACKAGES = (
    "aide", "aide-common", "auditd", "audit", "libpam-pwquality", "libpwquality", "libpam-tmpdir",
    "needrestart", "unattended-upgrades", "dnf-automatic", "nftables", "ufw", "firewalld", "iptables",
    "systemd-timesyncd", "chrony", "ntp", "ntpsec", "cron", "cronie", "at", "sudo", "openssh-server",
    "systemd-coredump", "apparmor", "prelink", "telnetd", "inetutils-telnetd", "telnetd-ssl", "telnet",
    "inetutils-telnet", "rsh-server", "rsh-client", "rsh-redone-client", "talk", "talkd", "inetutils-talkd",
    "nis", "ypbind", "ypserv", "xinetd", "openbsd-inetd", "inetutils-inetd", "tftpd-hpa", "tftpd", "atftpd",
    "rsync", "avahi-daemon", "cups", "cups-daemon", "rpcbind", "nfs-kernel-server", "slapd", "snmpd",
    "vsftpd", "dnsmasq", "isc-dhcp-server", "xserver-xorg-core", "apport", "grub-common", "grub2-common",
    "debsums", "chkrootkit", "rkhunter", "binutils", "gcc", "fail2ban", "python3-systemd", "acct", "sysstat",
    "apt-listchanges", "apt-show-versions", "rsyslog",
)

# Units whose state the catalog needs (one `systemctl show` call for all of them).
UNITS = (
    "auditd.service", "nftables.service", "ufw.service", "firewalld.service", "systemd-timesyncd.service",
    "chrony.service", "chronyd.service", "ntp.service", "ntpsec.service", "apt-daily-upgrade.timer",
    "dnf-automatic-install.timer", "dailyaidecheck.timer", "aidecheck.timer", "avahi-daemon.service",
    "avahi-daemon.socket", "cups.service", "cups.socket", "rpcbind.service", "rpcbind.socket",
    "rsync.service", "nfs-server.service", "slapd.service", "snmpd.service", "vsftpd.service",
    "dnsmasq.service", "isc-dhcp-server.service", "systemd-journald.service", "tmp.mount",
    "systemd-coredump.socket", "apport.service", "ssh.service", "sshd.service", "cron.service",
    "tripod-rootkit-scan.timer", "chkrootkit.timer", "fail2ban.service", "acct.service", "sysstat.service",
    "apt-show-versions.timer", "rsyslog.service",
)

# Compilers and assemblers whose use the catalog restricts to root (resolved to the real binaries).
COMPILERS = ("as", "gcc", "cc", "c++", "g++", "clang", "tcc", "x86_64-linux-gnu-as", "aarch64-linux-gnu-as")
COMPILER_DIRS = ("/usr/bin", "/usr/local/bin")

# Kernel modules whose loading the catalog restricts (modprobe configuration).
MODULES = (
    "cramfs", "freevxfs", "hfs", "hfsplus", "jffs2", "udf", "usb-storage", "firewire-core",
    "firewire-ohci", "firewire-sbp2", "dccp", "sctp", "rds", "tipc",
)

# Mount points whose options the catalog checks.
MOUNTS = ("/tmp", "/var/tmp", "/dev/shm", "/home", "/var", "/var/log", "/var/log/audit")

BANNERS = ("/etc/issue", "/etc/issue.net", "/etc/motd")
PAM_FILES = (
    "common-auth", "common-account", "common-password", "common-session", "system-auth", "password-auth",
    "sshd", "su", "sudo",
)
SHELL_FILES = ("/etc/profile", "/etc/bash.bashrc", "/etc/bashrc", "/etc/profile.d/*.sh")
NOLOGIN_SHELLS = ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "")
# Accounts whose non-login shells are their purpose (CIS exempts them).
SHELL_EXEMPT = ("root", "sync", "shutdown", "halt")
LOG_DIR = "/var/log"
LOG_LIMIT = 50
BANNER_MAX = 4096
CAP_NET_ADMIN = 12

_SYSTEMCTL_PROPS = "Id,LoadState,ActiveState,UnitFileState"
# fail2ban reads its jail files in this order; later ones win, key by key.
FAIL2BAN_JAILS = ("/etc/fail2ban/jail.conf", "/etc/fail2ban/jail.d/*.conf", "/etc/fail2ban/jail.local",
                  "/etc/fail2ban/jail.d/*.local")
FAIL2BAN_KEYS = ("enabled", "backend", "ignoreip", "maxretry", "bantime", "findtime")
# AIDE's configuration (Debian's path; its aide.conf.d files are read after it).
AIDE_CONF = "/etc/aide/aide.conf"
# The first line of the configuration files Tripod writes and owns.
MANAGED_MARK = "Managed by Tripod"


class _Reader(object):
    """Reads below `root` (the host's / in production, a fake tree in tests)."""

    def __init__(self, root):
        self.root = root

    def path(self, path):
        return os.path.join(self.root, path.lstrip("/")) if self.root not in ("", "/") else path

    def text(self, path, limit=None):
        with open(self.path(path), "rb") as handle:
            data = handle.read(limit) if limit else handle.read()
        return data.decode("utf-8", "replace")

    def maybe(self, path, limit=None):
        try:
            return self.text(path, limit)
        except (IOError, OSError):
            return None

    def glob(self, pattern):
        base = self.path(pattern)
        strip = len(self.root.rstrip("/")) if self.root not in ("", "/") else 0
        return sorted(p[strip:] if strip else p for p in glob.glob(base))


# --------------------------------------------------------------------------- parsers


def parse_key_values(text, separator=None, lower=False):
    """`KEY VALUE` (or `KEY=VALUE` with separator '=') lines -> dict; comments and blanks ignored.

    A key without a value (`nodelay` in faillock.conf) maps to ''. Later lines win.
    """
    result = {}
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("["):
            continue
        if separator:
            key, sep, value = line.partition(separator)
            if not sep:
                key, value = line, ""
        else:
            parts = line.split(None, 1)
            key, value = parts[0], parts[1] if len(parts) > 1 else ""
        key = key.strip()
        if lower:
            key = key.lower()
        result[key] = value.strip().strip('"')
    return result


def parse_ini_section(text, section, keys=None):
    """key = value lines of one [section] of an INI file (continuation lines joined), keys lower-cased."""
    values, current, last = {}, None, None
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0] if not raw[:1].isspace() else raw.split("#", 1)[0]
        if not line.strip():
            continue
        match = re.match(r"^\[([^\]]+)\]\s*$", line.strip())
        if match and not raw[:1].isspace():
            current, last = match.group(1).strip(), None
            continue
        if current != section:
            continue
        if raw[:1].isspace() and last is not None:
            values[last] = (values[last] + " " + line.strip()).strip()
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and (keys is None or key in keys):
            values[key], last = value.strip(), key
        else:
            last = None
    return values


def parse_aide_checksums(texts):
    """The value of AIDE's last `Checksums = ...` definition (aide.conf, then its aide.conf.d files), or None."""
    value = None
    for text in texts:
        for raw in (text or "").splitlines():
            match = re.match(r"^\s*Checksums\s*=\s*(\S+)\s*$", raw.split("#", 1)[0])
            if match:
                value = match.group(1)
    return value


def parse_rsyslog_forward(texts):
    """The remote targets of rsyslog forwarding rules (legacy @host / @@host and omfwd actions)."""
    targets = []
    for text in texts:
        for raw in (text or "").splitlines():
            line = raw.split("#", 1)[0].strip()
            legacy = re.match(r"^\S+\s+(@@?)(\(\S*\))?\[?([\w.:-]+?)\]?(?::(\d+))?(;\S+)?$", line)
            if legacy:
                targets.append({"host": legacy.group(3), "port": legacy.group(4) or "514",
                                "protocol": "tcp" if legacy.group(1) == "@@" else "udp"})
                continue
            if "omfwd" in line:
                fields = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', line))
                if fields.get("target"):
                    targets.append({"host": fields["target"], "port": fields.get("port", "514"),
                                    "protocol": fields.get("protocol", "udp").lower()})
    return targets


def parse_pam(text):
    """A PAM file -> ordered module names (`pam_unix`, ...) with their type, for `auth`... lines."""
    modules = []
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("@include"):
            modules.append({"type": "include", "module": line.split()[-1], "args": ""})
            continue
        fields = line.split()
        if len(fields) < 3:
            continue
        kind = fields[0].lstrip("-")
        index = 1
        if fields[1].startswith("["):
            while index < len(fields) and not fields[index].endswith("]"):
                index += 1
        index += 1
        if index >= len(fields):
            continue
        name = os.path.basename(fields[index])
        name = name[:-3] if name.endswith(".so") else name
        modules.append({"type": kind, "module": name, "args": " ".join(fields[index + 1:])})
    return modules


def parse_sudo_defaults(text):
    """`Defaults` entries of a sudoers text (global ones only: `Defaults:user` etc. are skipped)."""
    entries = []
    joined = re.sub(r"\\\n", " ", text or "")
    for raw in joined.splitlines():
        line = raw.strip()
        if not line.startswith("Defaults") or line.startswith("#"):
            continue
        match = re.match(r"^Defaults\s+(.*)$", line)
        if not match:
            continue  # Defaults:user, Defaults@host, Defaults>runas, Defaults!cmd
        body = match.group(1).split("#", 1)[0] if '"' not in match.group(1) else match.group(1)
        for item in re.findall(r'(?:[^,"]|"[^"]*")+', body):
            item = re.sub(r"\s*([+-]?=)\s*", r"\1", item.strip())
            if item:
                entries.append(item)
    return entries


def parse_limits_core(text):
    """The `hard core` limit set for every user (`*`) in a limits.conf text, or None."""
    value = None
    for raw in (text or "").splitlines():
        fields = raw.split("#", 1)[0].split()
        if len(fields) == 4 and fields[0] == "*" and fields[1] in ("hard", "-") and fields[2] == "core":
            value = fields[3]
    return value


def parse_modprobe(text, modules):
    """modprobe.d text -> {module: {disabled, blacklisted}} for the given modules (names with - or _)."""
    result = {}
    canonical = dict((m.replace("-", "_"), m) for m in modules)
    for raw in (text or "").splitlines():
        fields = raw.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        name = canonical.get(fields[1].replace("-", "_"))
        if name is None:
            continue
        entry = result.setdefault(name, {"disabled": False, "blacklisted": False})
        if fields[0] == "blacklist":
            entry["blacklisted"] = True
        elif fields[0] == "install" and len(fields) >= 3 and os.path.basename(fields[2]) in ("false", "true"):
            entry["disabled"] = True
    return result


def parse_audit_watches(lines):
    """Audit rule lines -> the watched paths (`-w PATH` and `-F path=`/`dir=`) and syscalls named."""
    watched, syscalls = set(), set()
    for line in lines:
        tokens = line.split()
        for index, token in enumerate(tokens):
            if token == "-w" and index + 1 < len(tokens):
                watched.add(tokens[index + 1].rstrip("/"))
            elif token == "-S" and index + 1 < len(tokens):
                syscalls.update(s for s in tokens[index + 1].split(",") if s)
            elif token == "-F" and index + 1 < len(tokens) and re.match(r"^(path|dir)=", tokens[index + 1]):
                watched.add(tokens[index + 1].split("=", 1)[1].rstrip("/"))
    return sorted(watched), sorted(syscalls)


def parse_listening(text, proto, ipv6):
    """/proc/net/tcp{,6} or udp{,6} -> [{proto, address, port}] of listening sockets."""
    found = []
    for line in (text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4:
            continue
        state = fields[3]
        if proto == "tcp" and state != "0A":
            continue
        if proto == "udp" and state != "07":
            continue
        address_hex, _sep, port_hex = fields[1].partition(":")
        try:
            port = int(port_hex, 16)
        except ValueError:
            continue
        found.append({"proto": proto, "address": _hex_address(address_hex, ipv6), "port": port})
    return found


def _hex_address(value, ipv6):
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return value
    if not ipv6 and len(raw) == 4:
        return ".".join(str(b) for b in reversed(raw))
    if ipv6 and len(raw) == 16:
        words = []
        for i in range(0, 16, 4):
            words.append(raw[i:i + 4][::-1])
        flat = b"".join(words)
        groups = ["%x" % int.from_bytes(flat[i:i + 2], "big") for i in range(0, 16, 2)]
        if groups[:6] == ["0", "0", "0", "0", "0", "ffff"]:
            return ".".join(str(b) for b in flat[12:])
        text = ":".join(groups)
        return re.sub(r"(^|:)0(:0)+(:|$)", "::", text, count=1)
    return value


def parse_grub_cmdline(texts):
    """GRUB_CMDLINE_LINUX values of /etc/default/grub and grub.d snippets, joined in order."""
    parts = []
    for text in texts:
        for raw in (text or "").splitlines():
            match = re.match(r'^\s*GRUB_CMDLINE_LINUX(?:_DEFAULT)?\s*=\s*["\']?(.*?)["\']?\s*$', raw)
            if match:
                parts.append(match.group(1).replace("$GRUB_CMDLINE_LINUX", "").strip())
    return " ".join(p for p in parts if p)


def cap_bit(status_text, bit):
    """True when capability `bit` is in the effective set of /proc/self/status, None when unknown."""
    match = re.search(r"^CapEff:\s*([0-9a-fA-F]+)\s*$", status_text or "", re.M)
    if not match:
        return None
    return bool(int(match.group(1), 16) & (1 << bit))


def mode_text(mode):
    return "%04o" % stat.S_IMODE(mode)


# --------------------------------------------------------------------------- the probe


class HardeningProbe(object):
    """Collects the `hardening` facts section; `run(args)` -> (rc, out, err), `error(probe, message)`."""

    def __init__(self, root="/", run=None, error=None, deadline=None, systemd=None):
        self.read = _Reader(root)
        self.run = run
        self.report = error or (lambda probe, message: None)
        self.deadline = deadline
        self.systemd = os.path.isdir(self.read.path("/run/systemd/system")) if systemd is None else systemd

    def collect(self):
        result = empty_section()
        parts = (
            ("sysctl", self.sysctl), ("capabilities", self.capabilities), ("mounts", self.mounts),
            ("files", self.files), ("config", self.config), ("pam", self.pam), ("sudo", self.sudo),
            ("packages", self.packages), ("units", self.units), ("modprobe", self.modprobe),
            ("banners", self.banners), ("auditd", self.auditd), ("boot", self.boot),
            ("accounts", self.accounts), ("logs", self.logs), ("shell", self.shell),
            ("listening", self.listening), ("ssh", self.ssh), ("apt", self.apt), ("compilers", self.compilers),
        )
        for name, func in parts:
            try:
                value = func()
            except Exception as exc:  # one part must never cost the others
                self.report("hardening." + name, "%s: %s" % (type(exc).__name__, exc))
                continue
            result[name] = value
        return result

    # -- kernel --

    def sysctl(self):
        values = {}
        for key in SYSCTL_KEYS:
            text = self.read.maybe("/proc/sys/" + key.replace(".", "/"))
            values[key] = " ".join(text.split()) if text is not None else None
        return values

    def capabilities(self):
        status = self.read.maybe("/proc/self/status")
        net_admin = cap_bit(status, CAP_NET_ADMIN)
        return {
            "net_admin": net_admin,
            "sysctl_net_writable": self._writable("/proc/sys/net/ipv4/conf/all/log_martians") and bool(net_admin),
            "sysctl_kernel_writable": self._writable("/proc/sys/kernel/randomize_va_space"),
        }

    def _writable(self, path):
        try:
            st = os.statvfs(self.read.path(path))
        except OSError:
            return False
        return not (st.f_flag & os.ST_RDONLY) and os.access(self.read.path(path), os.W_OK)

    def mounts(self):
        text = self.read.maybe("/proc/self/mountinfo")
        found = dict((m, None) for m in MOUNTS)
        for line in (text or "").splitlines():
            left, sep, right = line.partition(" - ")
            fields = left.split()
            if not sep or len(fields) < 6:
                continue
            mount = fields[4].replace("\\040", " ")
            if mount not in found:
                continue
            right_fields = right.split()
            options = set(fields[5].split(","))
            if len(right_fields) >= 3:
                options.update(right_fields[2].split(","))
            found[mount] = {"fstype": right_fields[0] if right_fields else None, "options": sorted(options)}
        fstab = {}
        for raw in (self.read.maybe("/etc/fstab") or "").splitlines():
            fields = raw.split("#", 1)[0].split()
            if len(fields) >= 4 and fields[1] in MOUNTS:
                fstab[fields[1]] = {"device": fields[0], "fstype": fields[2], "options": sorted(fields[3].split(","))}
        return {"mounted": found, "fstab": fstab}

    # -- files --

    def files(self):
        paths = list(STAT_PATHS)
        for pattern in STAT_GLOBS:
            paths.extend(p for p in self.read.glob(pattern) if not p.endswith((".pub", "~", ".dpkg-old")))
        result = {}
        for path in paths:
            result[path] = self._stat(path)
        return result

    def _stat(self, path):
        try:
            st = os.lstat(self.read.path(path))
        except OSError:
            return None
        return {
            "mode": mode_text(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
            "owner": _user_name(st.st_uid), "group": _group_name(st.st_gid),
            "type": "directory" if stat.S_ISDIR(st.st_mode) else "link" if stat.S_ISLNK(st.st_mode) else "file",
        }

    # -- configuration files --

    def config(self):
        journald = {}
        for path in (["/usr/lib/systemd/journald.conf.d/*.conf", "/etc/systemd/journald.conf",
                      "/etc/systemd/journald.conf.d/*.conf", "/run/systemd/journald.conf.d/*.conf"]):
            for match in self.read.glob(path) if "*" in path else [path]:
                journald.update(parse_key_values(self.read.maybe(match), "="))
        coredump = {}
        for path in ("/etc/systemd/coredump.conf", "/etc/systemd/coredump.conf.d/*.conf"):
            for match in self.read.glob(path) if "*" in path else [path]:
                coredump.update(parse_key_values(self.read.maybe(match), "="))
        pwquality = parse_key_values(self.read.maybe("/etc/security/pwquality.conf"), "=")
        for match in self.read.glob("/etc/security/pwquality.conf.d/*.conf"):
            pwquality.update(parse_key_values(self.read.maybe(match), "="))
        core = parse_limits_core(self.read.maybe("/etc/security/limits.conf"))
        for match in self.read.glob("/etc/security/limits.d/*.conf"):
            value = parse_limits_core(self.read.maybe(match))
            core = value if value is not None else core
        timesyncd = parse_key_values(self.read.maybe("/etc/systemd/timesyncd.conf"), "=")
        for match in self.read.glob("/etc/systemd/timesyncd.conf.d/*.conf"):
            timesyncd.update(parse_key_values(self.read.maybe(match), "="))
        return {
            "login_defs": parse_key_values(self.read.maybe("/etc/login.defs")),
            "pwquality": pwquality,
            "faillock": parse_key_values(self.read.maybe("/etc/security/faillock.conf"), "="),
            "journald": journald,
            "coredump": coredump,
            "limits_core_hard": core,
            "timesyncd": timesyncd,
            "useradd": parse_key_values(self.read.maybe("/etc/default/useradd"), "="),
            "auto_upgrades": _apt_periodic(self.read),
            "fail2ban": self._fail2ban(),
            "sysstat": parse_key_values(self.read.maybe("/etc/default/sysstat"), "="),
            "listchanges": parse_ini_section(self.read.maybe("/etc/apt/listchanges.conf"), "apt"),
            "aide": {"checksums": parse_aide_checksums(
                [self.read.maybe(AIDE_CONF)] + [self.read.maybe(p) for p in sorted(self.read.glob(AIDE_CONF + ".d/*"))])},
            "rsyslog_forward": parse_rsyslog_forward(
                [self.read.maybe("/etc/rsyslog.conf")] + [self.read.maybe(p) for p in self.read.glob("/etc/rsyslog.d/*.conf")]),
        }

    def _fail2ban(self):
        """The sshd jail's effective settings ([DEFAULT], then [sshd], file after file) and who owns jail.local."""
        merged = {}
        for pattern in FAIL2BAN_JAILS:
            for path in self.read.glob(pattern) if "*" in pattern else [pattern]:
                text = self.read.maybe(path)
                for section in ("DEFAULT", "sshd"):
                    merged.setdefault(section, {}).update(parse_ini_section(text, section, FAIL2BAN_KEYS))
        local = self.read.maybe("/etc/fail2ban/jail.local")
        return {
            "sshd": dict(merged.get("DEFAULT", {}), **merged.get("sshd", {})),
            "jail_local": None if local is None else ("tripod" if MANAGED_MARK in local.split("\n", 1)[0] else "other"),
        }

    def pam(self):
        return dict((name, parse_pam(self.read.maybe("/etc/pam.d/" + name)))
                    for name in PAM_FILES if self.read.maybe("/etc/pam.d/" + name) is not None)

    def sudo(self):
        defaults = parse_sudo_defaults(self.read.maybe("/etc/sudoers"))
        for path in self.read.glob("/etc/sudoers.d/*"):
            name = os.path.basename(path)
            if "." in name or name.endswith("~"):
                continue  # sudo skips these in @includedir
            defaults.extend(parse_sudo_defaults(self.read.maybe(path)))
        return {"defaults": defaults}

    # -- packages, units, modules --

    def packages(self):
        installed = {}
        text = self.read.maybe("/var/lib/dpkg/status")
        if text is not None:
            for stanza in text.split("\n\n"):
                fields = dict(re.findall(r"^(Package|Status|Version): (.*)$", stanza, re.M))
                name = fields.get("Package")
                if name in PACKAGES and fields.get("Status", "").endswith(" installed"):
                    installed[name] = fields.get("Version")
            return {"manager": "dpkg", "installed": installed}
        if self.run is not None and shutil.which("rpm", path="/usr/bin:/bin"):
            rc, out, _err = self.run(["rpm", "-q", "--qf", "%{NAME} %{VERSION}-%{RELEASE}\\n"] + list(PACKAGES))
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] in PACKAGES:
                    installed[parts[0]] = parts[1]
            return {"manager": "rpm", "installed": installed}
        return {"manager": None, "installed": installed}

    def _unit_file(self, name):
        return any(os.path.lexists(self.read.path(os.path.join(directory, name))) for directory in UNIT_DIRS)

    def units(self):
        if not self.systemd or self.run is None:
            return {}
        # Only units with a unit file are asked for (mount units may exist without one): for a unit
        # it does not know, systemd searches every unit directory, and most of the catalog's units
        # are absent from a given host (~0.06 s for this list, more than the rest of the probe).
        asked = [u for u in UNITS if u.endswith(".mount") or self._unit_file(u)]
        states = dict((name, {"found": False, "active": False, "enabled": False, "unit_file_state": None})
                      for name in UNITS if name not in asked)
        _rc, out, _err = self.run(["systemctl", "show", "--no-pager", "--property=" + _SYSTEMCTL_PROPS, "--"]
                                  + asked)
        for block in out.strip().split("\n\n"):
            props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
            name = props.get("Id")
            if name not in UNITS:
                continue
            found = props.get("LoadState") not in ("not-found", None)
            file_state = props.get("UnitFileState", "")
            states[name] = {
                "found": found,
                "active": props.get("ActiveState") in ("active", "reloading", "activating"),
                "enabled": (file_state in ("enabled", "enabled-runtime", "static", "alias", "indirect", "generated")
                            if found and file_state else None if found else False),
                "unit_file_state": file_state or None,
            }
        return dict((name, states[name]) for name in UNITS if name in states)

    def modprobe(self):
        result = dict((m, {"disabled": False, "blacklisted": False}) for m in MODULES)
        for pattern in ("/lib/modprobe.d/*.conf", "/usr/lib/modprobe.d/*.conf", "/etc/modprobe.d/*.conf",
                        "/run/modprobe.d/*.conf"):
            for path in self.read.glob(pattern):
                for name, entry in parse_modprobe(self.read.maybe(path), MODULES).items():
                    result[name]["disabled"] = result[name]["disabled"] or entry["disabled"]
                    result[name]["blacklisted"] = result[name]["blacklisted"] or entry["blacklisted"]
        loaded = set(line.split()[0] for line in (self.read.maybe("/proc/modules") or "").splitlines() if line)
        for name, entry in result.items():
            entry["loaded"] = name.replace("-", "_") in loaded
        return result

    # -- banners, auditd, boot --

    def banners(self):
        return dict((path, self.read.maybe(path, BANNER_MAX)) for path in BANNERS)

    def auditd(self):
        lines = []
        for path in self.read.glob("/etc/audit/rules.d/*.rules"):
            lines.extend(l.strip() for l in (self.read.maybe(path) or "").splitlines()
                         if l.strip() and not l.strip().startswith("#"))
        watched, syscalls = parse_audit_watches(lines)
        return {
            "conf": parse_key_values(self.read.maybe("/etc/audit/auditd.conf"), "=", lower=True),
            "rule_count": len(lines),
            "watched": watched,
            "syscalls": syscalls,
        }

    def boot(self):
        texts = [self.read.maybe("/etc/default/grub")]
        texts.extend(self.read.maybe(p) for p in self.read.glob("/etc/default/grub.d/*.cfg"))
        return {
            "cmdline": (self.read.maybe("/proc/cmdline") or "").strip() or None,
            "grub_cmdline": parse_grub_cmdline(texts),
            "grub_present": any(t is not None for t in texts),
            "apparmor_enabled": (self.read.maybe("/sys/module/apparmor/parameters/enabled") or "").strip() == "Y",
        }

    # -- accounts, logs, shell --

    def accounts(self):
        defs = parse_key_values(self.read.maybe("/etc/login.defs"))
        try:
            uid_min = int(defs.get("UID_MIN", "1000"))
        except ValueError:
            uid_min = 1000
        shells, homes = [], []
        for line in (self.read.maybe("/etc/passwd") or "").splitlines():
            fields = line.split(":")
            if len(fields) < 7 or not fields[2].isdigit():
                continue
            name, uid, home, shell = fields[0], int(fields[2]), fields[5], fields[6]
            if uid < uid_min and name not in SHELL_EXEMPT and shell not in NOLOGIN_SHELLS:
                shells.append({"user": name, "uid": uid, "shell": shell})
            if uid >= uid_min and uid != 65534 and shell not in NOLOGIN_SHELLS:
                entry = {"user": name, "uid": uid, "home": home, "mode": None, "exists": False}
                info = self._stat(home) if home.startswith("/") else None
                if info is not None and info["type"] == "directory":
                    entry.update(mode=info["mode"], exists=True)
                homes.append(entry)
        return {"uid_min": uid_min, "system_login_shells": shells, "homes": homes}

    def logs(self):
        readable, truncated = [], False
        base = self.read.path(LOG_DIR)
        deadline = time.time() + 2.0
        for folder, dirs, names in os.walk(base):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(folder, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and st.st_mode & stat.S_IROTH:
                    if len(readable) >= LOG_LIMIT or time.time() > deadline:
                        truncated = True
                        break
                    readable.append(LOG_DIR + path[len(base):])
            if truncated:
                break
        return {"world_readable": readable, "truncated": truncated}

    def shell(self):
        tmout = None
        for pattern in SHELL_FILES:
            for path in self.read.glob(pattern) if "*" in pattern else [pattern]:
                for raw in (self.read.maybe(path) or "").splitlines():
                    match = re.match(r"^\s*(?:readonly\s+|export\s+|declare\s+-[a-z]*\s+|typeset\s+-[a-z]*\s+)*"
                                     r"TMOUT=['\"]?(\d+)", raw)
                    if match:
                        tmout = int(match.group(1))
        return {"tmout": tmout}

    def listening(self):
        found = []
        for name, proto, ipv6 in (("tcp", "tcp", False), ("tcp6", "tcp", True), ("udp", "udp", False),
                                  ("udp6", "udp", True)):
            found.extend(parse_listening(self.read.maybe("/proc/net/" + name), proto, ipv6))
        unique = dict(((e["proto"], e["port"], e["address"]), e) for e in found)
        return sorted(unique.values(), key=lambda e: (e["proto"], e["port"], e["address"]))

    def ssh(self):
        text = self.read.maybe("/etc/ssh/sshd_config")
        included = False
        for raw in (text or "").splitlines():
            match = re.match(r"^\s*Include\s+(.+)$", raw, re.I)
            if match and "sshd_config.d" in match.group(1):
                included = True
        return {"config_present": text is not None, "dropin_included": included}

    def compilers(self):
        found = {}
        for folder in COMPILER_DIRS:
            for name in COMPILERS:
                path = self.read.path(os.path.join(folder, name))
                if not os.path.exists(path):
                    continue
                real = os.path.realpath(path)
                shown = real[len(self.read.root.rstrip("/")):] if self.read.root not in ("", "/") else real
                if shown not in found:
                    info = self._stat(shown)
                    if info is not None:
                        found[shown] = {"name": name, "path": shown, "mode": info["mode"]}
        return sorted(found.values(), key=lambda c: c["path"])

    def apt(self):
        lists = self.read.glob("/var/lib/apt/lists/*_Packages") + self.read.glob("/var/lib/apt/lists/*_Packages.*")
        return {"lists_present": bool(lists)}


def _apt_periodic(reader):
    values = {}
    for path in reader.glob("/etc/apt/apt.conf.d/*"):
        for match in re.finditer(r'APT::Periodic::([A-Za-z-]+)\s+"([^"]*)"\s*;', reader.maybe(path) or ""):
            values[match.group(1)] = match.group(2)
    return values


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return None


def empty_section():
    """The `hardening` section with every part at its empty value."""
    return {
        "sysctl": {}, "capabilities": {}, "mounts": {"mounted": {}, "fstab": {}}, "files": {}, "config": {},
        "pam": {}, "sudo": {"defaults": []}, "packages": {"manager": None, "installed": {}}, "units": {},
        "modprobe": {}, "banners": {}, "auditd": {}, "boot": {}, "accounts": {}, "logs": {},
        "shell": {}, "listening": [], "ssh": {}, "apt": {}, "compilers": [],
    }


def collect(run=None, error=None, deadline=None, root="/"):
    """The `hardening` section of the compliance facts (see the module docstring)."""
    return HardeningProbe(root=root, run=run, error=error, deadline=deadline).collect()
