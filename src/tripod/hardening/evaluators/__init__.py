"""Audit checks of the hardening catalog: pure functions of the compliance facts, run on the controller
through the one check engine (tripod.checks.engine), one module per catalog group (ssh, system,
packages, tooling, auditd, windows); `registry` holds the registry and the helpers they share.

Each catalog control names one check here (`audit.check`) with its parameters. A check returns
an `Outcome` (pass, fail, error, not_applicable or not_assessed, with short evidence). No check
contacts a host: everything comes from `tripod_compliance` (Linux: the `hardening` probe and the
security section; Windows: the Windows facts plus `tripod_hardening_windows`).
"""

from __future__ import annotations

# Importing the check modules registers their checks (@check).
from tripod.hardening.evaluators import auditd, packages, ssh, system, tooling, windows
from tripod.hardening.evaluators.registry import CHECKS, CheckContext, compare, run_check

__all__ = ["CHECKS", "CheckContext", "auditd", "compare", "packages", "run_check", "ssh", "system", "tooling", "windows"]
