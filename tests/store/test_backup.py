"""Backup lock: a consistent file while locked, queued records written after."""

from __future__ import annotations

from collections.abc import Callable
import shutil
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from custom_components.integration_reliability.store.core import ReliabilityStore

from .helpers import count_events, event

type MakeStore = Callable[..., ReliabilityStore]


async def test_locked_sqlite_file_is_consistent_and_queue_is_kept(
    make_store: MakeStore, sqlite_db_url: str, tmp_path: object
) -> None:
    path = make_url(sqlite_db_url).database
    assert path is not None
    store = make_store(sqlite_db_url, commit_interval=3600)
    store.start()
    await store.async_wait_ready()
    for i in range(100):
        store.record(event(i))
    await store.async_lock_for_backup()
    try:
        for i in range(100, 150):
            assert store.record(event(i))
        # What a backup does: copy the main file alone while it is locked.
        copy = f"{path}.backup"
        shutil.copyfile(path, copy)
        reader = sqlite3.connect(copy)
        assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert reader.execute("SELECT count(*) FROM integration_reliability").fetchone() == (100,)
        reader.close()
        # Nobody else can write meanwhile.
        writer = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("INSERT INTO ir_domains (domain) VALUES ('intruder')")
        writer.close()
        assert store.stats.queue_depth == 50
    finally:
        await store.async_unlock_after_backup()
    await store.async_flush()
    assert await count_events(store) == 150


async def test_lock_and_unlock_on_every_engine(make_store: MakeStore, db_url: str) -> None:
    store = make_store(db_url, commit_interval=3600)
    store.start()
    await store.async_wait_ready()
    store.record(event(1))
    await store.async_lock_for_backup()
    store.record(event(2))
    await store.async_unlock_after_backup()
    await store.async_flush()
    assert await count_events(store) == 2


async def test_stop_while_locked_does_not_hang(make_store: MakeStore, sqlite_db_url: str) -> None:
    store = make_store(sqlite_db_url)
    store.start()
    await store.async_wait_ready()
    await store.async_lock_for_backup()
    store.record(event(1))
    await store.async_stop()
    assert not store.stats.running
