# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Package and kernel version ordering, shared by the target-side modules and the controller.

``compare_versions`` is dpkg's version comparison (``dpkg --compare-versions``); Tripod also
uses it to order kernel releases (``6.1.0-9-amd64`` < ``6.1.0-10-amd64``, and RPM kernel
releases such as ``5.14.0-427.13.1.el9_4.x86_64``), where it agrees with rpm for the release
strings kernels use.

Only the Python 3 standard library is used: this file runs on the managed host.
"""

from __future__ import annotations

import re


def _dpkg_order(char):
    if char == "":
        return 0
    if char.isdigit():
        return 0
    if char.isalpha():
        return ord(char)
    if char == "~":
        return -1
    return ord(char) + 256


def _verrevcmp(a, b):
    """dpkg's verrevcmp() on one version part."""
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _dpkg_order(a[i] if i < len(a) else "")
            bc = _dpkg_order(b[j] if j < len(b) else "")
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and j < len(b) and a[i].isdigit() and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def _split_debian_version(version):
    version = version.strip()
    epoch = 0
    if ":" in version:
        head, tail = version.split(":", 1)
        if head.isdigit():
            epoch, version = int(head), tail
    if "-" in version:
        upstream, revision = version.rsplit("-", 1)
    else:
        upstream, revision = version, ""
    return epoch, upstream, revision


def compare_versions(a, b):
    """Debian version comparison (as ``dpkg --compare-versions``): <0, 0 or >0."""
    ea, ua, ra = _split_debian_version(a)
    eb, ub, rb = _split_debian_version(b)
    if ea != eb:
        return -1 if ea < eb else 1
    result = _verrevcmp(ua, ub)
    if result:
        return -1 if result < 0 else 1
    result = _verrevcmp(ra, rb)
    return 0 if result == 0 else (-1 if result < 0 else 1)


_RPM_ARCH = re.compile(r"\.(x86_64|aarch64|ppc64le|s390x|i686|armv7hl|noarch)(\+\w+)?$")
_DEB_FLAVOUR = re.compile(r"^\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?-(?P<flavour>[A-Za-z][\w.+-]*)$")


def kernel_flavour(release):
    """'6.1.0-27-amd64' -> 'amd64', '5.15.0-91-generic' -> 'generic', '5.14.0-427.el9.x86_64' -> '.x86_64'."""
    match = _RPM_ARCH.search(release)
    if match:
        return match.group(0)
    match = _DEB_FLAVOUR.match(release)
    if match:
        return match.group("flavour")
    return ""


def newest_kernel(running, installed):
    """The newest installed kernel release of the running kernel's flavour, when newer than running."""
    flavour = kernel_flavour(running)
    newest = None
    for release in installed:
        if kernel_flavour(release) != flavour:
            continue
        if newest is None or compare_versions(release, newest) > 0:
            newest = release
    if newest is not None and compare_versions(newest, running) > 0:
        return newest
    return None
