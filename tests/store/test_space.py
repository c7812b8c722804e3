"""Disk space follows the data: a purge gives SQLite pages back to the file system."""

from __future__ import annotations

from collections.abc import Callable
import os
import sqlite3
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.planner import rollup_incremental
from custom_components.integration_reliability.store.purge import (
    RECLAIM_PAGES,
    PurgeResult,
    purge,
)
from custom_components.integration_reliability.store.storage import database_space

from .helpers import T0, event

type MakeStore = Callable[..., ReliabilityStore]
UTC = ZoneInfo("UTC")
DAY = 86400.0
NOW = T0 + 11 * DAY


def _file_bytes(url: str) -> int:
    path = make_url(url).database
    assert path is not None
    return os.path.getsize(path)


def _pragma(session: Session, name: str) -> int:
    return int(session.execute(text(f"PRAGMA {name}")).scalar_one())


async def _filled(make_store: MakeStore, url: str) -> ReliabilityStore:
    """10 days of events with some details; rolled up, so the raw tier can go."""
    store = make_store(url, batch_size=5000)
    store.start()
    await store.async_wait_ready()
    for i in range(10_000):
        store.record(
            event(i, timestamp=T0 + i * 86.4, details={"note": f"{i:06d}" * 16})  # 10 days
        )
    await store.async_flush()
    await store.async_run(lambda s: rollup_incremental(s, UTC, NOW))
    await store.async_run(lambda s: s.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).all())
    return store


async def test_purge_gives_space_back_in_bounded_steps(
    make_store: MakeStore, sqlite_db_url: str
) -> None:
    store = await _filled(make_store, sqlite_db_url)
    assert await store.async_run(lambda s: _pragma(s, "auto_vacuum")) == 2  # incremental
    before = _file_bytes(sqlite_db_url)
    result: PurgeResult = await store.async_run(
        lambda s: purge(s, UTC, now=NOW, keep_days=1, batch_size=2000)
    )
    after = _file_bytes(sqlite_db_url)
    removed = result.removed["ir_events"]
    assert removed > 8_000
    # Most of the file went back to the disk, without a VACUUM.
    assert not result.repacked
    assert after < before * 0.6
    assert before - after >= result.reclaimed_bytes * 0.9
    page_size, free = await store.async_run(
        lambda s: (_pragma(s, "page_size"), _pragma(s, "freelist_count"))
    )
    assert free == 0
    # Bounded steps: no slice gave back more than RECLAIM_PAGES pages.
    assert result.reclaimed_bytes <= (result.batches + 64) * RECLAIM_PAGES * page_size
    size, reusable = await store.async_run(database_space)
    assert reusable == 0
    assert size >= after  # and the WAL


async def test_old_file_is_switched_to_incremental_by_one_repack(
    make_store: MakeStore, sqlite_db_url: str
) -> None:
    path = make_url(sqlite_db_url).database
    assert path is not None
    store = await _filled(make_store, sqlite_db_url)
    await store.async_stop()
    # A file written before this version: auto-vacuum off.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA auto_vacuum = NONE")
        conn.execute("VACUUM")
    store = make_store(sqlite_db_url)
    store.start()
    await store.async_wait_ready()
    assert await store.async_run(lambda s: _pragma(s, "auto_vacuum")) == 0
    before = _file_bytes(sqlite_db_url)

    result: PurgeResult = await store.async_run(
        lambda s: purge(s, UTC, now=NOW, keep_days=1, batch_size=5000)
    )
    assert result.repacked
    assert await store.async_run(lambda s: _pragma(s, "auto_vacuum")) == 2
    assert _file_bytes(sqlite_db_url) < before * 0.6
