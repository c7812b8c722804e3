"""ReliabilityMonitor with a real store and the `flaky` test integration."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CoreState, HomeAssistant, State
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
)
from sqlalchemy import text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.capture.monitor import ReliabilityMonitor
from custom_components.integration_reliability.const import (
    EVENT_OUTAGE_ENDED,
    EVENT_OUTAGE_STARTED,
)
from custom_components.integration_reliability.settings import ReliabilitySettings
from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.util import sqlite_url

from .flaky import FlakyIntegration

type StartMonitor = Callable[..., Awaitable[ReliabilityMonitor]]


def new_store(path: Path) -> ReliabilityStore:
    return ReliabilityStore(sqlite_url(str(path)), commit_interval=0.05)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncGenerator[ReliabilityStore]:
    store = new_store(tmp_path / "reliability.db")
    store.start()
    await store.async_wait_ready()
    yield store
    await store.async_stop()


@pytest.fixture
async def start_monitor(
    hass: HomeAssistant, store: ReliabilityStore
) -> AsyncGenerator[StartMonitor]:
    monitors: list[ReliabilityMonitor] = []

    async def _start(
        settings: ReliabilitySettings | None = None,
        *,
        own_entry_id: str = "own_entry",
        on_change: Callable[[], None] | None = None,
        use_store: ReliabilityStore | None = None,
    ) -> ReliabilityMonitor:
        monitor = ReliabilityMonitor(
            hass,
            settings or ReliabilitySettings(),
            use_store or store,
            own_entry_id=own_entry_id,
            on_change=on_change or (lambda: None),
        )
        await monitor.async_start()
        monitors.append(monitor)
        return monitor

    yield _start
    for monitor in monitors:
        await monitor.async_stop()


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    # HA runs setup retries as background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)


async def rows(store: ReliabilityStore, event_type: str | None = None) -> list[dict[str, Any]]:
    """What a user sees in the `integration_reliability` view."""
    await store.async_flush()

    def job(session: Session) -> list[dict[str, Any]]:
        result = session.execute(
            text(
                "SELECT integration_id, integration_domain, event_type, entity_id, timestamp, "
                "details FROM integration_reliability ORDER BY id"
            )
        ).mappings()
        return [
            {**row, "details": json.loads(row["details"]) if row["details"] else None}
            for row in result
        ]

    found = await store.async_run(job)
    return [row for row in found if event_type is None or row["event_type"] == event_type]


async def tracked(store: ReliabilityStore) -> dict[str, dict[str, Any]]:
    await store.async_flush()

    def job(session: Session) -> dict[str, dict[str, Any]]:
        result = session.execute(text("SELECT * FROM tracked_entities")).mappings()
        return {row["entity_id"]: dict(row) for row in result}

    return await store.async_run(job)


# --------------------------------------------------------------------- filter


async def test_filter_rejects_ordinary_changes(
    hass: HomeAssistant, start_monitor: StartMonitor
) -> None:
    monitor = await start_monitor()
    a, b = State("sensor.x", "1"), State("sensor.x", "2")
    down = State("sensor.x", "unavailable")
    unknown = State("sensor.x", "unknown")
    data: Any = {"entity_id": "sensor.x"}
    assert not monitor._filter({**data, "old_state": a, "new_state": b})
    assert not monitor._filter({**data, "old_state": down, "new_state": down})
    assert not monitor._filter({**data, "old_state": a, "new_state": unknown})
    assert monitor._filter({**data, "old_state": a, "new_state": down})
    assert monitor._filter({**data, "old_state": down, "new_state": a})
    assert monitor._filter({**data, "old_state": None, "new_state": a})
    assert monitor._filter({**data, "old_state": a, "new_state": None})


# --------------------------------------------------------------------- scenarios


async def test_zigbee_coordinator_drop(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """100 entities down at once, back after 3 min: 100 outages, true durations."""
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(100)
    changes: list[int] = []
    monitor = await start_monitor(on_change=lambda: changes.append(1))
    started = async_capture_events(hass, EVENT_OUTAGE_STARTED)
    ended = async_capture_events(hass, EVENT_OUTAGE_ENDED)

    drop_at = zigbee.sensors(entry)[0].hass.states.get(zigbee.entity_ids(entry)[0])
    assert drop_at is not None
    zigbee.go_unavailable(entry)
    down_ts = hass.states.get(zigbee.entity_ids(entry)[0]).last_changed_timestamp  # type: ignore[union-attr]
    await advance(hass, freezer, 30)
    assert monitor.unavailable_now() == {}  # still inside the grace period
    await advance(hass, freezer, 31)
    assert monitor.unavailable_now() == {entry.entry_id: 100}
    assert monitor.problem_integrations() == {entry.entry_id}
    assert monitor.integration_domains()[entry.entry_id] == "zigbee"
    assert len(started) == 100
    assert (
        started[0].data["start"]
        == hass.states.get(  # type: ignore[union-attr]
            zigbee.entity_ids(entry)[0]
        ).last_changed.isoformat()
    )
    await advance(hass, freezer, 119)
    zigbee.recover(entry)
    await hass.async_block_till_done()

    assert monitor.unavailable_now() == {}
    assert monitor.problem_integrations() == set()
    assert changes
    down = await rows(store, "unavailable")
    up = await rows(store, "recovered")
    assert len(down) == len(up) == 100
    assert {row["entity_id"] for row in down} == set(zigbee.entity_ids(entry))
    assert all(row["timestamp"] == pytest.approx(down_ts) for row in down)
    assert all(row["integration_id"] == entry.entry_id for row in down)
    assert all(row["integration_domain"] == "zigbee" for row in down)
    assert all(row["details"]["duration_s"] == pytest.approx(180) for row in up)
    assert len(ended) == 100
    assert ended[0].data["duration_s"] == pytest.approx(180)
    assert await rows(store, "blip") == []


async def test_wifi_plug_flapping_gives_blips(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """Down 10 s every 20 s for 30 min: blips, counted, a row per hour at most."""
    freezer.move_to("2025-05-01 10:00:00+00:00")
    plug = FlakyIntegration(hass, "wifi_plug")
    entry = await plug.async_add_entry(1)
    monitor = await start_monitor()
    flaps = 90
    for _ in range(flaps):
        plug.go_unavailable(entry)
        await advance(hass, freezer, 10)
        plug.recover(entry)
        await advance(hass, freezer, 10)
    assert monitor.unavailable_now() == {}
    assert monitor.blips_counted() == {entry.entry_id: flaps}
    assert await rows(store, "unavailable") == []
    assert await rows(store, "recovered") == []
    # The hour is not over: the count is still in memory.
    assert await rows(store, "blip") == []
    await advance(hass, freezer, 3600)
    blips = await rows(store, "blip")
    assert len(blips) == 1
    assert blips[0]["details"] == {"count": flaps}
    assert blips[0]["entity_id"] == plug.entity_ids(entry)[0]


async def test_blips_split_per_hour_and_flushed_on_stop(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    freezer.move_to("2025-05-01 10:59:00+00:00")
    plug = FlakyIntegration(hass, "wifi_plug")
    entry = await plug.async_add_entry(1)
    monitor = await start_monitor()
    for _ in range(6):  # 10:59:00 .. 11:00:40
        plug.go_unavailable(entry)
        await advance(hass, freezer, 5)
        plug.recover(entry)
        await advance(hass, freezer, 15)
    await monitor.async_stop()
    counts = [row["details"]["count"] for row in await rows(store, "blip")]
    assert counts == [3, 3]


async def test_cloud_setup_retry_all_night_is_one_spell(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    cloud = FlakyIntegration(hass, "cloud_thing")
    monitor = await start_monitor()
    entry = await cloud.async_add_entry(2, setup=False)
    cloud.fail_setup(entry, "not_ready")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert monitor.problem_integrations() == {entry.entry_id}
    for _ in range(8 * 36):  # eight hours in 100 s steps
        await advance(hass, freezer, 100)
    assert cloud.setup_calls[entry.entry_id] > 40
    spells = await rows(store, "setup_retry")
    assert len(spells) == 1
    assert spells[0]["details"]["attempts"] == 1
    assert spells[0]["details"]["reason"] == "cloud unreachable"

    cloud.fail_setup(entry, None)
    for _ in range(10):
        await advance(hass, freezer, 100)
    assert entry.state is ConfigEntryState.LOADED
    await hass.async_block_till_done()
    spells = await rows(store, "setup_retry")
    assert len(spells) == 1
    details = spells[0]["details"]
    assert details["attempts"] == cloud.setup_calls[entry.entry_id] - 1
    assert details["outcome"] == "loaded"
    assert details["duration_s"] > 8 * 3600
    assert monitor.problem_integrations() == set()
    assert await rows(store, "setup_failure") == []
    assert await rows(store, "reload") == []


async def test_setup_error_spell_counts_failed_reloads(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    broken = FlakyIntegration(hass, "broken")
    await start_monitor()
    entry = await broken.async_add_entry(1, setup=False)
    broken.fail_setup(entry, "error")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    await advance(hass, freezer, 60)
    await hass.config_entries.async_reload(entry.entry_id)  # fails again
    await advance(hass, freezer, 60)
    broken.fail_setup(entry, None)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await hass.async_block_till_done()
    failures = await rows(store, "setup_failure")
    assert len(failures) == 1
    assert failures[0]["details"]["attempts"] == 2
    assert failures[0]["details"]["state"] == "setup_error"
    assert failures[0]["details"]["outcome"] == "loaded"
    assert failures[0]["details"]["duration_s"] == pytest.approx(120)
    # Both reloads were done on purpose.
    assert len(await rows(store, "reload")) == 2


async def test_restart_in_the_middle_of_an_outage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
    start_monitor: StartMonitor,
) -> None:
    path = tmp_path / "restart.db"
    first = new_store(path)
    first.start()
    await first.async_wait_ready()
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(3)
    monitor = await start_monitor(use_store=first)
    zigbee.go_unavailable(entry)
    start = hass.states.get(zigbee.entity_ids(entry)[0]).last_changed_timestamp  # type: ignore[union-attr]
    await advance(hass, freezer, 90)
    assert monitor.unavailable_now() == {entry.entry_id: 3}
    # Home Assistant stops: the outage stays open in the database.
    hass.set_state(CoreState.stopping)
    await monitor.async_stop()
    await first.async_stop()

    # ... and starts again, 10 minutes later; one entity came back meanwhile.
    hass.set_state(CoreState.starting)
    await advance(hass, freezer, 600)
    second = new_store(path)
    second.start()
    await second.async_wait_ready()
    try:
        monitor = await start_monitor(use_store=second)
        assert monitor.unavailable_now() == {entry.entry_id: 3}
        zigbee.recover(entry, 1)
        await advance(hass, freezer, 5)
        hass.set_state(CoreState.running)
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
        await hass.async_block_till_done()
        assert monitor.unavailable_now() == {entry.entry_id: 2}
        await advance(hass, freezer, 60)
        zigbee.recover(entry)
        await hass.async_block_till_done()
        assert monitor.unavailable_now() == {}
        await monitor.async_stop()
        down = await rows(second, "unavailable")
        up = sorted((await rows(second, "recovered")), key=lambda row: row["details"]["duration_s"])
        assert len(down) == 3  # not re-recorded after the restart
        assert len(up) == 3
        assert all(row["details"]["restart_gap"] for row in up)
        assert up[0]["details"]["duration_s"] == pytest.approx(690)
        assert up[1]["details"]["duration_s"] == pytest.approx(755)
        assert up[0]["timestamp"] == pytest.approx(start + 690)
    finally:
        await second.async_stop()


# --------------------------------------------------------------------- noise


async def test_noise_ha_starting(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    hass.set_state(CoreState.starting)
    monitor = await start_monitor()
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 120)
    zigbee.recover(entry)
    await advance(hass, freezer, 5)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert monitor.unavailable_now() == {}
    assert await rows(store, "unavailable") == []
    assert monitor.blips_counted() == {}
    # Once started, it counts.
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 61)
    assert monitor.unavailable_now() == {entry.entry_id: 2}


async def test_noise_entry_not_loaded_yet_after_start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """Restored `unavailable` entities of an entry that loads late do not count."""
    slow = FlakyIntegration(hass, "slow")
    entry = await slow.async_add_entry(2)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    monitor = await start_monitor()
    assert all(
        hass.states.get(entity_id).attributes.get("restored")  # type: ignore[union-attr]
        for entity_id in slow.entity_ids(entry)
    )
    await advance(hass, freezer, 120)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, 120)
    assert monitor.unavailable_now() == {}
    assert await rows(store, "unavailable") == []


async def test_noise_ha_stopping(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    monitor = await start_monitor()
    zigbee.go_unavailable(entry, 1)  # pending when the stop begins
    hass.set_state(CoreState.stopping)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 120)
    hass.set_state(CoreState.running)
    assert monitor.unavailable_now() == {}
    assert await rows(store, "unavailable") == []


async def test_noise_user_reload_and_disable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(3)
    monitor = await start_monitor()
    await hass.config_entries.async_reload(entry.entry_id)
    await advance(hass, freezer, 120)
    await hass.config_entries.async_set_disabled_by(entry.entry_id, ConfigEntryDisabler.USER)
    await advance(hass, freezer, 120)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert monitor.unavailable_now() == {}
    assert await rows(store, "unavailable") == []
    assert monitor.blips_counted() == {}
    reloads = await rows(store, "reload")
    assert len(reloads) == 2
    assert {row["integration_id"] for row in reloads} == {entry.entry_id}


async def test_noise_entity_removed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    monitor = await start_monitor()
    open_id, pending_id = zigbee.entity_ids(entry)
    zigbee.go_unavailable(entry, 1)
    await advance(hass, freezer, 61)
    zigbee.sensors(entry)[1].set_available(False)
    await advance(hass, freezer, 10)
    registry = er.async_get(hass)
    registry.async_remove(open_id)
    registry.async_remove(pending_id)
    await advance(hass, freezer, 120)
    assert monitor.unavailable_now() == {}
    up = await rows(store, "recovered")
    assert len(up) == 1
    assert up[0]["entity_id"] == open_id
    assert up[0]["details"]["closed_by"] == "entity_removed"
    assert [row["entity_id"] for row in await rows(store, "unavailable")] == [open_id]
    assert monitor.blips_counted() == {}
    assert (await tracked(store))[open_id]["removed_at"] is not None


async def test_noise_entity_renamed_outage_follows(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    monitor = await start_monitor()
    old_id = zigbee.entity_ids(entry)[0]
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 61)
    er.async_get(hass).async_update_entity(old_id, new_entity_id="sensor.kitchen_temp")
    await hass.async_block_till_done()
    assert monitor.open_outages(entry.entry_id).keys() == {"sensor.kitchen_temp"}
    await advance(hass, freezer, 60)
    zigbee.recover(entry)
    await hass.async_block_till_done()
    assert monitor.unavailable_now() == {}
    up = await rows(store, "recovered")
    assert len(up) == 1
    assert up[0]["entity_id"] == "sensor.kitchen_temp"
    assert up[0]["details"]["renamed_from"] == old_id
    assert up[0]["details"]["duration_s"] == pytest.approx(121)


async def test_noise_entity_disabled(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    monitor = await start_monitor()
    open_id, pending_id = zigbee.entity_ids(entry)
    zigbee.go_unavailable(entry, 1)
    await advance(hass, freezer, 61)
    zigbee.sensors(entry)[1].set_available(False)
    registry = er.async_get(hass)
    registry.async_update_entity(open_id, disabled_by=er.RegistryEntryDisabler.USER)
    registry.async_update_entity(pending_id, disabled_by=er.RegistryEntryDisabler.USER)
    await advance(hass, freezer, 120)
    assert monitor.unavailable_now() == {}
    up = await rows(store, "recovered")
    assert [row["details"]["closed_by"] for row in up] == ["entity_disabled"]
    assert len(await rows(store, "unavailable")) == 1


async def test_noise_own_entities(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    ours = FlakyIntegration(hass, "ours")
    entry = await ours.async_add_entry(2, entry_id="own_entry")
    monitor = await start_monitor(own_entry_id="own_entry")
    ours.go_unavailable(entry)
    await advance(hass, freezer, 120)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert monitor.unavailable_now() == {}
    assert await rows(store) == []
    assert await tracked(store) == {}


@pytest.mark.parametrize(
    "settings",
    [
        ReliabilitySettings(exclude_integrations=frozenset({"noisy"})),
        ReliabilitySettings(include_integrations=frozenset({"other"})),
        ReliabilitySettings(exclude_entity_patterns=("sensor.noisy_*",)),
    ],
    ids=["excluded_domain", "not_included", "entity_pattern"],
)
async def test_noise_excluded(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
    settings: ReliabilitySettings,
) -> None:
    noisy = FlakyIntegration(hass, "noisy")
    entry = await noisy.async_add_entry(2)
    monitor = await start_monitor(settings)
    noisy.go_unavailable(entry)
    await advance(hass, freezer, 120)
    assert monitor.unavailable_now() == {}
    assert await rows(store, "unavailable") == []


@pytest.mark.parametrize("rule", ["include", "exclude"])
async def test_single_entry_included_or_excluded(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
    rule: str,
) -> None:
    """One entry of an integration is picked out; its sibling is not affected."""
    zigbee = FlakyIntegration(hass, "zigbee")
    chosen = await zigbee.async_add_entry(1)
    sibling = await zigbee.async_add_entry(1)
    ids = frozenset({chosen.entry_id})
    settings = (
        ReliabilitySettings(include_integrations=ids)
        if rule == "include"
        else ReliabilitySettings(exclude_integrations=ids)
    )
    monitor = await start_monitor(settings)
    zigbee.go_unavailable(chosen)
    zigbee.go_unavailable(sibling)
    await advance(hass, freezer, 61)
    monitored = chosen if rule == "include" else sibling
    assert monitor.unavailable_now() == {monitored.entry_id: 1}


async def test_count_unknown_option(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    monitor = await start_monitor(ReliabilitySettings(count_unknown=True, grace_period=30))
    sensor = zigbee.sensors(entry)[0]
    sensor._attr_native_value = None
    sensor.async_write_ha_state()
    await advance(hass, freezer, 31)
    assert monitor.unavailable_now() == {entry.entry_id: 1}
    sensor.set_available(False)  # unknown -> unavailable: the same outage
    await advance(hass, freezer, 31)
    sensor._attr_available = True
    sensor.set_value(3.0)
    await hass.async_block_till_done()
    up = await rows(store, "recovered")
    assert len(up) == 1
    assert up[0]["details"]["duration_s"] == pytest.approx(62)


async def test_tracked_entities_context(
    hass: HomeAssistant,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    entity_id = zigbee.entity_ids(entry)[0]
    await start_monitor()
    rows_ = await tracked(store)
    assert set(rows_) == set(zigbee.entity_ids(entry))
    row = rows_[entity_id]
    assert row["integration_id"] == entry.entry_id
    assert row["integration_domain"] == "zigbee"
    assert row["platform"] == "zigbee"
    assert row["device_class"] == "temperature"
    assert row["device_name"] == "zigbee device 0"
    assert row["area"] is None

    area = ar.async_get(hass).async_create("Kitchen")
    device_id = er.async_get(hass).async_get(entity_id).device_id  # type: ignore[union-attr]
    assert device_id is not None
    dr.async_get(hass).async_update_device(device_id, area_id=area.id, name_by_user="Fridge")
    await hass.async_block_till_done()
    row = (await tracked(store))[entity_id]
    assert (row["device_name"], row["area"]) == ("Fridge", "Kitchen")
    ar.async_get(hass).async_update(area.id, name="Cuisine")
    await hass.async_block_till_done()
    assert (await tracked(store))[entity_id]["area"] == "Cuisine"

    # A new entity is tracked when it is created.
    second = await zigbee.async_add_entry(1)
    assert zigbee.entity_ids(second)[0] in await tracked(store)
