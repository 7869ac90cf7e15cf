"""Testinfra checks of the housekeeping scenario: what was reclaimed is gone, everything else is
still there, and the evidence store holds the bytes of every step (planned in check mode, done
in the converge run, nothing in the idempotence run)."""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

from tripod.store import EvidenceStore

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def recorded():
    """{host: [(playbook file name, check mode, [actions])]} of the recorded runs, oldest first."""
    assert os.environ.get("TRIPOD_DATA_DIR"), "molecule.yml sets TRIPOD_DATA_DIR for the evidence store"
    runs: dict[str, list] = defaultdict(list)
    with EvidenceStore() as store:
        ordered = sorted(store.list_runs(client="molecule", limit=None), key=lambda r: r.started_at)
        months = sorted({run.started_at[:7] for run in ordered})
        actions = [a for month in months for a in store.actions("molecule", month)]
        for run in ordered:
            hosts = {h.host for h in store.run_hosts(run.run_id)}
            for name in hosts:
                runs[name].append((os.path.basename(run.playbook or ""), run.check_mode,
                                   [a for a in actions if a.run_id == run.run_id and a.host == name]))
    return runs


def converge_runs(recorded, host):
    runs = [(check, actions) for playbook, check, actions in recorded[host.backend.get_hostname()]
            if playbook == "converge.yml"]
    assert [check for check, _actions in runs] == [True, False, False], "check, converge, idempotence"
    return runs


def by_detail(actions, text):
    found = [a for a in actions if text in a.detail]
    assert len(found) == 1, (text, actions)
    return found[0]


@pytest.mark.parametrize("run_index, changed", [(0, False), (1, True)], ids=["check", "converge"])
def test_every_step_records_its_bytes(host, recorded, run_index, changed):
    _check, actions = converge_runs(recorded, host)[run_index]
    assert all(a.area == "housekeeping" and a.kind == "space_reclaimed" and a.changed is changed for a in actions)
    temp = by_detail(actions, "under /tmp")
    assert temp.bytes >= 200 * MIB and "1 file(s) older than 10 day(s)" in temp.detail
    assert by_detail(actions, "under /var/tmp").bytes >= 3 * MIB
    assert "1 file(s)" in by_detail(actions, "under /var/log").detail
    assert by_detail(actions, "core dumps").bytes >= 1 * MIB
    assert by_detail(actions, "package cache").bytes >= 2 * MIB
    assert by_detail(actions, "autoremove").detail.endswith("iproute2")
    assert by_detail(actions, "journal").bytes > 0


def test_a_second_run_reclaims_nothing(host, recorded):
    _check, actions = converge_runs(recorded, host)[2]
    assert actions == []


def test_old_files_under_the_configured_paths_are_gone(host):
    for path in ("/tmp/tripod-old-200m.bin", "/var/tmp/tripod-dir/nested/old.bin", "/var/log/tripod-app.log.2.gz",
                 "/var/lib/systemd/coredump/core.tripod.0.zst", "/var/cache/apt/archives/tripod-fake_1.0_all.deb"):
        assert not host.file(path).exists, path
    assert host.file("/var/tmp/tripod-dir/nested").is_directory  # directories are kept


def test_everything_else_is_untouched(host):
    for path in ("/tmp/tripod-recent.bin", "/var/log/tripod-app.log", "/srv/tripod-outside/old.bin",
                 "/srv/tripod-outside/sub/old.bin", "/tmp/tripod-other-fs/old.bin",
                 "/tmp/systemd-private-tripod-test.service-Ab12Cd/tmp/old.bin"):
        assert host.file(path).is_file, path
    assert host.file("/tmp/tripod-link-to-file").linked_to == "/srv/tripod-outside/old.bin"
    assert host.file("/var/tmp/tripod-link-to-dir").linked_to == "/srv/tripod-outside"


def test_packages_and_journal(host):
    assert not host.package("iproute2").is_installed
    archived = host.run("find /var/log/journal -name '*@*.journal' | wc -l")
    assert archived.stdout.strip() == "0"
