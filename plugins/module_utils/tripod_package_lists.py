# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How old the package lists are, per configured source: apt suites and dnf repositories.

Pending updates are computed from the package lists a host already has (compliance_facts never
refreshes them), so "0 pending" only means something when those lists are recent. This reads,
without changing anything:

- apt: every ``deb`` entry of /etc/apt/sources.list, sources.list.d/*.list and *.sources
  (deb822), one entry per URI and suite, with its /var/lib/apt/lists/<URI>_dists_<suite>_InRelease
  (or ``Release``) file. A suite without that file was never downloaded. Otherwise the lists
  were current when apt last checked them: the later of the file's modification time (apt
  rewrites it when the suite changed) and that of /var/lib/apt/lists/partial (apt touches it
  on every ``apt-get update``, also when nothing changed: measured on Debian 12; an unchanged
  suite, such as a stable release between point releases, keeps an InRelease months old).
- dnf: every enabled repository of /etc/yum.repos.d/*.repo, with the modification time of its
  cached ``repodata/repomd.xml`` (dnf 4: /var/cache/dnf/<id>-<hash>/, dnf 5: /var/cache/libdnf5/).

Each entry: ``{"name", "uri", "suite", "path", "updated", "age_hours"}``; ``updated`` and
``age_hours`` are None when the lists were never downloaded. Only the Python 3 standard
library is used: this file runs on the managed host.
"""

from __future__ import annotations

import glob
import os
import re
import time

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_host import mtime

# apt's URItoFileName quotes these characters (and control/non-ASCII ones) as %xx, then turns
# every "/" into "_" (apt-pkg/contrib/strutl.cc).
_APT_QUOTED = set('\\|{}[]<>"^~_=!@#$%^&*')


def _strip_comment(line):
    return line.split("#", 1)[0].strip()


def parse_one_line_sources(text):
    """``deb [options] URI SUITE [COMPONENT...]`` lines -> [(uri, suite)] (deb-src skipped)."""
    entries = []
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if not line.startswith("deb ") and not line.startswith("deb\t"):
            continue
        line = re.sub(r"^deb\s+(\[[^\]]*\]\s+)?", "", line)
        if line.startswith("cdrom:"):
            continue  # installation media: apt-get update never fetches them
        parts = line.split()
        if len(parts) >= 2:
            entries.append((parts[0], parts[1]))
    return entries


def parse_deb822_sources(text):
    """deb822 stanzas (``Types: deb``, ``URIs``, ``Suites``; ``Enabled: no`` skipped) -> [(uri, suite)]."""
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        key = None
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and key:
                fields[key] += " " + raw.strip()
                continue
            match = re.match(r"^([A-Za-z-]+):\s*(.*)$", raw)
            if match:
                key = match.group(1).lower()
                fields[key] = match.group(2).strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() in ("no", "false", "0"):
            continue
        for uri in fields.get("uris", "").split():
            if uri.startswith("cdrom:"):
                continue
            for suite in fields.get("suites", "").split():
                entries.append((uri, suite))
    return entries


def apt_sources(root="/etc/apt"):
    """Every (uri, suite) apt is configured with, in file order, without duplicates."""
    files = [os.path.join(root, "sources.list")] + sorted(glob.glob(os.path.join(root, "sources.list.d", "*")))
    seen = []
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        if path.endswith(".sources"):
            found = parse_deb822_sources(text)
        elif path.endswith(".list") or path == os.path.join(root, "sources.list"):
            found = parse_one_line_sources(text)
        else:
            continue  # sources.list.d/*.disabled, *.save, ...: apt ignores them too
        for entry in found:
            if entry not in seen:
                seen.append(entry)
    return seen


def apt_uri_to_filename(uri):
    """apt's URItoFileName: no scheme or credentials, quoted characters, "/" -> "_"."""
    rest = re.sub(r"^[A-Za-z0-9+.-]+:(//)?", "", uri)
    rest = re.sub(r"^[^/@]*@", "", rest)  # user:password@
    quoted = "".join("%%%02x" % ord(c) if c in _APT_QUOTED or ord(c) <= 0x20 or ord(c) >= 0x7F else c for c in rest)
    return quoted.replace("/", "_")


def apt_release_files(uri, suite, lists="/var/lib/apt/lists"):
    """The InRelease and Release file names of one source, most preferred first."""
    base = uri.rstrip("/") + "/"
    if suite.endswith("/"):  # a flat repository: "deb URI ./"
        path = base + suite
    else:
        path = base + "dists/" + suite + "/"
    prefix = apt_uri_to_filename(path)
    return [os.path.join(lists, prefix + name) for name in ("InRelease", "Release")]


def _entry(name, uri, suite, path, now, checked=None):
    modified = mtime(path)
    if modified is not None and checked is not None:
        modified = max(modified, checked)
    if modified is None:
        return {"name": name, "uri": uri, "suite": suite, "path": None, "updated": None, "age_hours": None}
    return {"name": name, "uri": uri, "suite": suite, "path": path,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(modified)),
            "age_hours": round(max(0.0, now - modified) / 3600.0, 1)}


def apt_lists(root="/etc/apt", lists="/var/lib/apt/lists", now=None):
    """One entry per configured apt source and suite (see the module docstring)."""
    now = time.time() if now is None else now
    checked = mtime(os.path.join(lists, "partial"))
    result = []
    for uri, suite in apt_sources(root):
        found = next((p for p in apt_release_files(uri, suite, lists) if os.path.exists(p)), None)
        result.append(_entry(suite, uri, suite, found, now, checked))
    return result


def parse_repo_files(texts):
    """The ids of enabled repositories in .repo files' texts (INI; ``enabled`` defaults to 1)."""
    enabled = []
    for text in texts:
        current = None
        for raw in text.splitlines():
            line = _strip_comment(raw)
            section = re.match(r"^\[([^\]]+)\]$", line)
            if section:
                current = section.group(1).strip()
                if current not in enabled:
                    enabled.append(current)
                continue
            match = re.match(r"^enabled\s*=\s*(\S+)$", line)
            if match and current is not None and match.group(1).lower() in ("0", "false", "no"):
                if current in enabled:
                    enabled.remove(current)
    return enabled


def dnf_lists(repos_dir="/etc/yum.repos.d", caches=("/var/cache/dnf", "/var/cache/libdnf5"), now=None):
    """One entry per enabled dnf repository: the age of its cached metadata (repomd.xml)."""
    now = time.time() if now is None else now
    texts = []
    for path in sorted(glob.glob(os.path.join(repos_dir, "*.repo"))):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                texts.append(handle.read())
        except OSError:
            continue
    result = []
    for repo in parse_repo_files(texts):
        candidates = []
        for cache in caches:
            candidates += glob.glob(os.path.join(cache, glob.escape(repo) + "-*", "repodata", "repomd.xml"))
        newest = max(candidates, key=lambda p: os.stat(p).st_mtime) if candidates else None
        result.append(_entry(repo, None, repo, newest, now))
    return result
