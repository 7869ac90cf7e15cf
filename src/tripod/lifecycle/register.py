"""The asset register: what the facts know of each host, joined with the client's asset file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from tripod.lifecycle.assets import AssetRecord

VIRTUAL_MACHINE = "virtual machine"


@dataclass
class Asset:
    host: str
    tier: str
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    cores: int | None = None
    memory_gb: float | None = None
    disk_gb: float | None = None
    os: str | None = None
    os_eol: date | None = None
    firmware_date: date | None = None  # the BIOS date
    virtual: bool = False
    kind: str = "host"  # host, or network device
    purchase_date: date | None = None
    warranty_end: date | None = None
    cost: float | None = None
    owner: str = ""
    location: str = ""
    facts_at: str | None = None

    def age_base(self) -> tuple[date | None, str]:
        """The date hardware age counts from, and which one it is (the report says so)."""
        if self.virtual:
            return None, VIRTUAL_MACHINE
        if self.purchase_date:
            return self.purchase_date, "purchase date"
        if self.firmware_date:
            return self.firmware_date, "BIOS date"
        return None, "unknown (no purchase date, no BIOS date)"

    def age_years(self, today: date) -> float | None:
        base, _which = self.age_base()
        return round((today - base).days / 365.25, 1) if base else None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def asset_of(host: str, tier: str, facts: Mapping[str, Any] | None, record: AssetRecord | None,
             facts_at: str | None = None, network: bool = False,
             firmware: Mapping[str, str | None] | None = None) -> Asset:
    """`firmware`: a network device's platform, version, model and end of support (TRP-NET-020)."""
    asset = Asset(host=host, tier=tier, kind="network device" if network else "host", facts_at=facts_at)
    if facts:
        identity = facts.get("identity") or {}
        hardware = identity.get("hardware") or {}
        asset.vendor, asset.model, asset.serial = hardware.get("vendor"), hardware.get("model"), hardware.get("serial")
        asset.firmware_date = _day(hardware.get("bios_date"))
        virtualization = identity.get("virtualization")
        asset.virtual = bool(virtualization) and virtualization != "none"
        distribution = " ".join(str(p) for p in (identity.get("distribution"), identity.get("distribution_version")) if p)
        asset.os = distribution or None
        lifecycle = facts.get("lifecycle") or {}
        asset.os_eol = _day(lifecycle.get("eol_date"))
        capacity = facts.get("capacity") or {}
        asset.cores = (capacity.get("load") or {}).get("cores")
        memory = (capacity.get("memory") or {}).get("total_bytes")
        asset.memory_gb = round(memory / 2**30, 1) if memory else None
        sizes = [fs.get("size_bytes") or 0 for fs in capacity.get("filesystems") or []]
        asset.disk_gb = round(sum(sizes) / 2**30, 1) if sizes else None
    if firmware:
        asset.os = f"{firmware['platform']} {firmware['version']}"
        asset.model = firmware.get("model") or asset.model
        asset.os_eol = _day(firmware.get("end"))
    if record:
        asset.purchase_date, asset.warranty_end, asset.cost = record.purchase_date, record.warranty_end, record.cost
        asset.owner, asset.location = record.owner, record.location
    return asset
