# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-of-life table for the Linux releases Tripod manages.

Definition used for ``eol_date``: the last day on which the release still gets
**free security updates from its publisher or community**, because that is the date
after which an MSP can no longer patch the host without buying something:

* Debian: the end of Debian LTS (``eol-lts`` in Debian's distro-info-data), not the
  end of regular security support. Example: Debian 12 regular security support ends
  in mid-2026, Debian LTS for 12 ends 2028-06-30; the table says 2028-06-30. The paid
  "ELTS" offer is not counted.
* Ubuntu: the end of standard support (``eol-server`` in distro-info-data) for LTS
  releases and the end of life for interim releases. Ubuntu Pro / ESM (paid, or free
  for a few machines) extends LTS releases by 5 years; it is not counted.
* RHEL: the end of the Maintenance Support phase (ELS add-on not counted).
  Rocky Linux, AlmaLinux and Oracle Linux: their published end of security updates.
* CentOS Linux 7 and CentOS Stream: their published end of life.

Sources: Debian's and Ubuntu's release data as shipped in distro-info-data
(0.58+deb12u6), the publishers' lifecycle pages (Red Hat errata policy, Rocky Linux
wiki "version", AlmaLinux wiki, Oracle Linux lifetime support policy), as collected on
endoflife.date. Update ``TABLE_UPDATED`` when you change the table.

When a release is missing from the table, ``lookup`` falls back to the target's own
``/usr/share/distro-info/{debian,ubuntu}.csv`` (package distro-info-data, kept up to
date by the distribution itself) and reports ``source: distro-info``.

Only the Python 3 standard library is used: this file runs on the managed host.
"""

from __future__ import annotations

import csv
import datetime

TABLE_UPDATED = "2026-11-27"

# product -> {version: eol date (YYYY-MM-DD)}
# product is os-release ID; version is what `_version_key` derives from VERSION_ID.
EOL_TABLE = {
    "debian": {
        "8": "2020-06-30",
        "9": "2022-06-30",
        "10": "2024-06-30",
        "11": "2026-08-31",
        "12": "2028-06-30",
        "13": "2030-06-30",
    },
    "ubuntu": {
        "14.04": "2019-04-25",
        "16.04": "2021-04-30",
        "18.04": "2023-05-31",
        "20.04": "2025-05-29",
        "20.10": "2021-07-22",
        "21.04": "2022-01-20",
        "21.10": "2022-07-14",
        "22.04": "2027-06-01",
        "22.10": "2023-07-20",
        "23.04": "2024-01-25",
        "23.10": "2024-07-11",
        "24.04": "2029-05-31",
        "24.10": "2025-07-10",
        "25.04": "2026-01-15",
        "25.10": "2026-07-09",
        "26.04": "2031-05-29",
    },
    "rhel": {
        "7": "2024-06-30",
        "8": "2029-05-31",
        "9": "2032-05-31",
        "10": "2035-05-31",
    },
    "rocky": {
        "8": "2029-05-31",
        "9": "2032-05-31",
        "10": "2035-05-31",
    },
    "almalinux": {
        "8": "2029-03-01",
        "9": "2032-05-31",
        "10": "2035-05-31",
    },
    "ol": {
        "7": "2024-12-01",
        "8": "2029-07-01",
        "9": "2032-06-30",
    },
    "centos": {
        "7": "2024-06-30",
        "8": "2024-05-31",
        "9": "2027-05-31",
    },
}

# Products whose version key is the major version only (X.Y -> X).
_MAJOR_ONLY = frozenset(["debian", "rhel", "rocky", "almalinux", "ol", "centos"])

DISTRO_INFO_DIR = "/usr/share/distro-info"


def _version_key(product, version_id):
    """Table key for a VERSION_ID: major for Debian and the RHEL family, X.Y for Ubuntu."""
    if not version_id:
        return None
    version_id = str(version_id).strip()
    if product in _MAJOR_ONLY:
        return version_id.split(".", 1)[0]
    if product == "ubuntu":
        parts = version_id.split(".")
        return ".".join(parts[:2])
    return version_id


def _from_distro_info(product, key, directory=DISTRO_INFO_DIR):
    """EOL date from the target's distro-info-data CSV, or None."""
    if product not in ("debian", "ubuntu") or key is None:
        return None
    path = "%s/%s.csv" % (directory, product)
    # debian.csv: version,codename,series,created,release,eol,eol-lts,eol-elts
    # ubuntu.csv: version,codename,series,created,release,eol,eol-server,eol-esm,...
    preferred = "eol-lts" if product == "debian" else "eol-server"
    try:
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                version = (row.get("version") or "").replace(" LTS", "").strip()
                if version != key:
                    continue
                date = (row.get(preferred) or "").strip() or (row.get("eol") or "").strip()
                return date or None
    except (OSError, ValueError, csv.Error):
        return None
    return None


def lookup(os_id, version_id, today=None, distro_info_dir=DISTRO_INFO_DIR):
    """Lifecycle facts for an os-release ID / VERSION_ID pair.

    Returns a dict with ``product``, ``version``, ``eol_date``, ``days_left`` and
    ``source`` (``tripod`` for the shipped table, ``distro-info`` for the target's
    CSV fallback, None when unknown).
    """
    product = (os_id or "").strip().lower() or None
    if product == "redhat":
        product = "rhel"
    key = _version_key(product, version_id)
    result = {"product": product, "version": key, "eol_date": None, "days_left": None, "source": None}
    if product is None or key is None:
        return result
    eol = EOL_TABLE.get(product, {}).get(key)
    if eol is not None:
        result["source"] = "tripod"
    else:
        eol = _from_distro_info(product, key, distro_info_dir)
        if eol is not None:
            result["source"] = "distro-info"
    if eol is None:
        return result
    result["eol_date"] = eol
    if today is None:
        today = datetime.datetime.now(datetime.timezone.utc).date()
    try:
        result["days_left"] = (datetime.date.fromisoformat(eol) - today).days
    except ValueError:
        result["eol_date"] = None
        result["source"] = None
    return result
