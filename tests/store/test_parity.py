"""Same records in, same results out: SQLite, PostgreSQL and MariaDB agree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.records import EventRecord

from .helpers import T0, event

type MakeStore = Callable[..., ReliabilityStore]

RECORDS = [
    event(i, details={"duration_s": i * 0.5, "name": "Küche ☃"} if i % 7 == 0 else None)
    for i in range(600)
]
START, END = T0 + 60.5 * 100, T0 + 60.5 * 200


def _results(session: Session) -> dict[str, Any]:
    per_type = session.execute(
        text(
            "SELECT integration_id, event_type, count(*) FROM integration_reliability"
            " GROUP BY integration_id, event_type ORDER BY integration_id, event_type"
        )
    ).all()
    in_range = session.execute(
        text(
            "SELECT timestamp, entity_id, details FROM integration_reliability"
            " WHERE integration_id = 'entry_2' AND timestamp >= :a AND timestamp < :b"
            " ORDER BY timestamp"
        ),
        {"a": START, "b": END},
    ).all()
    return {
        "per_type": [tuple(r) for r in per_type],
        "in_range": [(r[0], r[1], json.loads(r[2]) if r[2] else None) for r in in_range],
    }


def _expected(records: list[EventRecord]) -> dict[str, Any]:
    counts = Counter((r.integration_id, str(r.event_type)) for r in records)
    in_range = sorted(
        (r.timestamp, r.entity_id, r.details)
        for r in records
        if r.integration_id == "entry_2" and START <= r.timestamp < END
    )
    return {
        "per_type": [(*key, n) for key, n in sorted(counts.items())],
        "in_range": in_range,
    }


async def test_same_results_on_every_engine(make_store: MakeStore, db_url: str) -> None:
    store = make_store(db_url, batch_size=64)
    store.start()
    await store.async_wait_ready()
    for rec in RECORDS:
        store.record(rec)
    await store.async_flush()
    # Every engine must give exactly the Python answer, hence the same answer.
    assert await store.async_run(_results) == _expected(RECORDS)
