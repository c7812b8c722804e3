"""Sensors: what a user sees, devices appearing and disappearing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from .flaky import FlakyIntegration


def _sensors(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, entry_id: str
) -> dict[str, Any]:
    """State, attributes and registry settings of our sensors, by entity id."""
    shown: dict[str, Any] = {}
    for entity in sorted(
        er.async_entries_for_config_entry(entity_registry, entry_id), key=lambda e: e.entity_id
    ):
        state = hass.states.get(entity.entity_id)
        shown[entity.entity_id] = {
            "translation_key": entity.translation_key,
            "entity_category": entity.entity_category,
            "enabled_by_default": entity.disabled_by is None,
            "state": None if state is None else state.state,
            "attributes": None if state is None else dict(state.attributes),
        }
    return shown


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.freeze_time("2026-11-02 09:00:00+00:00")
async def test_sensors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    flaky: FlakyIntegration,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    zigbee = await flaky.async_add_entry(
        count=4, title="Zigbee", entry_id="01JFLAKYZIGBEE000000000000"
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    flaky.go_unavailable(zigbee, 2)
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    flaky.recover(zigbee, 1)
    await mock_config_entry.runtime_data.store.async_flush()
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    shown = _sensors(hass, entity_registry, mock_config_entry.entry_id)
    # The file size depends on the SQLite build; that it is measured is what counts.
    size = shown.pop("sensor.integration_reliability_database_size")
    assert float(size["state"]) > 0
    assert shown == snapshot
    assert shown["sensor.zigbee_outages_today"]["state"] == "2"
    assert shown["sensor.zigbee_entities_unavailable_now"]["state"] == "1"
    assert shown["sensor.zigbee_heal_success_rate"]["state"] == "unknown"
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_devices_follow_integrations(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    flaky: FlakyIntegration,
    device_registry: dr.DeviceRegistry,
) -> None:
    def our_devices() -> set[str]:
        return {
            device.name or ""
            for device in dr.async_entries_for_config_entry(
                device_registry, init_integration.entry_id
            )
        }

    assert our_devices() == {"Integration Reliability"}
    added = await flaky.async_add_entry(count=1, title="Added later")
    await hass.async_block_till_done()
    assert our_devices() == {"Integration Reliability", "Added later"}

    assert await hass.config_entries.async_remove(added.entry_id)
    await hass.async_block_till_done()
    assert our_devices() == {"Integration Reliability"}
    assert not [
        e
        for e in er.async_entries_for_config_entry(er.async_get(hass), init_integration.entry_id)
        if added.entry_id in (e.unique_id or "")
    ]
