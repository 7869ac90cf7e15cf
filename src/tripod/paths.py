"""Where Tripod keeps its state and finds its collection."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """All Tripod state lives here: $TRIPOD_DATA_DIR, default ~/.local/share/tripod."""
    configured = os.environ.get("TRIPOD_DATA_DIR")
    path = Path(configured).expanduser() if configured else Path.home() / ".local" / "share" / "tripod"
    return path


def collection_root() -> Path:
    """The tripod.maintenance collection: a source checkout, or an installed collection."""
    configured = os.environ.get("TRIPOD_COLLECTION_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        galaxy = parent / "galaxy.yml"
        if galaxy.is_file() and "namespace: tripod" in galaxy.read_text(encoding="utf-8"):
            return parent
    try:
        from ansible import constants as C  # noqa: N812 - Ansible's own name

        for base in C.COLLECTIONS_PATHS:
            candidate = Path(base).expanduser() / "ansible_collections" / "tripod" / "maintenance"
            if candidate.is_dir():
                return candidate.resolve()
    except ImportError:
        pass
    raise FileNotFoundError(
        "cannot find the tripod.maintenance collection; install it or set TRIPOD_COLLECTION_DIR"
    )
