"""The schedule: hourly rollups, daily insights, nightly purge."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
import sqlite3

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.records import EventRecord, EventType
from custom_components.integration_reliability.store.tasks import StoreTask

from .flaky import FlakyIntegration


def _rows(db_file: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql).fetchall()


async def _settle(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Let queued writer-thread work (and its re-queued slices) finish."""
    for _ in range(3):
        await entry.runtime_data.store.async_flush()
        await hass.async_block_till_done()


@pytest.fixture(autouse=True)
async def _local_time_zone(hass: HomeAssistant) -> None:
    await hass.config.async_set_time_zone("Europe/Amsterdam")


async def test_hourly_rollup_runs_after_each_hour(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    flaky: FlakyIntegration,
    db_file: Path,
) -> None:
    freezer.move_to("2026-11-02 10:00:00+01:00")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    plugs = await flaky.async_add_entry(count=1, title="Plugs")
    flaky.go_unavailable(plugs)
    freezer.tick(timedelta(minutes=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    flaky.recover(plugs)
    await _settle(hass, mock_config_entry)
    assert _rows(db_file, "SELECT count(*) FROM integration_metrics") == [(0,)]

    freezer.move_to("2026-11-02 11:06:00+01:00")
    async_fire_time_changed(hass)
    await _settle(hass, mock_config_entry)
    hours = _rows(
        db_file,
        "SELECT unavailable_events, unavailable_seconds FROM integration_metrics"
        " WHERE period = 'hour' AND integration_domain = 'flaky'",
    )
    assert hours == [(1, 600.0)]
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    assert mock_config_entry.runtime_data.coordinator.data.last_aggregation is not None
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_daily_insights_and_nightly_purge(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    db_file: Path,
) -> None:
    freezer.move_to("2026-11-02 00:00:00+01:00")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    store = mock_config_entry.runtime_data.store
    yesterday = dt_util.utcnow().timestamp() - 12 * 3600
    store.record(EventRecord("zha", "zha", EventType.UNAVAILABLE, yesterday, "light.a"))
    store.record(EventRecord("zha", "zha", EventType.RECOVERED, yesterday + 60, "light.a"))
    await _settle(hass, mock_config_entry)

    freezer.move_to("2026-11-02 00:20:00+01:00")
    async_fire_time_changed(hass)
    await _settle(hass, mock_config_entry)
    kinds = {row[0] for row in _rows(db_file, "SELECT insight_type FROM pattern_insights")}
    assert kinds == {"top_failures", "time_of_day", "correlation"}

    freezer.move_to("2026-11-02 04:12:00+01:00")
    async_fire_time_changed(hass)
    await _settle(hass, mock_config_entry)
    jobs = _rows(db_file, "SELECT status FROM processing_jobs WHERE job_type = 'purge'")
    assert jobs == [("success",)]
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_waiting_callers_are_released_at_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An action waiting for a long job fails cleanly when the entry unloads."""
    runtime = init_integration.runtime_data
    await runtime.store.async_lock_for_backup()
    task = hass.async_create_task(runtime.analytics.async_purge(None))
    # One turn of the loop: the purge is queued behind the lock and waiting.
    await asyncio.sleep(0)
    assert not task.done()
    runtime.analytics.async_stop()
    with pytest.raises(HomeAssistantError):
        await task
    await runtime.store.async_unlock_after_backup()


class _BrokenSlice(StoreTask):
    """A job whose second slice fails, as a broken query would."""

    def __init__(self) -> None:
        self.slices = 0

    def run(self, session: Session) -> StoreTask | None:
        self.slices += 1
        if self.slices == 2:
            raise ValueError("broken slice")
        return self


async def test_a_failing_job_fails_its_caller_instead_of_hanging(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    job = _BrokenSlice()
    with pytest.raises(ValueError, match="broken slice"):
        await init_integration.runtime_data.analytics._async_run_task(lambda _done: job)
    assert job.slices == 2
    # The engine carries on.
    await init_integration.runtime_data.store.async_flush()
