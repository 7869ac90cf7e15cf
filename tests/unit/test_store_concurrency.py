"""Several processes opening one empty PostgreSQL database at once migrate it once: each step's
transaction takes the advisory lock, then reads the version again (tripod.store.dialect.migrate).
Before, a process looked the version table up outside the lock, or through the catalog cache, and
about one start in eight with eight processes failed (`relation "runs" already exists`, or the
version table's type created twice)."""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

import pytest

from tests.postgres import new_database
from tripod.store import EvidenceStore, migrations

PROCESSES = 8
ROUNDS = 3


def _open(url: str, barrier: Barrier, errors: Queue[str]) -> None:
    try:
        barrier.wait(timeout=60)
        EvidenceStore(url).close()
    except BaseException:  # noqa: BLE001 - reported to the test
        errors.put(traceback.format_exc().strip().splitlines()[-1])


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_processes_opening_an_empty_database_at_once_migrate_it_once(postgres_server, round_):
    url = new_database(postgres_server, migrated=False)
    context = multiprocessing.get_context("fork")  # forked after the imports: the processes start at once
    barrier, errors = context.Barrier(PROCESSES), context.Queue()
    processes = [context.Process(target=_open, args=(url, barrier, errors)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == [] and [p.exitcode for p in processes] == [0] * PROCESSES
    with EvidenceStore(url) as store:
        versions = store._conn.execute("SELECT version FROM tripod_schema").fetchall()
        assert [row[0] for row in versions] == [migrations.LATEST_VERSION], "one version row, the latest"
        assert store.has_table("latest_results") and store.list_runs() == []
