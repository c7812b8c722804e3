"""Storage monitoring on SQLite: size, per table and tier, rows, growth estimate."""

from __future__ import annotations

from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.planner import rollup_incremental
from custom_components.integration_reliability.store.storage import (
    database_size,
    row_counts,
    storage_stats,
)

from .test_rollup import local
from .test_rollup_data import (
    AMS,
    Writer,
    generate,
    no_hass_fixture,  # noqa: F401
    session_fixture,  # noqa: F401
)


def test_storage_stats(session: Session) -> None:
    writer = Writer(session)
    start, end = local(AMS, 2026, 5, 1), local(AMS, 2026, 5, 15)
    generate(writer, start, end, integrations=2)
    rollup_incremental(session, AMS, end + 600)
    counts = row_counts(session)
    assert counts["ir_events"] == len(writer.events)
    assert counts["tracked_entities"] == len(writer.tracked)
    stats = storage_stats(session, now=end)
    assert stats["backend"] == "sqlite"
    assert stats["database_bytes"] == database_size(session) > 0
    tables = stats["tables"]
    assert tables["ir_events"]["rows"] == len(writer.events)
    assert tables["ir_events"]["bytes"] > 0
    assert stats["tiers"]["raw_events"] >= tables["ir_events"]["bytes"]
    assert stats["tiers"]["rollups"] == tables["integration_metrics"]["bytes"] > 0
    recent = sum(1 for e in writer.events if e.ts >= end - 7 * 86400)
    assert stats["events_per_day"] == recent / 7
    assert stats["growth_bytes_per_day"] > 0
    assert stats["growth_is_estimate"] is True
