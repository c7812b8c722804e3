"""Less common paths of the monitor: each asserts what a user would see."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import area_registry as ar, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.integration_reliability.const import EVENT_OUTAGE_ENDED
from custom_components.integration_reliability.settings import ReliabilitySettings
from custom_components.integration_reliability.store.core import ReliabilityStore

from .flaky import FlakyIntegration
from .test_listener import StartMonitor, advance, rows, start_monitor, store, tracked

__all__ = ["start_monitor", "store"]


async def test_stop_with_a_pending_outage_leaves_nothing_behind(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    monitor = await start_monitor()
    zigbee.go_unavailable(entry)
    await monitor.async_stop()
    await advance(hass, freezer, 120)
    assert monitor.unavailable_now() == {}
    assert await rows(store) == []


async def test_ha_stopping_before_the_stop_event(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """The grace period ends while HA is already stopping: no outage."""
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    monitor = await start_monitor()
    zigbee.go_unavailable(entry)
    hass.set_state(CoreState.stopping)
    await advance(hass, freezer, 61)
    hass.set_state(CoreState.running)
    assert monitor.unavailable_now() == {}
    assert await rows(store, "unavailable") == []


async def test_restored_outage_of_a_removed_entity_is_closed_at_start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    kept, gone = zigbee.entity_ids(entry)
    first = await start_monitor()
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 61)
    await first.async_stop()
    # While we were not running, the device behind one entity was removed for good.
    await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(entry, data={"count": 1})
    er.async_get(hass).async_remove(gone)
    await hass.async_block_till_done()
    hass.set_state(CoreState.starting)
    await start_monitor()
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    ended = async_capture_events(hass, EVENT_OUTAGE_ENDED)
    await advance(hass, freezer, 60)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    up = {row["entity_id"]: row["details"] for row in await rows(store, "recovered")}
    assert up[gone]["closed_by"] == "entity_removed"
    assert up[gone]["restart_gap"] is True
    assert up[kept]["restart_gap"] is True
    assert "closed_by" not in up[kept]
    assert {event.data["entity_id"] for event in ended} == {gone, kept}


async def test_entry_already_failing_when_we_start(
    hass: HomeAssistant, store: ReliabilityStore, start_monitor: StartMonitor
) -> None:
    broken = FlakyIntegration(hass, "broken")
    entry = await broken.async_add_entry(1, setup=False)
    broken.fail_setup(entry, "error")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    monitor = await start_monitor()
    assert monitor.problem_integrations() == {entry.entry_id}
    [row] = await rows(store, "setup_failure")
    assert row["details"] == {"state": "setup_error", "reason": None, "attempts": 1}


async def test_yaml_platform_entities_are_attributed_to_their_domain(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """No config entry and no registry entry: attributed through entity_sources."""
    legacy = FlakyIntegration(hass, "legacy")
    monitor = await start_monitor()
    sensors = await legacy.async_setup_yaml(2)
    assert er.async_get(hass).async_get(sensors[0].entity_id) is None
    for sensor in sensors:
        sensor.set_available(False)
    await advance(hass, freezer, 61)
    assert monitor.unavailable_now() == {"legacy": 2}
    sensors[0].set_available(True)
    await hass.async_block_till_done()
    [up] = await rows(store, "recovered")
    assert (up["integration_id"], up["integration_domain"]) == ("legacy", "legacy")
    assert up["entity_id"] == sensors[0].entity_id


async def test_blips_across_the_hour_before_the_flush(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """A blip at 10:59:50 and one at 11:00:01 (before the 11:00:05 flush): two rows."""
    freezer.move_to("2025-05-01 10:59:50+00:00")
    plug = FlakyIntegration(hass, "wifi_plug")
    entry = await plug.async_add_entry(1)
    monitor = await start_monitor()
    plug.go_unavailable(entry)
    await advance(hass, freezer, 2)
    plug.recover(entry)
    await advance(hass, freezer, 9)  # 11:00:01
    plug.go_unavailable(entry)
    await advance(hass, freezer, 1)
    plug.recover(entry)
    await hass.async_block_till_done()
    assert [row["details"]["count"] for row in await rows(store, "blip")] == [1]
    await monitor.async_stop()
    blips = await rows(store, "blip")
    assert [row["details"]["count"] for row in blips] == [1, 1]
    assert blips[1]["timestamp"] - blips[0]["timestamp"] == pytest.approx(11)


async def test_a_failing_refresh_callback_does_not_stop_capture(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError("coordinator is gone")

    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    monitor = await start_monitor(on_change=broken)
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 61)
    zigbee.recover(entry)
    await hass.async_block_till_done()
    assert monitor.unavailable_now() == {}
    assert len(await rows(store, "recovered")) == 1
    assert "on_change callback failed" in caplog.text


async def test_registry_entry_created_and_removed_is_marked_removed(
    hass: HomeAssistant, store: ReliabilityStore, start_monitor: StartMonitor
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    await start_monitor()
    registry = er.async_get(hass)
    created = registry.async_get_or_create(
        "sensor", "zigbee", "ephemeral", config_entry=entry, suggested_object_id="ephemeral"
    )
    registry.async_remove(created.entity_id)
    await hass.async_block_till_done()
    assert (await tracked(store))[created.entity_id]["removed_at"] is not None


async def test_rename_into_an_excluded_pattern_closes_the_outage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    monitor = await start_monitor(ReliabilitySettings(exclude_entity_patterns=("sensor.noisy_*",)))
    open_id, pending_id = zigbee.entity_ids(entry)
    zigbee.go_unavailable(entry, 1)
    await advance(hass, freezer, 61)
    zigbee.sensors(entry)[1].set_available(False)
    registry = er.async_get(hass)
    registry.async_update_entity(open_id, new_entity_id="sensor.noisy_1")
    registry.async_update_entity(pending_id, new_entity_id="sensor.noisy_2")
    await advance(hass, freezer, 120)
    assert monitor.unavailable_now() == {}
    [up] = await rows(store, "recovered")
    assert up["entity_id"] == "sensor.noisy_1"
    assert up["details"]["closed_by"] == "entity_excluded"
    assert up["details"]["renamed_from"] == open_id
    assert len(await rows(store, "unavailable")) == 1


async def test_rename_during_the_grace_period(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """The pending outage follows the new id and keeps its true start."""
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    monitor = await start_monitor()
    old_id = zigbee.entity_ids(entry)[0]
    zigbee.go_unavailable(entry)
    start = hass.states.get(old_id).last_changed_timestamp  # type: ignore[union-attr]
    await advance(hass, freezer, 30)
    er.async_get(hass).async_update_entity(old_id, new_entity_id="sensor.hall")
    await advance(hass, freezer, 31)
    assert monitor.open_outages() == {"sensor.hall": start}
    [down] = await rows(store, "unavailable")
    assert (down["entity_id"], down["timestamp"]) == ("sensor.hall", pytest.approx(start))


async def test_rename_writes_the_old_ids_blips(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    freezer.move_to("2025-05-01 10:10:00+00:00")
    plug = FlakyIntegration(hass, "wifi_plug")
    entry = await plug.async_add_entry(1)
    await start_monitor()
    old_id = plug.entity_ids(entry)[0]
    plug.go_unavailable(entry)
    await advance(hass, freezer, 5)
    plug.recover(entry)
    await hass.async_block_till_done()
    er.async_get(hass).async_update_entity(old_id, new_entity_id="sensor.plug")
    await hass.async_block_till_done()
    blips = await rows(store, "blip")
    assert [(row["entity_id"], row["details"]["count"]) for row in blips] == [(old_id, 1)]


async def test_entity_in_an_area_follows_an_area_rename(
    hass: HomeAssistant, store: ReliabilityStore, start_monitor: StartMonitor
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    kept, excluded = zigbee.entity_ids(entry)
    await start_monitor(ReliabilitySettings(exclude_entity_patterns=(excluded,)))
    area = ar.async_get(hass).async_create("Garage")
    registry = er.async_get(hass)
    registry.async_update_entity(kept, area_id=area.id)
    registry.async_update_entity(excluded, area_id=area.id)
    await hass.async_block_till_done()
    assert (await tracked(store))[kept]["area"] == "Garage"
    ar.async_get(hass).async_update(area.id, name="Workshop")
    await hass.async_block_till_done()
    found = await tracked(store)
    assert found[kept]["area"] == "Workshop"
    assert excluded not in found


async def test_entry_removed_while_failing_ends_the_spell(
    hass: HomeAssistant, store: ReliabilityStore, start_monitor: StartMonitor
) -> None:
    cloud = FlakyIntegration(hass, "cloud")
    monitor = await start_monitor()
    entry = await cloud.async_add_entry(1, setup=False)
    cloud.fail_setup(entry, "not_ready")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert monitor.problem_integrations() == set()
    [spell] = await rows(store, "setup_retry")
    assert spell["details"]["outcome"] == "removed"


async def test_entry_disabled_while_failing_ends_the_spell(
    hass: HomeAssistant, store: ReliabilityStore, start_monitor: StartMonitor
) -> None:
    broken = FlakyIntegration(hass, "broken")
    monitor = await start_monitor()
    entry = await broken.async_add_entry(1, setup=False)
    broken.fail_setup(entry, "error")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.config_entries.async_set_disabled_by(entry.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    assert monitor.problem_integrations() == set()
    [spell] = await rows(store, "setup_failure")
    assert spell["details"]["outcome"] == "disabled"
    assert [row["details"] for row in await rows(store, "reload")] == [
        {"from_state": "setup_error"}
    ]


async def test_entry_updates_without_a_state_change_and_excluded_entries(
    hass: HomeAssistant, store: ReliabilityStore, start_monitor: StartMonitor
) -> None:
    noisy = FlakyIntegration(hass, "noisy")
    zigbee = FlakyIntegration(hass, "zigbee")
    monitor = await start_monitor(ReliabilitySettings(exclude_integrations=frozenset({"noisy"})))
    entry = await zigbee.async_add_entry(1)
    hass.config_entries.async_update_entry(entry, title="Renamed")
    excluded = await noisy.async_add_entry(1, setup=False)
    noisy.fail_setup(excluded, "error")
    await hass.config_entries.async_setup(excluded.entry_id)
    await hass.async_block_till_done()
    assert monitor.problem_integrations() == set()
    assert await rows(store) == []


async def test_retry_spell_turning_into_a_setup_error(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    start_monitor: StartMonitor,
) -> None:
    """not ready → error: the retry spell ends, a failure spell starts."""
    cloud = FlakyIntegration(hass, "cloud")
    monitor = await start_monitor()
    entry = await cloud.async_add_entry(1, setup=False)
    cloud.fail_setup(entry, "not_ready")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    cloud.fail_setup(entry, "error")
    await advance(hass, freezer, 300)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert monitor.problem_integrations() == {entry.entry_id}
    [retry] = await rows(store, "setup_retry")
    assert retry["details"]["outcome"] == "setup_error"
    [failure] = await rows(store, "setup_failure")
    assert "ended" not in failure["details"]
