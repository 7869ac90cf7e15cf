"""A long probe error keeps its head and its tail (issue 12 §5): the reason at the end ("timed out
after N s") reaches the fact's errors and the finding's evidence."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_text import clip as host_clip  # noqa: E402
from ansible_collections.tripod.maintenance.plugins.modules import compliance_facts as cf  # noqa: E402

from tripod.text import clip  # noqa: E402

LONG = "apt-get -s -o Debug::NoLocking=1 " + " ".join(f"package-{n}" for n in range(200)) + " timed out after 20.0 s"


def test_the_module_keeps_the_command_and_the_reason():
    collector = cf.Collector({"probe_timeout": 5})
    collector.error("patches", LONG)
    (error,) = collector.errors
    message = error["message"]
    assert len(message) == 500 and message.startswith("apt-get -s -o Debug::NoLocking=1 package-0 ")
    assert message.endswith("package-199 timed out after 20.0 s") and " [...] " in message


def test_short_text_is_left_alone_and_both_sides_clip_alike():
    assert clip("short", 300) == host_clip("short", 300) == "short"
    assert clip(LONG, 120) == host_clip(LONG, 120) and len(clip(LONG, 120)) == 120
