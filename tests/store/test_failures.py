"""Failure paths on real SQLite files: corruption, locks, failed commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
import glob
import os
from pathlib import Path
import re
import sqlite3
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from custom_components.integration_reliability.store.core import (
    DatabaseState,
    ReliabilityStore,
    StoreProblem,
)
from custom_components.integration_reliability.store.util import DatabaseTimeouts

from .conftest import RecordingListener
from .helpers import count_events, event, expected_rows, view_rows

type MakeStore = Callable[..., ReliabilityStore]
CORRUPT_NAME = re.compile(r"\.corrupt\.\d{8}T\d{6}Z$")
FAST_RETRIES: dict[str, Any] = {"retry_wait": 0.001, "timeouts": DatabaseTimeouts(busy=0.02)}


def _path(url: str) -> str:
    database = make_url(url).database
    assert database is not None
    return database


@pytest.fixture
def engine_hook() -> Iterator[Callable[[str, Callable[..., None]], None]]:
    """Attach an event hook to every SQLAlchemy engine for the test's duration."""
    hooks: list[tuple[str, Callable[..., None]]] = []

    def _attach(name: str, hook: Callable[..., None]) -> None:
        sa_event.listen(Engine, name, hook)
        hooks.append((name, hook))

    yield _attach
    for name, hook in hooks:
        sa_event.remove(Engine, name, hook)


async def test_garbage_file_is_moved_aside_and_replaced(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener
) -> None:
    path = _path(sqlite_db_url)
    garbage = os.urandom(64 * 1024)
    Path(path).write_bytes(garbage)
    store = make_store(sqlite_db_url, listener=listener)
    store.start()
    await store.async_wait_ready()

    assert [p for p, _ in listener.problems] == [StoreProblem.CORRUPT_RECOVERED]
    (moved,) = glob.glob(f"{path}.corrupt.*")
    assert CORRUPT_NAME.search(moved)
    assert Path(moved).read_bytes() == garbage
    store.record(event(1))
    await store.async_flush()
    assert await count_events(store) == 1


async def test_damaged_pages_of_a_real_database_are_recovered(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener
) -> None:
    path = _path(sqlite_db_url)
    first = make_store(sqlite_db_url)
    first.start()
    await first.async_wait_ready()
    for i in range(20_000):
        first.record(event(i))
    await first.async_stop()
    assert not os.path.exists(f"{path}-wal")

    # Keep page 1 (header and schema) readable, overwrite the pages after it.
    size = os.path.getsize(path)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:4096] + b"\xa5" * (size - 4096))

    store = make_store(sqlite_db_url, listener=listener)
    store.start()
    await store.async_wait_ready()
    new = [event(i) for i in range(3)]
    for rec in new:
        store.record(rec)
    await store.async_flush()

    assert StoreProblem.CORRUPT_RECOVERED in [p for p, _ in listener.problems]
    (moved,) = glob.glob(f"{path}.corrupt.*")
    assert os.path.getsize(moved) == size
    assert await store.async_run(view_rows) == expected_rows(new)


async def test_locked_database_keeps_records_queued_until_it_is_free(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener
) -> None:
    store = make_store(
        sqlite_db_url, listener=listener, commit_interval=0.01, max_retry_wait=0.05, **FAST_RETRIES
    )
    store.start()
    await store.async_wait_ready()
    blocker = sqlite3.connect(_path(sqlite_db_url), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    records = [event(i) for i in range(10)]
    try:
        for rec in records:
            store.record(rec)
        # Far more attempts than the old fixed retry budget allowed.
        await listener.wait_for(lambda: len(listener.incidents) >= 8)
        stats = store.stats
        assert stats.state is DatabaseState.RETRYING
        assert stats.queue_depth == 10
        assert stats.dropped_records == 0
        assert stats.last_error is not None
        assert "locked" in stats.last_error
        assert listener.incidents[-1].ended_at is None
        assert listener.incidents[-1].queued == 10
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await listener.wait_for(lambda: listener.incidents[-1].ended_at is not None)
    await store.async_flush()

    stats = store.stats
    assert stats.state is DatabaseState.OK
    assert (stats.committed_records, stats.dropped_records, stats.queue_depth) == (10, 0, 0)
    assert stats.received_records == stats.committed_records + stats.dropped_records
    assert listener.incidents[-1].dropped == 0
    assert await store.async_run(view_rows) == expected_rows(records)


async def test_lock_released_during_retries_loses_and_duplicates_nothing(
    make_store: MakeStore,
    sqlite_db_url: str,
    listener: RecordingListener,
    engine_hook: Callable[[str, Callable[..., None]], None],
) -> None:
    blocker = sqlite3.connect(_path(sqlite_db_url), isolation_level=None, check_same_thread=False)
    failures: list[str] = []

    def release_on_lock_error(context: Any) -> None:
        if "locked" in str(context.original_exception) and blocker.in_transaction:
            failures.append(str(context.original_exception))
            blocker.execute("ROLLBACK")

    store = make_store(sqlite_db_url, listener=listener, **FAST_RETRIES)
    store.start()
    await store.async_wait_ready()
    engine_hook("handle_error", release_on_lock_error)
    blocker.execute("BEGIN EXCLUSIVE")
    records = [event(i) for i in range(50)]
    for rec in records:
        store.record(rec)
    await store.async_flush()
    blocker.close()

    assert failures  # the first attempt really hit the lock
    assert listener.problems == []
    assert store.stats.dropped_records == 0
    assert await store.async_run(view_rows) == expected_rows(records)


@pytest.mark.parametrize("hook_name", ["before_cursor_execute", "commit"])
async def test_commit_failure_mid_batch_loses_and_duplicates_nothing(
    make_store: MakeStore,
    sqlite_db_url: str,
    listener: RecordingListener,
    engine_hook: Callable[[str, Callable[..., None]], None],
    hook_name: str,
) -> None:
    store = make_store(sqlite_db_url, listener=listener, commit_interval=3600, **FAST_RETRIES)
    store.start()
    await store.async_wait_ready()
    failed: list[bool] = []

    def fail_once(*args: Any) -> None:
        # before_cursor_execute: fail the event insert itself, after this
        # transaction already inserted the new lookup rows. commit: fail the COMMIT.
        is_target = hook_name == "commit" or str(args[2]).startswith("INSERT INTO ir_events")
        if is_target and not failed:
            failed.append(True)
            # What SQLAlchemy raises for the driver's error.
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is full"))

    engine_hook(hook_name, fail_once)
    records = [event(i) for i in range(30)]
    for rec in records:
        store.record(rec)
    await store.async_flush()

    assert failed == [True]
    assert listener.problems == []
    assert store.stats.dropped_records == 0
    assert store.stats.committed_records == 30
    assert await store.async_run(view_rows) == expected_rows(records)
