# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which installed kernels housekeeping may remove. Evaluated on the controller.

The rules, safest first:

* the running kernel is never removed;
* kernels newer than the running one are never removed (installed by patching, waiting for
  the next boot);
* of the running kernel and the older ones, the newest ``keep`` are kept (at least 2: the
  running one and one previous, the fallback if the next boot fails);
* only kernels of the running kernel's flavour are candidates (``amd64`` vs ``cloud-amd64``,
  ``generic`` vs ``aws``): another flavour is somebody's deliberate choice;
* when the running kernel is not among the installed packages (a container, where the kernel
  is the host's; a hand-built kernel), nothing is removed.

Packages are grouped by the kernel release they belong to (``uname -r`` form), so an image,
its modules and its headers go together. Debian and Ubuntu names carry the release
(``linux-image-6.1.0-18-amd64``, ``linux-image-unsigned-6.8.0-45-generic``,
``linux-modules-extra-6.8.0-45-generic``, ``linux-headers-6.1.0-18-amd64``); RPM entries carry
it as ``release`` (version-release.arch). Metapackages (``linux-image-amd64``) and packages
shared by several releases (``linux-headers-6.1.0-18-common``) are never selected: autoremove
takes care of those once nothing needs them.

Only the Python 3 standard library is used.
"""

from __future__ import annotations

import re
from functools import cmp_to_key

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_versions import compare_versions, kernel_flavour

MIN_KEEP = 2
_DEB_KERNEL = re.compile(
    r"^linux-(?P<kind>image|image-unsigned|modules|modules-extra|headers)-(?P<release>\d[^\s]*?)(?P<variant>-unsigned|-dbg)?$")
_RPM_IMAGES = ("kernel", "kernel-core")


def package_release(package):
    """(release, is_image) of one installed kernel package entry, or (None, False)."""
    if package.get("release"):
        return package["release"], package["name"] in _RPM_IMAGES
    match = _DEB_KERNEL.match(package["name"])
    if not match:
        return None, False
    return match.group("release"), match.group("kind") in ("image", "image-unsigned")


def package_spec(package):
    """What the package manager removes: the Debian name carries the release; an RPM name is
    shared by every installed kernel, so it is qualified (``kernel-core-5.14.0-427.el9.x86_64``)."""
    if package.get("release"):
        return "%s-%s" % (package["name"], package["release"])
    return package["name"]


def select_kernels(installed, running, keep=MIN_KEEP):
    """The plan for kernel packages: {remove, remove_releases, keep_releases, bytes, reason}.

    `installed`: dicts with `name`, optional `release` (RPM) and `bytes`; `running`: `uname -r`.
    """
    keep = max(int(keep), MIN_KEEP)
    packages = {}
    images = set()
    for package in installed:
        release, is_image = package_release(package)
        if release is None:
            continue
        packages.setdefault(release, []).append(package)
        if is_image:
            images.add(release)
    plan = {"remove": [], "remove_releases": [], "keep_releases": sorted(images), "bytes": 0, "reason": ""}
    if not images:
        plan["reason"] = "no kernel packages are installed (a container runs its host's kernel)"
        return plan
    if running not in images:
        plan["reason"] = "the running kernel %s is not an installed package; nothing is removed" % running
        return plan
    flavour = kernel_flavour(running)
    older = sorted((r for r in images if kernel_flavour(r) == flavour and compare_versions(r, running) < 0),
                   key=cmp_to_key(compare_versions), reverse=True)
    removable = older[keep - 1:]
    if not removable:
        plan["reason"] = "%d kernel(s) installed; keeping the running one and up to %d previous" % (len(images), keep - 1)
        return plan
    plan["remove_releases"] = sorted(removable, key=cmp_to_key(compare_versions))
    plan["keep_releases"] = sorted((r for r in images if r not in removable), key=cmp_to_key(compare_versions))
    plan["remove"] = sorted(package_spec(p) for r in removable for p in packages[r])
    plan["bytes"] = sum(p.get("bytes") or 0 for r in removable for p in packages[r])
    plan["reason"] = "keeping %s (running %s)" % (", ".join(plan["keep_releases"]), running)
    return plan
