"""Setting up, reloading, unloading and stopping the integration."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import sqlite3

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.integration_reliability.const import CONF_GRACE_PERIOD, DOMAIN
from custom_components.integration_reliability.store.records import EventRecord, EventType

from .flaky import FlakyIntegration


def _events(db_file: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(db_file) as conn:
        return conn.execute(
            "SELECT integration_domain, event_type, entity_id FROM integration_reliability"
            " ORDER BY id"
        ).fetchall()


async def test_setup_and_unload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    overall = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert {e.translation_key for e in overall} >= {"problem_integrations", "events_recorded"}

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_default_database_in_config_folder(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.config_dir = str(tmp_path)
    await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert (tmp_path / "integration_reliability.db").exists()
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_outage_end_to_end(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    flaky: FlakyIntegration,
    freezer: FrozenDateTimeFactory,
    db_file: Path,
) -> None:
    """A real outage is recorded with its true start and shows on the sensors."""
    zigbee = await flaky.async_add_entry(count=3, title="Zigbee")
    await hass.async_block_till_done()
    flaky.go_unavailable(zigbee, 2)
    freezer.tick(timedelta(seconds=90))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=60))
    flaky.recover(zigbee, 2)
    await init_integration.runtime_data.store.async_flush()
    await hass.async_block_till_done()

    events = _events(db_file)
    assert events.count(("flaky", "unavailable", flaky.entity_ids(zigbee)[0])) == 1
    assert events.count(("flaky", "recovered", flaky.entity_ids(zigbee)[1])) == 1

    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    outages = hass.states.get("sensor.zigbee_outages_today")
    assert outages is not None
    assert outages.state == "2"


async def test_final_write_commits_everything_queued(
    hass: HomeAssistant, init_integration: MockConfigEntry, db_file: Path
) -> None:
    store = init_integration.runtime_data.store
    for n in range(50):
        assert store.record(EventRecord("manual", "manual", EventType.RELOAD, 1_700_000_000.0 + n))
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert len([e for e in _events(db_file) if e[0] == "manual"]) == 50


async def test_options_change_reloads(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    old_store = init_integration.runtime_data.store
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, CONF_GRACE_PERIOD: 10}
    )
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.store is not old_store
    assert init_integration.runtime_data.settings.grace_period == 10


async def test_database_newer_than_code_is_refused(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    db_file: Path,
    issue_registry: ir.IssueRegistry,
) -> None:
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
        conn.execute("CREATE TABLE keep_me (x INTEGER)")
    mock_config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert issue_registry.async_get_issue(DOMAIN, "database_schema_too_new") is not None
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT count(*) FROM keep_me").fetchone() == (0,)


@pytest.mark.parametrize("url", ["postgresql://nobody@127.0.0.1:1/none"])
async def test_unreachable_database_retries_later(hass: HomeAssistant, url: str) -> None:
    entry = MockConfigEntry(domain=DOMAIN, options={"db_url": url})
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_stale_issues_are_cleared_when_the_engine_runs(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Issues that described the previous run no longer hold once we are up."""
    for issue_id in ("database_connect_failed", "heal_breaker_open_01JOLDENTRY"):
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="database_connect_failed",
        )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, "database_connect_failed") is None
    assert issue_registry.async_get_issue(DOMAIN, "heal_breaker_open_01JOLDENTRY") is None
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
