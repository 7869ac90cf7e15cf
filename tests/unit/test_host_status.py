"""One rule for a host's status: the CLI's run table and the evidence store agree."""

from __future__ import annotations

import pytest

from tripod.runner import HostOutcome
from tripod.store import host_status


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (HostOutcome("h", skipped=4), "skipped"),
        (HostOutcome("h"), "skipped"),
        (HostOutcome("h", ok=2, skipped=4), "ok"),
        (HostOutcome("h", ok=2, changed=1), "changed"),
        (HostOutcome("h", ok=2, failed=1, changed=1), "failed"),
        (HostOutcome("h", ok=2, unreachable=1, failed=1), "unreachable"),
    ],
)
def test_the_cli_and_the_store_give_a_host_the_same_status(outcome, expected):
    counts = {"ok": outcome.ok, "changed": outcome.changed, "failures": outcome.failed,
              "unreachable": outcome.unreachable, "skipped": outcome.skipped}
    assert outcome.status == host_status(counts) == expected
