"""A database incident as the user sees it: sensors, diagnostics, the repair issue, the journal.

A real SQLite file locked by another connection (as another program or a
stuck backup would) while Home Assistant records events; then a stop while
it is still locked, and the next start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path
import sqlite3
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.integration_reliability.const import CONF_DB_URL, DOMAIN
from custom_components.integration_reliability.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.integration_reliability.repairs import INCIDENT_ISSUE_ID
from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.util import DatabaseTimeouts

STATE = "sensor.integration_reliability_database_state"
DROPPED = "sensor.integration_reliability_dropped_records"
QUEUED = "sensor.integration_reliability_write_queue_depth"


FAST_ENGINE: dict[str, Any] = {
    "commit_interval": 0.05,
    "retry_wait": 0.02,
    "max_retry_wait": 0.1,
    "failing_after": 0.3,
    "shutdown_budget": 0.3,
    "timeouts": DatabaseTimeouts(busy=0.05),
}


def _engine_with(**tuning: Any) -> Callable[..., ReliabilityStore]:
    """The integration's engine with test-sized waits (production: seconds)."""

    def _make(*args: Any, **kwargs: Any) -> ReliabilityStore:
        return ReliabilityStore(*args, **{**kwargs, **tuning})

    return _make


@pytest.fixture
def fast_engine() -> Iterator[None]:
    with patch(
        "custom_components.integration_reliability.ReliabilityStore", _engine_with(**FAST_ENGINE)
    ):
        yield


async def _wait_for_state(
    hass: HomeAssistant, entity_id: str, wanted: Callable[[str], bool]
) -> None:
    """Wait (bounded) until the entity's state satisfies `wanted`."""
    done = asyncio.Event()

    @callback
    def _check(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and wanted(new.state):
            done.set()

    unsub = async_track_state_change_event(hass, entity_id, _check)
    try:
        state = hass.states.get(entity_id)
        if state is None or not wanted(state.state):
            async with asyncio.timeout(30):
                await done.wait()
    finally:
        unsub()


async def _record(hass: HomeAssistant, count: int) -> None:
    for i in range(count):
        await hass.services.async_call(
            DOMAIN,
            "record_event",
            {"integration": "homeassistant", "event_type": "reload", "details": {"n": i}},
            blocking=True,
        )


@pytest.mark.usefixtures("fast_engine", "entity_registry_enabled_by_default")
async def test_incident_is_visible_while_it_lasts_and_nothing_is_lost(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    tmp_path: Path,
    issue_registry: ir.IssueRegistry,
) -> None:
    hass.config.config_dir = str(tmp_path)
    db_file = tmp_path / "integration_reliability.db"
    await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "repairs", {})
    entry = MockConfigEntry(domain=DOMAIN, options={CONF_DB_URL: f"sqlite:///{db_file}"})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(STATE).state == "ok"

    blocker = sqlite3.connect(db_file, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        await _record(hass, 3)
        await _wait_for_state(hass, STATE, lambda s: s == "failing")
        assert hass.states.get(QUEUED).state == "3"
        assert hass.states.get(DROPPED).state == "0"
        assert "locked" in hass.states.get(STATE).attributes["last_error"]
        issue = issue_registry.async_get_issue(DOMAIN, INCIDENT_ISSUE_ID)
        assert issue is not None
        assert issue.translation_key == "database_incident"
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["queued"] == "3"
        assert "locked" in issue.translation_placeholders["error"]
        # Diagnostics answer from the engine's counters, without waiting on the database.
        diagnostics = await async_get_config_entry_diagnostics(hass, entry)
        assert diagnostics["engine"]["state"] == "failing"
        assert diagnostics["engine"]["queue_depth"] == 3
        assert "unavailable" in diagnostics["storage"]

        # Home Assistant stops while the file is still locked: spilled, not lost.
        hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
        await hass.async_block_till_done()
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    journal = tmp_path / "integration_reliability.journal"
    assert journal.exists()
    issue = issue_registry.async_get_issue(DOMAIN, INCIDENT_ISSUE_ID)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["spilled"] == "3"

    # The next start writes the journal first.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    store = entry.runtime_data.store
    await store.async_flush()
    assert store.stats.replayed_records == 3
    assert not journal.exists()
    with sqlite3.connect(db_file) as conn:
        assert conn.execute(
            "SELECT count(*) FROM integration_reliability WHERE event_type = 'reload'"
        ).fetchone() == (3,)
    # Kept after recovery until the user dismisses it.
    assert issue_registry.async_get_issue(DOMAIN, INCIDENT_ISSUE_ID) is not None
    await _dismiss(hass, hass_client)
    assert issue_registry.async_get_issue(DOMAIN, INCIDENT_ISSUE_ID) is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def _dismiss(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> None:
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": INCIDENT_ISSUE_ID}
    )
    assert response.status == HTTPStatus.OK
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert response.status == HTTPStatus.OK
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()


@pytest.mark.usefixtures("fast_engine")
async def test_setup_does_not_wait_on_a_slow_database(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, db_file: Path
) -> None:
    """Opening the database takes longer than setup waits: retried later, HA not held up."""
    blocker = sqlite3.connect(db_file, isolation_level=None)
    blocker.execute("CREATE TABLE hold (x INTEGER)")
    blocker.execute("BEGIN EXCLUSIVE")
    started: list[ReliabilityStore] = []

    # The migration waits for the lock as long as SQLite's busy timeout allows.
    slow_engine = _engine_with(timeouts=DatabaseTimeouts(busy=5.0))

    def slow(*args: Any, **kwargs: Any) -> ReliabilityStore:
        store = slow_engine(*args, **kwargs)
        started.append(store)
        return store

    try:
        with (
            patch("custom_components.integration_reliability.ReliabilityStore", slow),
            patch("custom_components.integration_reliability.SETUP_WAIT_SECONDS", 0.2),
        ):
            mock_config_entry.add_to_hass(hass)
            async with asyncio.timeout(3):
                assert not await hass.config_entries.async_setup(mock_config_entry.entry_id)
        assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
        assert "did not open within" in (mock_config_entry.reason or "")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # The abandoned engine finishes opening the file, then stops by itself.
    (store,) = started
    await store.async_stop()
    assert not store.stats.running
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
