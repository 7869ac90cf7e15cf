"""The client's asset file: `assets.yml` (or `assets.csv`) in the inventory directory.

assets.yml maps each inventory host to what only the client knows:

    acme-db01.acme.example:
      purchase_date: 2021-03-15
      warranty_end: 2026-03-14
      cost: 7200
      owner: Finance
      location: Berlin DC rack 4

assets.csv has a header row `host,purchase_date,warranty_end,cost,owner,location`. Every key is
optional; a bad one is a one-line InputError naming the file and the key.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import yaml

from tripod.errors import InputError


class _TextDates(yaml.SafeLoader):
    """Dates stay text, so that a bad one (2021-13-01) is our one-line error, not PyYAML's."""


_TextDates.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

FIELDS = ("purchase_date", "warranty_end", "cost", "owner", "location")
FILES = ("assets.yml", "assets.yaml", "assets.csv")


class AssetFileError(InputError):
    """A bad asset file entry: `path: host.key: reason` (tripod validate names the host and key)."""

    def __init__(self, path: Path, host: str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {host}.{key}: {reason}" if key else f"{path}: {host}: {reason}")
        self.path, self.host, self.key, self.reason = path, host, key, reason


@dataclass(frozen=True)
class AssetRecord:
    purchase_date: date | None = None
    warranty_end: date | None = None
    cost: float | None = None
    owner: str = ""
    location: str = ""


def find_asset_file(inventory_dir: Path) -> Path | None:
    found = [inventory_dir / name for name in FILES if (inventory_dir / name).is_file()]
    if len(found) > 1:
        raise InputError(f"{found[1]}: a second asset file beside {found[0].name}; keep one")
    return found[0] if found else None


def _date(path: Path, where: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        host, _sep, key = where.partition(".")
        raise AssetFileError(path, host, key, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _record(path: Path, host: str, data: Any) -> AssetRecord:
    if data is None:
        return AssetRecord()
    if not isinstance(data, dict):
        raise AssetFileError(path, host, "", f"must be a mapping of {', '.join(FIELDS)}")
    unknown = sorted(str(key) for key in data if key not in FIELDS)
    if unknown:
        raise AssetFileError(path, host, unknown[0], f"unknown key (allowed: {', '.join(FIELDS)})")
    cost = data.get("cost")
    if cost not in (None, ""):
        try:
            cost = float(cost)
        except (TypeError, ValueError):
            raise AssetFileError(path, host, "cost", f"{cost!r} is not a number") from None
        if cost < 0 or isinstance(data.get("cost"), bool):
            raise AssetFileError(path, host, "cost", f"{data.get('cost')!r} must be a number of at least 0")
    else:
        cost = None
    purchase = _date(path, f"{host}.purchase_date", data.get("purchase_date"))
    warranty = _date(path, f"{host}.warranty_end", data.get("warranty_end"))
    if purchase and purchase > date.today():
        raise AssetFileError(path, host, "purchase_date", f"{purchase} is in the future")
    if purchase and warranty and warranty < purchase:
        raise AssetFileError(path, host, "warranty_end", f"{warranty} is before purchase_date {purchase}")
    for key in ("owner", "location"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            raise AssetFileError(path, host, key, "must be a string")
    return AssetRecord(purchase, warranty, cost, str(data.get("owner") or ""), str(data.get("location") or ""))


def load_assets(path: Path, hosts: Iterable[str]) -> dict[str, AssetRecord]:
    """The asset file's records by host; every host must be one of the inventory's `hosts`."""
    known = set(hosts)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    if path.suffix == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if rows and "host" not in rows[0]:
            raise InputError(f"{path}: host: the header row must name a host column")
        raw: Any = {}
        for number, row in enumerate(rows, start=2):
            host = (row.pop("host") or "").strip()
            if not host:
                raise InputError(f"{path}:{number}: host: empty")
            raw[host] = {key: value for key, value in row.items() if value not in (None, "")}
    else:
        try:
            raw = yaml.load(text, Loader=_TextDates) or {}  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise InputError(f"{where}: YAML parsing failed: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(raw, dict):
            raise InputError(f"{path}: must map each host to its purchase_date, warranty_end, cost, owner, location")
    records = {}
    for host, data in raw.items():
        if str(host) not in known:
            raise AssetFileError(path, str(host), "", "not a host of the inventory")
        records[str(host)] = _record(path, str(host), data)
    return records


def asset_file_problems(inventory_dir: Path | None, hosts: Iterable[str]) -> list[Any]:
    """`tripod validate`: the asset file's first problem, naming the file, the host and the key."""
    from tripod.policy.resolve import Problem

    if inventory_dir is None:
        return []
    try:
        path = find_asset_file(Path(inventory_dir))
        if path is not None:
            load_assets(path, hosts)
    except AssetFileError as exc:
        return [Problem(exc.host, exc.key or "assets", exc.reason, str(exc.path))]
    except InputError as exc:
        return [Problem("-", "assets", str(exc))]
    return []
