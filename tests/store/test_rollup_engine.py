"""End to end through the engine, on every backend: record → RollupTask → query."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.planner import RollupResult
from custom_components.integration_reliability.store.queries import get_metrics, get_totals
from custom_components.integration_reliability.store.records import (
    EventRecord,
    EventType,
    TrackedEntityRecord,
)
from custom_components.integration_reliability.store.tasks import RollupTask

from .test_rollup import METRICS, assert_same, local
from .test_rollup_data import AMS, Ev, Tracked, Writer, generate, reference_metrics


class _Collector(Writer):
    """Collects generated data instead of inserting it."""

    def add(self, *events: Ev) -> None:
        self.events.extend(events)

    def track(self, *items: Tracked) -> None:
        self.tracked.extend(items)


async def test_record_rollup_query_on_every_backend(
    make_store: Callable[..., ReliabilityStore], db_url: str
) -> None:
    start, end = local(AMS, 2026, 3, 28), local(AMS, 2026, 3, 31)  # spans the DST change
    data = _Collector(session=None)  # type: ignore[arg-type]
    generate(data, start, end, seed=21, integrations=3)
    store = make_store(db_url, commit_interval=3600)
    store.start()
    await store.async_wait_ready()
    for t in data.tracked:
        assert store.track_entity(
            TrackedEntityRecord(
                t.entity_id,
                t.integration_id,
                t.domain,
                t.domain,
                first_seen=t.first_seen,
                removed_at=t.removed_at,
            )
        )
    for ev in sorted(data.events, key=lambda e: e.ts):
        assert store.record(
            EventRecord(
                ev.integration_id,
                ev.domain,
                EventType(ev.event_type),
                ev.ts,
                ev.entity_id,
                ev.details,
            )
        )
    await store.async_flush()

    loop = asyncio.get_running_loop()
    done: asyncio.Future[RollupResult] = loop.create_future()
    task = RollupTask(
        AMS,
        now=lambda: end + 600,
        max_hours=6,
        on_done=lambda result: loop.call_soon_threadsafe(done.set_result, result),
    )
    assert store.queue_task(task)
    result = await asyncio.wait_for(done, 60)
    assert result.error is None
    assert result.frontier == end
    assert result.hours <= 3 * 24 - 1  # 71 real hours: the spring DST day has 23

    days: list[dict[str, Any]] = await store.async_run(
        partial(get_metrics, period="day", start=start, end=end)
    )
    assert len(days) == 3 * 3
    for row in days:
        ref = reference_metrics(
            data.events, data.tracked, row["integration_id"], row["period_start"], row["period_end"]
        )
        assert_same(
            row | {"repair_seconds_total": ref["repair_seconds_total"]},
            ref,
            (row["integration_id"], row["period_start"]),
        )
    hours: list[dict[str, Any]] = await store.async_run(
        partial(get_metrics, period="hour", start=start, end=end)
    )
    assert len(hours) > 100
    for row in hours:
        ref = reference_metrics(
            data.events, data.tracked, row["integration_id"], row["period_start"], row["period_end"]
        )
        assert_same(
            row | {"repair_seconds_total": ref["repair_seconds_total"]},
            ref,
            (row["integration_id"], row["period_start"]),
        )
    totals = await store.async_run(partial(get_totals, start=start, end=end, tz=AMS))
    for row in totals:
        ref = reference_metrics(data.events, data.tracked, row["integration_id"], start, end)
        for name in METRICS:
            if name != "entities_affected":
                assert row[name] == pytest.approx(ref[name]), name
