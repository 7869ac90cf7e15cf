"""Every module's documentation loads in ansible-doc, doc fragments included, and is complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))


def test_every_module_documents_options_attributes_examples_and_returns() -> None:
    ansible_doc = Path(sys.executable).with_name("ansible-doc")
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")}
    done = subprocess.run([str(ansible_doc), "--json", "-t", "module", *(f"tripod.maintenance.{m}" for m in MODULES)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    docs = json.loads(done.stdout)
    assert sorted(name.rsplit(".", 1)[1] for name in docs) == MODULES
    for name, entry in docs.items():
        doc = entry["doc"]
        assert doc.get("short_description") and doc.get("description"), name
        assert doc.get("author"), f"{name}: no author (tripod.maintenance.attributes gives one)"
        attributes = doc.get("attributes") or {}
        assert {"check_mode", "diff_mode"} <= set(attributes), f"{name}: attributes {sorted(attributes)}"
        assert entry.get("examples"), f"{name}: no EXAMPLES"
        assert entry.get("return") is not None, f"{name}: no RETURN"
