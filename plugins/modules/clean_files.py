#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: clean_files
short_description: Delete old files under configured directories, never following symlinks out of them
description:
  - For each configured directory, deletes the regular files older than C(max_age_days) (by
    modification time) whose names match C(patterns), in one pass over the tree, and reports
    how many files and how many bytes of disk space that freed, per directory.
  - It never leaves a configured directory. Symbolic links are never followed, neither to
    directories nor to files, and the links themselves are kept. A configured directory that is
    itself a symbolic link, or lies under one, is skipped and reported. Directories on other
    filesystems (mount points inside the tree) are not entered unless O(same_filesystem=false).
  - Files are looked up and deleted relative to an open handle of their directory
    (C(os.fwalk)), so a directory swapped for a symbolic link during the walk cannot redirect
    a deletion elsewhere (the classic temp-cleaner race).
  - Only regular files are deleted. Directories, sockets, pipes, devices and links are kept, and
    directories matching O(skip_dirs) (running services' private temporary directories) are not entered.
  - In check mode nothing is deleted; the result reports what would be deleted and the bytes
    that would be freed.
  - Bytes are the disk space the files occupy (allocated blocks), which is what deleting them
    frees; a file with several hard links frees its space only when its last link goes.
options:
  paths:
    description: Directories to clean.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path of the directory. V(/) is refused.
        type: path
        required: true
      max_age_days:
        description: Files modified longer ago than this many days are deleted; V(0) means any file older than now.
        type: int
        required: true
      patterns:
        description: Shell patterns (C(fnmatch)) a file's name must match to be deleted.
        type: list
        elements: str
        default: ["*"]
      label:
        description: Free text returned with this directory's result, for example C(temp files).
        type: str
  skip_dirs:
    description:
      - Shell patterns of directory names that are never entered, at any depth. The default keeps
        the private temporary directories of running services (C(PrivateTmp)), as
        systemd-tmpfiles does.
    type: list
    elements: str
    default: ["systemd-private-*"]
  report_only:
    description: Delete nothing, as in check mode, and report what would be deleted.
    type: bool
    default: false
  same_filesystem:
    description: Stay on the directory's filesystem (like C(find -xdev)).
    type: bool
    default: true
  error_limit:
    description: Report at most this many individual errors per directory (all are counted).
    type: int
    default: 20
extends_documentation_fragment:
  - tripod.maintenance.attributes
  - tripod.maintenance.attributes.posix
"""

EXAMPLES = r"""
- name: Delete temp files older than 10 days and rotated logs older than 90 days
  tripod.maintenance.clean_files:
    paths:
      - {path: /tmp, max_age_days: 10, label: temp files}
      - {path: /var/log, max_age_days: 90, patterns: ["*.gz", "*.[0-9]", "*.old"], label: rotated logs}
  register: cleaned
"""

RETURN = r"""
paths:
  description: One entry per configured directory, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The directory.
      type: str
    label:
      description: The label given, or null.
      type: str
    max_age_days:
      description: The age limit applied.
      type: int
    files:
      description: Files deleted (in check mode, files that would be deleted).
      type: int
    bytes:
      description: Disk space freed (in check mode, space that would be freed).
      type: int
    skipped:
      description: Why the directory was not cleaned (missing, a symlink), or null.
      type: str
    error_count:
      description: Files or directories that could not be read or deleted.
      type: int
    errors:
      description: The first errors, one line each.
      type: list
      elements: str
files:
  description: Files deleted over all directories.
  returned: always
  type: int
bytes:
  description: Bytes freed over all directories.
  returned: always
  type: int
"""

import fnmatch
import os
import stat
import time

from ansible.module_utils.basic import AnsibleModule

DAY = 86400


def refusal(path):
    """Why `path` may not be cleaned at all, or None."""
    if not os.path.isabs(path):
        return "not an absolute path"
    normal = os.path.normpath(path)
    if normal in ("/", "//"):
        return "the root directory is never cleaned"
    return None


def _note(result, limit, message):
    result["error_count"] += 1
    if len(result["errors"]) < limit:
        result["errors"].append(message)


def clean_directory(entry, now, check_mode, same_filesystem=True, error_limit=20, skip_dirs=("systemd-private-*",)):
    """Clean one configured directory; returns its result entry (see RETURN)."""
    path = entry["path"]
    result = {
        "path": path,
        "label": entry.get("label"),
        "max_age_days": entry["max_age_days"],
        "files": 0,
        "bytes": 0,
        "skipped": None,
        "error_count": 0,
        "errors": [],
    }
    reason = refusal(path)
    if reason:
        result["skipped"] = reason
        return result
    root = os.path.normpath(path)
    try:
        root_stat = os.lstat(root)
    except FileNotFoundError:
        result["skipped"] = "does not exist"
        return result
    except OSError as exc:
        result["skipped"] = "cannot be read: %s" % exc.strerror
        return result
    if stat.S_ISLNK(root_stat.st_mode) or os.path.realpath(root) != root:
        result["skipped"] = "is a symbolic link or lies under one; not followed"
        return result
    if not stat.S_ISDIR(root_stat.st_mode):
        result["skipped"] = "is not a directory"
        return result
    cutoff = now - entry["max_age_days"] * DAY
    patterns = entry.get("patterns") or ["*"]

    def on_error(exc):
        _note(result, error_limit, "%s: %s" % (getattr(exc, "filename", None) or root, exc.strerror))

    # topdown with follow_symlinks=False: fwalk never descends into a link, and checks that each
    # directory it opens is the one it listed (no swap for a link in between).
    for dirpath, dirnames, filenames, dirfd in os.fwalk(root, topdown=True, onerror=on_error, follow_symlinks=False):
        dirnames[:] = [name for name in dirnames if not any(fnmatch.fnmatchcase(name, p) for p in skip_dirs)]
        if same_filesystem:
            kept = []
            for name in dirnames:
                try:
                    if os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_dev == root_stat.st_dev:
                        kept.append(name)
                except OSError as exc:
                    _note(result, error_limit, "%s: %s" % (os.path.join(dirpath, name), exc.strerror))
            dirnames[:] = kept
        for name in filenames:
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                continue
            try:
                st = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
            except FileNotFoundError:
                continue  # gone meanwhile
            except OSError as exc:
                _note(result, error_limit, "%s: %s" % (os.path.join(dirpath, name), exc.strerror))
                continue
            if not stat.S_ISREG(st.st_mode) or st.st_mtime >= cutoff:
                continue
            if same_filesystem and st.st_dev != root_stat.st_dev:
                continue  # a file bind-mounted into the tree
            if not check_mode:
                try:
                    os.unlink(name, dir_fd=dirfd)
                except FileNotFoundError:
                    continue
                except OSError as exc:  # immutable, read-only, busy: counted, reported, kept
                    _note(result, error_limit, "%s: %s" % (os.path.join(dirpath, name), exc.strerror))
                    continue
            result["files"] += 1
            result["bytes"] += st.st_blocks * 512
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "path": {"type": "path", "required": True},
                    "max_age_days": {"type": "int", "required": True},
                    "patterns": {"type": "list", "elements": "str", "default": ["*"]},
                    "label": {"type": "str"},
                },
            },
            "skip_dirs": {"type": "list", "elements": "str", "default": ["systemd-private-*"]},
            "report_only": {"type": "bool", "default": False},
            "same_filesystem": {"type": "bool", "default": True},
            "error_limit": {"type": "int", "default": 20},
        },
        supports_check_mode=True,
    )
    for index, entry in enumerate(module.params["paths"]):
        if entry["max_age_days"] < 0:
            module.fail_json(msg="paths[%d].max_age_days: %d must not be negative" % (index, entry["max_age_days"]))
    now = time.time()
    dry_run = module.check_mode or module.params["report_only"]
    results = [
        clean_directory(entry, now, dry_run, module.params["same_filesystem"], module.params["error_limit"],
                        module.params["skip_dirs"])
        for entry in module.params["paths"]
    ]
    files = sum(r["files"] for r in results)
    module.exit_json(
        changed=files > 0 and not module.params["report_only"],
        paths=results,
        files=files,
        bytes=sum(r["bytes"] for r in results),
    )


if __name__ == "__main__":
    main()
