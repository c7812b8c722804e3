"""A small, real test integration whose entities can fail on command.

Built with pytest-homeassistant-custom-component's MockModule/MockPlatform:
real config entries, real entities registered in the entity registry (with a
device each), driven through methods — no mocks of Home Assistant internals.

    flaky = FlakyIntegration(hass, "zigbee")
    entry = await flaky.async_add_entry(count=100)
    flaky.go_unavailable(entry)          # every entity of the entry
    flaky.recover(entry)
    flaky.fail_setup(entry, "not_ready") # next setups raise ConfigEntryNotReady
    flaky.fail_unload(entry)             # next unloads return False
    await flaky.async_setup_yaml(2)      # a YAML platform: no config entry, no unique id
"""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant import config_entries
from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    mock_integration,
    mock_platform,
)


class FlakyConfigFlow(config_entries.ConfigFlow):
    """The (unused) config flow: entries are added by the tests."""

    VERSION = 1


class FlakySensor(SensorEntity):
    """A sensor that can be told to go unavailable, recover or change value."""

    _attr_should_poll = False
    _attr_device_class = SensorDeviceClass.TEMPERATURE
    _attr_native_unit_of_measurement = "°C"

    def __init__(self, domain: str, entry_id: str, index: int, available: bool) -> None:
        self._attr_unique_id = f"{entry_id}_{index}"
        self._attr_name = f"{domain} {entry_id[-6:]} {index}"
        self._attr_available = available
        self._attr_native_value = 20.0 + index
        self._attr_device_info = DeviceInfo(
            identifiers={(domain, f"{entry_id}_{index // 10}")},
            name=f"{domain} device {index // 10}",
        )

    def set_available(self, available: bool) -> None:
        """Change availability and write the state."""
        self._attr_available = available
        self.async_write_ha_state()

    def set_value(self, value: float) -> None:
        """An ordinary value change."""
        self._attr_native_value = value
        self.async_write_ha_state()


class FlakyIntegration:
    """One mocked integration domain; each config entry holds N sensors."""

    def __init__(self, hass: HomeAssistant, domain: str = "flaky") -> None:
        self.hass = hass
        self.domain = domain
        self.entities: dict[str, list[FlakySensor]] = {}
        self.setup_mode: dict[str, str | None] = {}
        self.setup_calls: dict[str, int] = {}
        self.start_unavailable: dict[str, bool] = {}
        self.unload_fails: set[str] = set()
        self.setup_gates: dict[str, asyncio.Event] = {}
        self.yaml_entities: list[FlakySensor] = []
        mock_integration(
            hass,
            MockModule(
                domain,
                async_setup_entry=self._async_setup_entry,
                async_unload_entry=self._async_unload_entry,
            ),
        )
        mock_platform(
            hass,
            f"{domain}.sensor",
            MockPlatform(
                async_setup_entry=self._async_setup_platform,
                async_setup_platform=self._async_setup_yaml_platform,
            ),
        )
        # Config entries import the config_flow platform and read the flow
        # handler's VERSION when set up.
        mock_platform(hass, f"{domain}.config_flow", None)
        config_entries.HANDLERS.setdefault(domain, FlakyConfigFlow)

    async def _async_setup_entry(self, hass: HomeAssistant, entry: ConfigEntry) -> bool:
        self.setup_calls[entry.entry_id] = self.setup_calls.get(entry.entry_id, 0) + 1
        if (gate := self.setup_gates.get(entry.entry_id)) is not None:
            await gate.wait()
        mode = self.setup_mode.get(entry.entry_id)
        if mode == "not_ready":
            raise ConfigEntryNotReady("cloud unreachable")
        if mode == "error":
            raise RuntimeError("broken integration")
        if mode == "false":
            return False
        await hass.config_entries.async_forward_entry_setups(entry, ["sensor"])
        return True

    async def _async_unload_entry(self, hass: HomeAssistant, entry: ConfigEntry) -> bool:
        if entry.entry_id in self.unload_fails:
            return False
        return await hass.config_entries.async_unload_platforms(entry, ["sensor"])

    async def _async_setup_platform(
        self, hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback
    ) -> None:
        count: int = entry.data["count"]
        available = not self.start_unavailable.get(entry.entry_id, False)
        sensors = [FlakySensor(self.domain, entry.entry_id, i, available) for i in range(count)]
        self.entities[entry.entry_id] = sensors
        async_add_entities(sensors)

    async def _async_setup_yaml_platform(
        self,
        hass: HomeAssistant,
        config: ConfigType,
        async_add_entities: AddEntitiesCallback,
        discovery_info: DiscoveryInfoType | None = None,
    ) -> None:
        sensors = [FlakySensor(self.domain, "yaml", i, True) for i in range(config["count"])]
        for sensor in sensors:
            sensor._attr_unique_id = None  # not in the entity registry
            sensor._attr_device_info = None
        self.yaml_entities = sensors
        async_add_entities(sensors)

    async def async_setup_yaml(self, count: int) -> list[FlakySensor]:
        """Set up `count` sensors through the YAML `sensor:` platform."""
        assert await async_setup_component(
            self.hass, "sensor", {"sensor": [{"platform": self.domain, "count": count}]}
        )
        await self.hass.async_block_till_done()
        return self.yaml_entities

    async def async_add_entry(
        self, count: int = 1, *, setup: bool = True, title: str | None = None, **kwargs: Any
    ) -> MockConfigEntry:
        """Add a config entry with `count` sensors and (optionally) set it up."""
        entry = MockConfigEntry(
            domain=self.domain, data={"count": count}, title=title or self.domain, **kwargs
        )
        entry.add_to_hass(self.hass)
        if setup:
            await self.hass.config_entries.async_setup(entry.entry_id)
            await self.hass.async_block_till_done()
        return entry

    def sensors(self, entry: ConfigEntry) -> list[FlakySensor]:
        """The live entities of an entry."""
        return self.entities[entry.entry_id]

    def entity_ids(self, entry: ConfigEntry) -> list[str]:
        """The entity ids of an entry's live entities."""
        return [sensor.entity_id for sensor in self.sensors(entry)]

    def go_unavailable(self, entry: ConfigEntry, count: int | None = None) -> None:
        """Make the first `count` (default all) entities unavailable."""
        for sensor in self.sensors(entry)[:count]:
            sensor.set_available(False)

    def recover(self, entry: ConfigEntry, count: int | None = None) -> None:
        """Make the first `count` (default all) entities available again."""
        for sensor in self.sensors(entry)[:count]:
            sensor.set_available(True)

    def fail_setup(self, entry: ConfigEntry, mode: str | None) -> None:
        """Make the next setups fail: "not_ready", "error", "false", or None to succeed."""
        self.setup_mode[entry.entry_id] = mode

    def hold_setup(self, entry: ConfigEntry) -> asyncio.Event:
        """Make the next setups wait until the returned event is set."""
        gate = self.setup_gates[entry.entry_id] = asyncio.Event()
        return gate

    def fail_unload(self, entry: ConfigEntry) -> None:
        """Make the next unloads of `entry` fail (the entry ends in FAILED_UNLOAD)."""
        self.unload_fails.add(entry.entry_id)
