"""Backup hooks hold the database still and lose nothing."""

from __future__ import annotations

from pathlib import Path
import sqlite3

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.integration_reliability.backup import (
    async_post_backup,
    async_pre_backup,
)
from custom_components.integration_reliability.store.records import EventRecord, EventType


def _count(db_file: Path) -> int:
    with sqlite3.connect(db_file) as conn:
        return int(conn.execute("SELECT count(*) FROM ir_events").fetchone()[0])


async def test_events_during_a_backup_are_written_after_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, db_file: Path
) -> None:
    store = init_integration.runtime_data.store
    store.record(EventRecord("before", "before", EventType.RELOAD, 1_790_000_000.0))
    await async_pre_backup(hass)
    # Everything accepted before the backup is in the file being copied.
    assert _count(db_file) == 1
    store.record(EventRecord("during", "during", EventType.RELOAD, 1_790_000_001.0))
    assert _count(db_file) == 1
    await async_post_backup(hass)
    await store.async_flush()
    assert _count(db_file) == 2


async def test_a_database_that_cannot_be_locked_does_not_fail_the_backup(
    hass: HomeAssistant, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    store = init_integration.runtime_data.store
    await store.async_lock_for_backup()
    # A second lock cannot be had while the first is held: the engine refuses.
    await async_pre_backup(hass)
    assert "may be inconsistent" in caplog.text
    await async_post_backup(hass)
