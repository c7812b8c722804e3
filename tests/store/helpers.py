"""Small builders shared by the storage engine tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.records import EventRecord, EventType

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def event(i: int, *, integration: int | None = None, **overrides: Any) -> EventRecord:
    """A deterministic event: 5 integrations over 3 domains, 20 entities."""
    integ = i % 5 if integration is None else integration
    fields: dict[str, Any] = {
        "integration_id": f"entry_{integ}",
        "integration_domain": ("zha", "mqtt", "hue")[integ % 3],
        "event_type": EventType.RECOVERED if i % 2 else EventType.UNAVAILABLE,
        "timestamp": T0 + i * 60.5,
        "entity_id": f"sensor.device_{i % 20}",
        "details": {"duration_s": 12.5 + i} if i % 2 else None,
    }
    fields.update(overrides)
    return EventRecord(**fields)


def view_rows(session: Session) -> list[tuple[Any, ...]]:
    """All events through the seed-named view, in insertion order."""
    return [
        tuple(row)
        for row in session.execute(
            text(
                "SELECT integration_id, integration_domain, timestamp, event_type, entity_id,"
                " details FROM integration_reliability ORDER BY id"
            )
        )
    ]


def expected_rows(records: list[EventRecord]) -> list[tuple[Any, ...]]:
    """What view_rows returns for these records."""
    import json

    return [
        (
            r.integration_id,
            r.integration_domain,
            r.timestamp,
            str(r.event_type),
            r.entity_id,
            json.dumps(r.details, separators=(",", ":")) if r.details else None,
        )
        for r in records
    ]


async def count_events(store: ReliabilityStore) -> int:
    """Number of stored events (read in the writer thread)."""
    return int(
        await store.async_run(
            lambda s: s.execute(text("SELECT count(*) FROM ir_events")).scalar_one()
        )
    )
