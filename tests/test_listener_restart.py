"""What the monitor carries over a restart, and what that costs at start-up."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.capture.restore import (
    query_open_outages,
    query_open_spells,
)
from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.planner import rollup_incremental
from custom_components.integration_reliability.store.records import EventRecord, EventType

from .flaky import FlakyIntegration
from .test_listener import StartMonitor, advance, rows, start_monitor, store

__all__ = ["start_monitor", "store"]

DAY = 86400.0


def _record(
    store: ReliabilityStore,
    event_type: EventType,
    ts: float,
    entity_id: str,
    details: dict[str, Any] | None = None,
) -> None:
    assert store.record(EventRecord("entry_z", "zigbee", event_type, ts, entity_id, details))


async def _spell_rows(store: ReliabilityStore) -> dict[str, list[dict[str, Any]]]:
    """Spell rows per integration; damaged details read as None."""
    await store.async_flush()

    def job(session: Session) -> list[tuple[str, str, str | None]]:
        return [
            (row[0], row[1], row[2])
            for row in session.execute(
                text(
                    "SELECT integration_id, event_type, details FROM integration_reliability "
                    "WHERE event_type IN ('setup_retry', 'setup_failure') ORDER BY id"
                )
            )
        ]

    found: dict[str, list[dict[str, Any]]] = {}
    for integration_id, event_type, raw in await store.async_run(job):
        try:
            details = json.loads(raw or "null")
        except ValueError:
            details = None
        found.setdefault(integration_id, []).append({"type": event_type, "details": details})
    return found


def _plans(session: Session, run: Any) -> tuple[Any, list[str]]:
    """Run `run(session)`; return its result and the SQLite plan of every statement it ran."""
    statements: list[tuple[str, Any]] = []

    def _seen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", _seen)
    try:
        result = run(session)
    finally:
        event.remove(engine, "before_cursor_execute", _seen)
    connection = session.connection()
    plans = [
        " | ".join(
            str(row[-1])
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
        )
        for sql, params in statements
        if "ir_events" in sql or "FROM integration_reliability" in sql
    ]
    return result, plans


async def test_startup_reads_the_checkpoint_and_recent_rows_only(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """Old closed outages are behind the rollup checkpoint: start-up never scans them."""
    freezer.move_to("2025-03-01 12:00:00+00:00")
    now = dt_util.utcnow().timestamp()
    # Far in the past: a closed outage, and one closed under a new id after a rename.
    _record(store, EventType.UNAVAILABLE, now - 60 * DAY, "sensor.old")
    _record(store, EventType.RECOVERED, now - 60 * DAY + 100, "sensor.old", {"duration_s": 100})
    _record(store, EventType.UNAVAILABLE, now - 50 * DAY, "sensor.before")
    _record(
        store,
        EventType.RECOVERED,
        now - 50 * DAY + 50,
        "sensor.after",
        {"duration_s": 50, "renamed_from": "sensor.before"},
    )
    # A dead device, down for 40 days and still down.
    _record(store, EventType.UNAVAILABLE, now - 40 * DAY, "sensor.dead")
    _record(store, EventType.BLIP, now - 2 * DAY, "sensor.dead", {"count": 1})
    await store.async_flush()
    hours = await store.async_run(
        lambda session: rollup_incremental(session, ZoneInfo("UTC"), now - 2 * 3600)
    )
    assert hours > 24 * 50
    # After the checkpoint: one new open outage, one closed, one renamed and closed.
    _record(store, EventType.UNAVAILABLE, now - 1800, "sensor.recent")
    _record(store, EventType.UNAVAILABLE, now - 1700, "sensor.back")
    _record(store, EventType.RECOVERED, now - 1600, "sensor.back", {"duration_s": 100})
    _record(store, EventType.UNAVAILABLE, now - 1500, "sensor.moved")
    _record(
        store,
        EventType.RECOVERED,
        now - 1400,
        "sensor.moved_new",
        {"duration_s": 100, "renamed_from": "sensor.moved"},
    )
    await store.async_flush()

    outages, plans = await store.async_run(lambda s: _plans(s, query_open_outages))
    assert {o.entity_id: o.start for o in outages} == {
        "sensor.dead": now - 40 * DAY,
        "sensor.recent": now - 1800,
    }
    assert {(o.integration_id, o.integration_domain) for o in outages} == {("entry_z", "zigbee")}
    # One read of the event table, a range of the timestamp index bounded
    # below by the checkpoint: the rollup's checkpoint already accounts for
    # renames before it.
    assert len(plans) == 1
    for plan in plans:
        assert plan.startswith("SEARCH ir_events USING INDEX"), plan
        assert "timestamp>?" in plan, plan
    spells, spell_plans = await store.async_run(lambda s: _plans(s, query_open_spells))
    assert spells == []
    assert spell_plans == []  # no spell was ever recorded: nothing to read

    # And the monitor resumes exactly these.
    hass.set_state(CoreState.starting)
    monitor = await start_monitor()
    assert monitor.open_outages() == {"sensor.dead": now - 40 * DAY, "sensor.recent": now - 1800}
    assert monitor.unavailable_now() == {"entry_z": 2}
    hass.set_state(CoreState.running)


async def test_failure_spells_carried_over_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """Open spells are resumed (same row) or closed with `restart_gap` at start-up."""
    cloud = FlakyIntegration(hass, "cloud")
    first = await start_monitor()
    entries = {}
    for name, mode in (
        ("still_failing", "not_ready"),
        ("fixed", "not_ready"),
        ("removed", "not_ready"),
        ("disabled", "error"),
    ):
        entry = await cloud.async_add_entry(1, setup=False, title=name)
        cloud.fail_setup(entry, mode)
        await hass.config_entries.async_setup(entry.entry_id)
        entries[name] = entry
    await hass.async_block_till_done()
    assert first.problem_integrations() == {entry.entry_id for entry in entries.values()}
    await first.async_stop()
    # A spell row whose details were damaged is still carried over.
    still = entries["still_failing"].entry_id

    def damage(session: Session) -> None:
        session.execute(
            text(
                "UPDATE ir_events SET details = '{not json' WHERE integration_ref = "
                "(SELECT id FROM ir_integrations WHERE integration_id = :iid)"
            ),
            {"iid": still},
        )

    await store.async_run(damage)

    # While we were not running: one got fixed, one removed, one disabled.
    cloud.fail_setup(entries["fixed"], None)
    await advance(hass, freezer, 300)
    assert entries["fixed"].state is ConfigEntryState.LOADED
    await hass.config_entries.async_remove(entries["removed"].entry_id)
    await hass.config_entries.async_set_disabled_by(
        entries["disabled"].entry_id, ConfigEntryDisabler.USER
    )
    await hass.async_block_till_done()

    second = await start_monitor()
    assert second.problem_integrations() == {still}
    spells = await _spell_rows(store)
    for name, outcome in (("fixed", "loaded"), ("removed", "removed"), ("disabled", "disabled")):
        [row] = spells[entries[name].entry_id]
        assert row["details"]["outcome"] == outcome, name
        assert row["details"]["restart_gap"] is True
    assert spells[entries["disabled"].entry_id][0]["type"] == "setup_failure"
    assert spells[still] == [{"type": "setup_retry", "details": None}]

    # The resumed spell keeps its row and start, and ends when the entry loads.
    cloud.fail_setup(entries["still_failing"], None)
    await advance(hass, freezer, 600)
    assert entries["still_failing"].state is ConfigEntryState.LOADED
    assert second.problem_integrations() == set()
    [spell] = (await _spell_rows(store))[still]
    assert spell["details"]["outcome"] == "loaded"
    assert spell["details"]["restart_gap"] is True
    assert spell["details"]["duration_s"] >= 900


async def test_startup_survives_an_unreadable_history(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """If the carried-over state cannot be read, monitoring still starts."""
    await store.async_run(lambda s: s.execute(text("DROP TABLE processing_jobs")))
    _record(store, EventType.UNAVAILABLE, 1.0, "sensor.x")
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    monitor = await start_monitor()
    assert "are not resumed" in caplog.text
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 61)
    assert monitor.unavailable_now() == {entry.entry_id: 1}
    assert [row["entity_id"] for row in await rows(store, "unavailable")] == [
        "sensor.x",
        zigbee.entity_ids(entry)[0],
    ]
