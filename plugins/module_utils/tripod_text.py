# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Short text for results: a long message keeps its head (what failed) and its tail (why)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MARK = " [...] "


def clip(text, limit=500):
    """`text` when it fits in `limit` characters; else its head, MARK and its tail, `limit` in all.
    The reason of a failure is usually at the end ("... timed out after 20.0 s"): it stays."""
    text = str(text)
    if len(text) <= limit:
        return text
    keep = limit - len(MARK)
    head = keep // 2
    return text[:head] + MARK + text[len(text) - (keep - head):]
