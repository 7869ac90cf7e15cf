"""One network device's outputs -> backup, drift, configuration checks and firmware findings."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from tripod.network.backup import missing_snippets, store_backup
from tripod.network.checks import CHECKS, Check, config_findings, firmware_finding
from tripod.network.parsers import PARSERS, parse_version
from tripod.network.platforms import platform_of

BACKUP = Check("backup", "TRP-NET-001", "health", "Running configuration backed up", "high",
               "Check the device is reachable over network_cli and its user may show the running configuration.")
DRIFT = Check("drift", "TRP-NET-002", "health", "No unexpected configuration change since the last backup", "medium",
              "Review the change (diff the two backups); if it was planned, close the ticket.")
GOLDEN = Check("golden", "TRP-NET-003", "hardening", "Golden baseline configuration present", "medium",
               "Apply the missing baseline lines (policy network.golden_snippets).")
SHOWN_LINES = 5
#: Output that says the configuration shown is incomplete (a daemon down): never kept as a backup.
#: FRR: a daemon that did not answer, or no `frr version` line (shown while the daemons start).
INCOMPLETE = {"frr": re.compile(r"^Warning: connecting to \S+\.\.\.failed!|\A(?![\s\S]*^frr version )",
                                re.MULTILINE)}


def _finding(check: Check, status: str, evidence: str) -> dict[str, Any]:
    return {"area": check.area, "check_id": check.check_id, "title": check.title, "severity": check.severity,
            "status": status, "evidence": evidence, "remediation": check.remediation if status == "fail" else ""}


def _lines(kind: str, lines: list[str]) -> str:
    more = f"; ... {len(lines) - SHOWN_LINES} more" if len(lines) > SHOWN_LINES else ""
    shown = "; ".join(lines[:SHOWN_LINES]) + more
    return f"{len(lines)} {kind}" + (f" ({shown})" if lines else "")


def assess(*, host: str, client: str, network_os: str, running: str, version: str, policy: Mapping[str, Any],
           base: Path, now: datetime, check_mode: bool = False) -> dict[str, Any]:
    """Findings and actions of one device; the backup is written under `base` (the data dir),
    except in check mode (the action then says it would be written, and `changed` is false)."""
    platform = platform_of(network_os)
    if platform is None:
        raise ValueError(f"ansible_network_os '{network_os}' is not a platform Tripod supports")
    wanted = list(policy["checks"])
    findings: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    if not running.strip():
        findings.append(_finding(BACKUP, "error", "the device returned an empty running configuration"))
        findings.extend(config_findings(None, wanted, "the running configuration was empty"))
        return {"findings": findings, "actions": actions, "backup": None}

    incomplete = INCOMPLETE.get(platform.name)
    broken = incomplete.search(running) if incomplete else None
    if broken:
        reason = broken.group(0) or "no version line"
        findings.append(_finding(BACKUP, "error", f"incomplete configuration, not kept: {reason}"))
        findings.extend(config_findings(None, wanted, "the running configuration was incomplete"))
        return {"findings": findings, "actions": actions, "backup": None}

    result = store_backup(base, client, host, running, now, int(policy["backup_retention"]), dry_run=check_mode)
    relative = result.path.relative_to(base).as_posix()
    saved = "would be saved (check mode)" if check_mode else "saved"
    if check_mode and result.written:
        findings.append(_finding(BACKUP, "not_assessed", f"check mode: not saved (sha256:{result.sha256})"))
    else:
        findings.append(_finding(BACKUP, "pass", f"{relative} sha256:{result.sha256}"))
    actions.append({"area": "health", "kind": "config_backup", "changed": result.written and not check_mode,
                    "detail": (f"running configuration {saved} to {relative} (sha256:{result.sha256})"
                               if result.written else
                               f"running configuration unchanged since {relative} (sha256:{result.sha256})")})
    if result.pruned:
        actions.append({"area": "health", "kind": "config_backup_pruned", "changed": True,
                        "detail": f"{len(result.pruned)} old backup(s) removed (retention "
                                  f"{policy['backup_retention']}): {', '.join(p.name for p in result.pruned)}"})
    if "drift" in wanted:
        if result.previous is None:
            findings.append(_finding(DRIFT, "not_assessed", "first backup of this device: nothing to compare with"))
        elif result.written:
            findings.append(_finding(DRIFT, "fail", f"changed since {result.previous.name}: "
                                                    f"{_lines('line(s) added', result.added)}, "
                                                    f"{_lines('line(s) removed', result.removed)}"))
        else:
            findings.append(_finding(DRIFT, "pass", f"identical to {result.previous.name}"))
        snippets = list(policy["golden_snippets"])
        if not snippets:
            findings.append(_finding(GOLDEN, "not_applicable", "no golden baseline set (network.golden_snippets)"))
        else:
            missing = missing_snippets(running, snippets)
            findings.append(_finding(GOLDEN, "fail", f"missing: {'; '.join(missing)}") if missing else
                            _finding(GOLDEN, "pass", f"all {len(snippets)} baseline line(s) present"))

    try:
        config = PARSERS[platform.name](running)
        error = ""
    except (ValueError, IndexError, KeyError) as exc:  # a parser never fails a run: the checks are not assessed
        config, error = None, f"the {platform.name} configuration could not be parsed: {exc}"
    findings.extend(config_findings(config, wanted, error))
    if "firmware" in wanted:
        findings.append(firmware_finding(platform.name, parse_version(platform.name, version), now.date(),
                                         int(policy["firmware_warning_days"])))
    return {"findings": findings, "actions": actions, "backup": {"path": relative, "sha256": result.sha256,
                                                                 "written": result.written and not check_mode,
                                                                 "changes": result.written}}


__all__ = ["assess", "CHECKS"]
