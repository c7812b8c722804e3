"""Writer-thread behaviour: batching, durability, overflow, tasks, jobs, stop."""

from __future__ import annotations

from collections.abc import Callable
import logging
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.core import (
    ReliabilityStore,
    StoreStoppedError,
)
from custom_components.integration_reliability.store.records import TrackedEntityRecord
from custom_components.integration_reliability.store.schema import ProcessingJob, TrackedEntity
from custom_components.integration_reliability.store.tasks import StoreTask

from .conftest import RecordingListener
from .helpers import count_events, event, expected_rows, view_rows

type MakeStore = Callable[..., ReliabilityStore]


async def test_records_accepted_before_stop_are_on_disk_after_restart(
    make_store: MakeStore, db_url: str
) -> None:
    store = make_store(db_url, commit_interval=3600)
    store.start()
    await store.async_wait_ready()
    records = [event(i) for i in range(2500)]
    assert all(store.record(r) for r in records)
    await store.async_stop()
    assert store.stats.running is False
    assert store.stats.committed_records == 2500

    reopened = make_store(db_url)
    reopened.start()
    await reopened.async_wait_ready()
    assert await reopened.async_run(view_rows) == expected_rows(records)


async def test_batch_size_triggers_a_commit(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener
) -> None:
    store = make_store(sqlite_db_url, commit_interval=3600, batch_size=10, listener=listener)
    store.start()
    await store.async_wait_ready()
    for i in range(25):
        store.record(event(i))
    # No flush: two full batches are committed on their own, the rest waits.
    await listener.wait_for(lambda: sum(listener.committed) >= 20)
    assert listener.committed[:2] == [10, 10]
    assert listener.threads == {"integration_reliability_writer"}
    await store.async_flush()
    assert await count_events(store) == 25


async def test_commit_interval_triggers_a_commit(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener
) -> None:
    store = make_store(sqlite_db_url, commit_interval=0.01, batch_size=1000, listener=listener)
    store.start()
    await store.async_wait_ready()
    store.record(event(1))
    await listener.wait_for(lambda: listener.committed == [1])
    assert store.stats.committed_records == 1
    assert store.stats.last_commit is not None


async def test_overflow_is_dropped_counted_and_logged_once(
    make_store: MakeStore, sqlite_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = make_store(sqlite_db_url, queue_size=5)
    # Not started yet: the queue fills up exactly as when the writer is stuck.
    with caplog.at_level(logging.WARNING):
        accepted = [store.record(event(i)) for i in range(8)]
    assert accepted == [True] * 5 + [False] * 3
    assert store.stats.dropped_records == 3
    assert store.stats.queue_depth == 5
    assert sum("queue is full" in r.message for r in caplog.records) == 1
    store.start()
    await store.async_wait_ready()
    await store.async_flush()
    assert await count_events(store) == 5
    assert store.stats.queue_depth == 0


class _CountingTask(StoreTask):
    """Each slice stores how many events exist when it runs."""

    def __init__(self, slices: int) -> None:
        self.slices = slices

    def run(self, session: Session) -> StoreTask | None:
        seen = session.execute(text("SELECT count(*) FROM ir_events")).scalar_one()
        session.add(
            ProcessingJob(job_type="test", started_at=0.0, status="ok", rows_processed=seen)
        )
        return _CountingTask(self.slices - 1) if self.slices > 1 else None


async def test_task_slices_are_requeued_behind_waiting_writes(
    make_store: MakeStore, sqlite_db_url: str
) -> None:
    store = make_store(sqlite_db_url, commit_interval=3600)
    store.start()
    await store.async_wait_ready()
    assert store.queue_task(_CountingTask(3))
    for i in range(5):
        store.record(event(i))
    await store.async_flush()
    for i in range(5, 7):
        store.record(event(i))
    await store.async_flush()
    seen = await store.async_run(
        lambda s: list(s.scalars(select(ProcessingJob.rows_processed).order_by(ProcessingJob.id)))
    )
    # Slice 1 ran first; slice 2 only after the 5 events queued behind it.
    assert seen[:2] == [0, 5]
    assert len(seen) == 3


async def test_async_run_returns_result_and_propagates_errors(
    make_store: MakeStore, sqlite_db_url: str
) -> None:
    store = make_store(sqlite_db_url, commit_interval=3600)
    store.start()
    await store.async_wait_ready()
    store.record(event(1))
    # Runs after the queued record is written.
    assert await count_events(store) == 1
    assert await store.async_run(lambda _s: threading.current_thread().name) == (
        "integration_reliability_writer"
    )

    def boom(_session: Session) -> None:
        raise ValueError("job failed")

    with pytest.raises(ValueError, match="job failed"):
        await store.async_run(boom)
    # The writer keeps going after a failed job.
    store.record(event(2))
    assert await count_events(store) == 2


async def test_tracked_entity_is_upserted(make_store: MakeStore, db_url: str) -> None:
    store = make_store(db_url)
    store.start()
    await store.async_wait_ready()
    store.track_entity(TrackedEntityRecord("sensor.a", "entry_1", "zha", "zha", first_seen=100.0))
    store.track_entity(TrackedEntityRecord("sensor.b", "entry_1", "zha", "zha", first_seen=100.0))
    await store.async_flush()
    store.track_entity(
        TrackedEntityRecord("sensor.a", "entry_1", "zha", "zha", area="Kitchen", first_seen=200.0)
    )
    await store.async_flush()
    rows = await store.async_run(
        lambda s: [
            (r.entity_id, r.area, r.first_seen)
            for r in s.scalars(select(TrackedEntity).order_by(TrackedEntity.entity_id))
        ]
    )
    assert rows == [("sensor.a", "Kitchen", 100.0), ("sensor.b", None, 100.0)]


async def test_events_without_entity_and_new_lookups(make_store: MakeStore, db_url: str) -> None:
    store = make_store(db_url)
    store.start()
    await store.async_wait_ready()
    records = [event(1, entity_id=None), event(2, integration_domain="brand_new")]
    for r in records:
        store.record(r)
    await store.async_flush()
    assert await store.async_run(view_rows) == expected_rows(records)


async def test_stop_leaves_nothing_running(make_store: MakeStore, sqlite_db_url: str) -> None:
    store = make_store(sqlite_db_url)
    store.start()
    await store.async_wait_ready()
    assert store.stats.running
    await store.async_stop()
    # (pytest-homeassistant-custom-component also fails any test leaving a thread.)
    assert "integration_reliability_writer" not in {t.name for t in threading.enumerate()}
    assert not store.stats.running
    assert store.record(event(1)) is False
    with pytest.raises(StoreStoppedError):
        await store.async_flush()


async def test_request_stop_is_non_blocking_and_still_writes(
    make_store: MakeStore, sqlite_db_url: str
) -> None:
    store = make_store(sqlite_db_url, commit_interval=3600)
    store.start()
    await store.async_wait_ready()
    store.record(event(1))
    store.request_stop()
    await store.async_stop()
    reopened = make_store(sqlite_db_url)
    reopened.start()
    await reopened.async_wait_ready()
    assert await count_events(reopened) == 1


def test_url_redacted_hides_password() -> None:
    store = ReliabilityStore("postgresql://user:s3cret@db.local/ha")
    assert "s3cret" not in store.url_redacted
    assert store.stats.backend == "postgresql"
    assert store.stats.running is False
