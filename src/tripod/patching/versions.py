"""Installed package versions before and after a patch run, as the package manager reports them.

The role lists every installed package with the package manager's own query tool, once before
and once after the upgrade (one command each, locale-independent):

- apt: `dpkg-query -W -f='${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n'`
- dnf: `rpm -qa --qf '%{NAME}\\t%{ARCH}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\tii \\n'`

and the difference is what was updated, installed or removed. Names follow the compliance
facts: `pkg` for the native architecture and `all`/`noarch`, `pkg:arch` for foreign ones.
"""

from __future__ import annotations

from dataclasses import dataclass

_NEUTRAL_ARCHES = ("", "all", "noarch")


@dataclass(frozen=True)
class Change:
    """One package whose installed version changed: `before` None = newly installed, `after` None = removed."""

    name: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "package_installed"
        if self.after is None:
            return "package_removed"
        return "package_updated"

    def detail(self, origin: str | None = None) -> str:
        text = f"{self.name} {self.before or '(not installed)'} -> {self.after or '(removed)'}"
        return f"{text} ({origin})" if origin else text


def parse_listing(text: str) -> dict[str, str]:
    """Installed packages from a dpkg-query or rpm listing (formats above) -> {name: version}."""
    rows = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        name, arch, version, status = parts[0].strip(), parts[1].strip(), parts[2].strip(), parts[3]
        # dpkg's abbreviated status: desired (i/h/...), then state; `ii`/`hi` = installed.
        if len(status) >= 2 and status[1] == "i" and name and version:
            rows.append((name, arch, version))
    native = next((arch for name, arch, _version in rows if name in ("dpkg", "rpm")), None)
    installed: dict[str, str] = {}
    for name, arch, version in rows:
        version = version.removeprefix("0:")  # rpm epoch 0 is not written
        key = name if arch in _NEUTRAL_ARCHES or native is None or arch == native else f"{name}:{arch}"
        installed[key] = version
    return installed


def diff(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    """Every package whose version changed, appeared or disappeared, by name."""
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes.append(Change(name, old, new))
    return changes
