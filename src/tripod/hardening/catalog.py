"""The hardening control catalog (catalog.yml next to this file): loading and validation.

The catalog is data: every control's id, title, references, levels, disruption, audit check
and remediation parameters. `load_catalog()` validates it once and returns `Control` objects;
any problem names the control and the key, so a broken catalog never reaches a host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator, Mapping


from tripod.models import CHECK_ID_PATTERN, SEVERITIES
from tripod.shipped import load_yaml

CATALOG_FILE = "catalog.yml"
OS_FAMILIES = ("linux", "windows")
LEVELS = ("server", "workstation")
DISRUPTIONS = ("low", "medium", "high")
CONTAINER_RULES = ("applies", "not_applicable", "net_sysctl", "net_admin")
REQUIRED = ("id", "title", "group", "os", "levels", "severity", "rationale", "references", "disruption",
            "reboot", "container", "audit", "remediation")
OPTIONAL = ("container_reason", "guards", "after_packages")
# Parameters the role's tasks understand (a typo here would silently do nothing).
REMEDIATION_KEYS = frozenset([
    "summary", "manual", "sshd", "sshd_allow_groups", "sysctl", "files", "files_glob", "login_defs", "tmout", "shell",
    "mode", "lock_from", "from", "packages", "packages_absent", "pwquality", "faillock", "sudo_defaults", "allow_file",
    "mount", "modules", "service", "rules_file", "rules", "args", "auditd_conf", "journald", "coredump", "periodic",
    "units", "path", "timer", "registry", "smb_server", "firewall_profile", "defender", "defender_update",
    "account_policy", "audit_policy", "user_disabled", "legal_notice", "service_disabled", "names", "listchanges",
    "sysstat", "fail2ban", "checksums",
])
NIST_PATTERN = re.compile(r"^[A-Z]{2}-\d+(\(\d+\))?$")
CIS_PATTERN = re.compile(r"^\d+(\.\d+)*$")
LYNIS_PATTERN = re.compile(r"^[A-Z]{3,5}-\d{4}$")


class CatalogError(ValueError):
    """The catalog file is inconsistent; the message names the control and the key."""


@dataclass(frozen=True)
class Control:
    """One hardening control, as the catalog defines it."""

    id: str
    title: str
    group: str
    os: str
    levels: tuple[str, ...]
    severity: str
    rationale: str
    cis: str | None
    nist: tuple[str, ...]
    disruption: str
    reboot: bool
    container: str
    container_reason: str
    audit: Mapping[str, Any]
    remediation: Mapping[str, Any]
    guards: tuple[str, ...] = field(default=())
    # Re-applied whenever the run installs packages, which may add files this control governs
    # (its task finds its targets at run time).
    after_packages: bool = False
    # The Lynis tests (e.g. FINT-4402) that pass when the control does: an outside referee's view.
    lynis: tuple[str, ...] = field(default=())

    @property
    def check(self) -> str:
        return str(self.audit["check"])

    @property
    def manual(self) -> bool:
        """True when Tripod only reports the control and never remediates it."""
        return bool(self.remediation.get("manual"))

    @property
    def summary(self) -> str:
        return str(self.remediation["summary"])

    def params(self) -> dict[str, Any]:
        """The remediation parameters the role's task uses (everything but the summary)."""
        return {key: value for key, value in self.remediation.items() if key != "summary"}


@dataclass(frozen=True)
class Catalog:
    version: int
    controls: tuple[Control, ...]

    def __iter__(self) -> Iterator[Control]:
        return iter(self.controls)

    def __len__(self) -> int:
        return len(self.controls)

    def get(self, control_id: str) -> Control | None:
        return self._index().get(control_id)

    def ids(self) -> set[str]:
        return set(self._index())

    def for_os(self, os_family: str) -> tuple[Control, ...]:
        return tuple(c for c in self.controls if c.os == os_family)

    def _index(self) -> dict[str, Control]:
        return {c.id: c for c in self.controls}

    def windows_reads(self) -> dict[str, Any]:
        """What tripod.maintenance.win_hardening_facts must read for the Windows controls."""
        registry: list[dict[str, str]] = []
        audit: dict[str, str] = {}
        services: list[str] = []
        for control in self.for_os("windows"):
            specs = control.audit.get("values") or ([control.audit] if "path" in control.audit else [])
            for spec in specs:
                read = {"path": str(spec["path"]), "name": str(spec["name"])}
                if read not in registry:
                    registry.append(read)
            if control.check == "win_audit_policy":
                audit[str(control.audit["subcategory"])] = str(control.audit["guid"])
            if control.check == "win_service_disabled":
                services.append(str(control.audit["service"]))
        return {"registry": registry, "audit_subcategories": audit, "services": services}


def _problem(where: str, message: str) -> CatalogError:
    return CatalogError(f"{CATALOG_FILE}: {where}: {message}")


def _control(raw: Any, index: int, defaults: Mapping[str, Any]) -> Control:
    if not isinstance(raw, Mapping):
        raise _problem(f"controls[{index}]", "must be a mapping")
    entry = {**defaults, **raw}
    where = f"controls[{index}] ({entry.get('id', '?')})"
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise _problem(where, f"unknown key {unknown[0]!r}")
    for key in REQUIRED:
        if entry.get(key) in (None, "", [], {}) and key not in ("reboot",):
            raise _problem(where, f"{key} is missing")
    if not CHECK_ID_PATTERN.match(str(entry["id"])):
        raise _problem(where, f"id {entry['id']!r} is not TRP-<AREA>-<NNN>")
    checks = (("os", OS_FAMILIES), ("severity", SEVERITIES), ("disruption", DISRUPTIONS), ("container", CONTAINER_RULES))
    for key, allowed in checks:
        if entry[key] not in allowed:
            raise _problem(where, f"{key} {entry[key]!r} is not one of {', '.join(allowed)}")
    levels = entry["levels"]
    if not isinstance(levels, list) or not levels or any(level not in LEVELS for level in levels):
        raise _problem(where, f"levels must be a non-empty list of {', '.join(LEVELS)}")
    if not isinstance(entry["reboot"], bool):
        raise _problem(where, "reboot must be true or false")
    refs = entry["references"]
    if not isinstance(refs, Mapping) or not {"cis", "nist"} <= set(refs) <= {"cis", "nist", "lynis"}:
        raise _problem(where, "references must have cis and nist, and may have lynis")
    if refs["cis"] is not None and not CIS_PATTERN.match(str(refs["cis"])):
        raise _problem(where, f"references.cis {refs['cis']!r} is not a section number")
    if not isinstance(refs["nist"], list) or not refs["nist"] or not all(NIST_PATTERN.match(str(n)) for n in refs["nist"]):
        raise _problem(where, "references.nist must list NIST SP 800-53 controls like AC-6 or AC-6(2)")
    lynis = refs.get("lynis") or []
    if not isinstance(lynis, list) or not all(LYNIS_PATTERN.match(str(t)) for t in lynis):
        raise _problem(where, "references.lynis must list Lynis test ids like FINT-4402")
    if entry["container"] == "not_applicable" and not entry.get("container_reason"):
        raise _problem(where, "container: not_applicable needs a container_reason")
    audit, remediation = entry["audit"], entry["remediation"]
    if not isinstance(audit, Mapping) or not audit.get("check"):
        raise _problem(where, "audit.check is missing")
    if not isinstance(remediation, Mapping) or not str(remediation.get("summary", "")).strip():
        raise _problem(where, "remediation.summary is missing")
    unknown = sorted(str(k) for k in remediation if k not in REMEDIATION_KEYS)
    if unknown:
        raise _problem(where, f"remediation.{unknown[0]} is not a parameter the role understands")
    empty = sorted(str(k) for k, v in {**audit, **remediation}.items() if v is None)
    if empty:
        raise _problem(where, f"{empty[0]} has no value (a YAML comma in an unquoted string?)")
    guards = entry.get("guards") or []
    if not isinstance(guards, list):
        raise _problem(where, "guards must be a list")
    return Control(
        id=str(entry["id"]), title=str(entry["title"]), group=str(entry["group"]), os=str(entry["os"]),
        levels=tuple(levels), severity=str(entry["severity"]), rationale=str(entry["rationale"]).strip(),
        cis=None if refs["cis"] is None else str(refs["cis"]), nist=tuple(str(n) for n in refs["nist"]),
        disruption=str(entry["disruption"]), reboot=bool(entry["reboot"]), container=str(entry["container"]),
        container_reason=str(entry.get("container_reason") or ""), audit=dict(audit),
        remediation=dict(remediation), guards=tuple(str(g) for g in guards),
        after_packages=bool(entry.get("after_packages", False)), lynis=tuple(str(t) for t in lynis),
    )


def parse_catalog(data: Any) -> Catalog:
    """Validate catalog data (the parsed YAML) and build the Catalog."""
    if not isinstance(data, Mapping) or not isinstance(data.get("controls"), list):
        raise _problem("(top)", "must be a mapping with a `controls` list")
    defaults = data.get("defaults") or {}
    controls = [_control(raw, index, defaults) for index, raw in enumerate(data["controls"])]
    seen: dict[str, int] = {}
    for index, control in enumerate(controls):
        if control.id in seen:
            raise _problem(f"controls[{index}] ({control.id})", f"duplicate id (also controls[{seen[control.id]}])")
        seen[control.id] = index
    return Catalog(version=int(data.get("version", 1)), controls=tuple(controls))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with Tripod (validated once per process)."""
    return parse_catalog(load_yaml("tripod.hardening", CATALOG_FILE))
