#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: prom_textfile
short_description: Write a file for the Prometheus node exporter's textfile collector, atomically
description:
  - Writes O(content) to O(directory)/O(name) so that the node exporter never reads half a file.
    The content goes to a hidden temporary file in the same directory whose name does not end in
    C(.prom) (the collector ignores it), is flushed to disk, then renamed over the old file.
  - The directory must exist; it is never created. When it is missing the module changes nothing
    and returns RV(written)=false with the reason, so that hosts without a node exporter are left
    alone.
  - Supports check mode (reports whether the content would change, writes nothing) and diff mode.
  - Used by the C(tripod.maintenance.metrics) action, which renders a host's Tripod metrics.
version_added: "0.1.0"
author:
  - Tripod maintainers (@tripod-msp)
options:
  directory:
    description: The textfile collector's directory (C(--collector.textfile.directory)).
    type: path
    required: true
  name:
    description: File name, ending in C(.prom); no directory part.
    type: str
    required: true
  content:
    description: The metrics, in the Prometheus text exposition format.
    type: str
    required: true
  mode:
    description: Permissions of the file (the node exporter, running as its own user, must read it).
    type: raw
    default: "0644"
attributes:
  check_mode:
    support: full
    description: Reports whether the content would change, and writes nothing.
  diff_mode:
    support: full
    description: Returns the old and the new file's text.
  platform:
    support: N/A
    platforms: posix
    description: Target OS/families that can be operated against.
"""

EXAMPLES = r"""
- name: Publish a metric
  tripod.maintenance.prom_textfile:
    directory: /var/lib/prometheus/node-exporter
    name: backup.prom
    content: |
      # HELP backup_last_success_seconds Last successful backup
      # TYPE backup_last_success_seconds gauge
      backup_last_success_seconds 1.7646e+09
"""

RETURN = r"""
path:
  description: The file written (or that would be written).
  returned: always
  type: str
written:
  description: Whether the file now holds O(content) (false in check mode and when the directory is missing).
  returned: always
  type: bool
msg:
  description: Why nothing was written, when nothing was.
  returned: when RV(written) is false
  type: str
"""

import os
import re
import stat

from ansible.module_utils.basic import AnsibleModule

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.prom$")


def read_current(path):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_atomically(directory, name, content, mode):
    """Write to a hidden temporary file in `directory`, fsync it, rename it over `name`, fsync the directory."""
    temporary = os.path.join(directory, ".%s.%d.tmp" % (name, os.getpid()))
    target = os.path.join(directory, name)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.rename(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


def parse_mode(module, value):
    try:
        mode = int(str(value), 8) if isinstance(value, str) else int(value)
    except ValueError:
        module.fail_json(msg="mode: %r is not an octal file mode such as '0644'" % (value,))
    if mode & ~0o7777:
        module.fail_json(msg="mode: %r is not an octal file mode such as '0644'" % (value,))
    return mode


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directory=dict(type="path", required=True),
            name=dict(type="str", required=True),
            content=dict(type="str", required=True),
            mode=dict(type="raw", default="0644"),
        ),
        supports_check_mode=True,
    )
    directory, name, content = module.params["directory"], module.params["name"], module.params["content"]
    if not NAME.match(name):
        module.fail_json(msg="name: %r must be a file name ending in .prom" % name)
    mode = parse_mode(module, module.params["mode"])
    path = os.path.join(directory, name)
    if not os.path.isdir(directory):
        module.exit_json(changed=False, written=False, path=path,
                         msg="%s does not exist: no node exporter textfile collector here, nothing written" % directory)
    current = read_current(path)
    try:
        current_mode = stat.S_IMODE(os.stat(path).st_mode) if current is not None else None
    except OSError:
        current_mode = None
    changed = current != content or current_mode != mode
    result = dict(changed=changed, path=path, written=not module.check_mode)
    if module._diff:
        result["diff"] = dict(before=current or "", after=content, before_header=path, after_header=path)
    if module.check_mode:
        result["msg"] = "check mode: nothing written"
        module.exit_json(**result)
    if changed:
        try:
            write_atomically(directory, name, content, mode)
        except OSError as exc:
            module.fail_json(msg="cannot write %s: %s" % (path, exc.strerror or exc), path=path)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
