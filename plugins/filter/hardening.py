# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the hardening role: the sshd settings of a run, merged into a file's text, on the controller."""

from __future__ import annotations

import importlib.util
from typing import Any, Callable

from ansible.errors import AnsibleFilterError
from ansible_collections.tripod.maintenance.plugins.plugin_utils.controller_action import MISSING_TRIPOD

DOCUMENTATION = r"""
name: hardening_sshd_settings
short_description: The sshd settings of the SSH controls a hardening run enforces
description:
  - Input is the hardening plan (C(tripod.maintenance.hardening_audit)'s C(hardening_plan)).
  - "Returns C({Keyword: value}) of the enforced controls that set sshd keywords, then O(extra)."
  - C(hardening_sshd_merge) (same file) puts such settings into an sshd file's text, keyword by keyword.
  - C(hardening_sshd_visible) (same file) gives the effective values (C(sshd -T)) of the passing SSH controls'
    keywords, written into sshd_config with the enforced settings for scanners that read only that file.
  - C(hardening_enforced_items) (same file) lists C({id, key, value}) of the enforced controls' parameters of
    one kind (e.g. C(sysctl); a list such as C(modules) gives one item per entry), for one looped task that
    still names each control.
  - C(hardening_sysctl_merge) (same file) puts such C(sysctl) items into a sysctl file's text, key by key.
options:
  _input:
    description: The hardening plan.
    type: dict
    required: true
  extra:
    description: Site settings added after the controls' (C(hardening_sshd_extra_settings)).
    type: dict
    default: {}
"""


def _tripod(module: str) -> Any:
    """`tripod.hardening.<module>`, or the collection's one error when the Python package is missing."""
    if importlib.util.find_spec("tripod") is None:
        raise AnsibleFilterError(MISSING_TRIPOD)
    return importlib.import_module(f"tripod.hardening.{module}")


def _sshd() -> Any:
    return _tripod("sshd")


def hardening_sshd_settings(plan: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, str]:
    return _sshd().settings(plan, extra)


def hardening_enforced_items(plan: dict[str, Any], kind: str) -> list[dict[str, str]]:
    return _tripod("enforced").enforced_items(plan, kind)


def hardening_sysctl_merge(text: str, items: list[dict[str, str]]) -> str:
    return _tripod("sysctl").merge(text or "", items or [])


def hardening_sshd_merge(text: str, wanted: dict[str, str], before_match: bool = False, header: str = "") -> str:
    return _sshd().merge(text or "", wanted, bool(before_match), header)


def hardening_sshd_visible(plan: dict[str, Any], effective: dict[str, Any]) -> dict[str, str]:
    return _sshd().visible(plan, effective or {})


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"hardening_sshd_settings": hardening_sshd_settings, "hardening_sshd_merge": hardening_sshd_merge,
                "hardening_enforced_items": hardening_enforced_items, "hardening_sshd_visible": hardening_sshd_visible,
                "hardening_sysctl_merge": hardening_sysctl_merge}
