"""Sensors: per monitored integration, and for the whole install and engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfInformation, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .coordinator import (
    IntegrationReliabilityConfigEntry,
    IntegrationSummary,
    ReliabilityCoordinator,
    ReliabilitySnapshot,
)
from .entity import ReliabilityEntity, integration_device_info, overall_device_info
from .export.manager import InfluxExport
from .repairs import health_signal
from .store.health import DatabaseState, StoreStats

# Read-only entities behind a coordinator.
PARALLEL_UPDATES = 0

type StateValue = float | int | str | datetime | None


@dataclass(frozen=True, kw_only=True)
class IntegrationSensorDescription(SensorEntityDescription):
    """A sensor of one monitored integration."""

    value_fn: Callable[[IntegrationSummary], StateValue]


@dataclass(frozen=True, kw_only=True)
class OverallSensorDescription(SensorEntityDescription):
    """A sensor of the whole install or of the engine."""

    value_fn: Callable[[ReliabilitySnapshot], StateValue]
    attributes_fn: Callable[[ReliabilitySnapshot], dict[str, StateValue]] | None = None


@dataclass(frozen=True, kw_only=True)
class HealthSensorDescription(SensorEntityDescription):
    """A sensor of the engine's health, read from its live counters."""

    value_fn: Callable[[StoreStats], StateValue]


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 3)


INTEGRATION_SENSORS: tuple[IntegrationSensorDescription, ...] = (
    IntegrationSensorDescription(
        key="availability_24h",
        translation_key="availability_24h",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda s: _percent(s.availability_24h),
    ),
    IntegrationSensorDescription(
        key="outages_today",
        translation_key="outages_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda s: s.outages_today,
    ),
    IntegrationSensorDescription(
        key="unavailable_now",
        translation_key="unavailable_now",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda s: s.unavailable_now,
    ),
    IntegrationSensorDescription(
        key="heal_success_rate",
        translation_key="heal_success_rate",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda s: _percent(s.heal_success_rate),
    ),
    IntegrationSensorDescription(
        key="last_outage",
        translation_key="last_outage",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda s: s.last_outage,
    ),
    IntegrationSensorDescription(
        key="mttr_7d",
        translation_key="mttr_7d",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda s: s.mttr_7d,
    ),
)

OVERALL_SENSORS: tuple[OverallSensorDescription, ...] = (
    OverallSensorDescription(
        key="problem_integrations",
        translation_key="problem_integrations",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda s: s.problem_integrations,
    ),
    OverallSensorDescription(
        key="events_recorded",
        translation_key="events_recorded",
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda s: s.events_recorded,
    ),
    OverallSensorDescription(
        key="database_size",
        translation_key="database_size",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.MEGABYTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: s.database_size,
        # Space inside the file that new rows reuse (SQLite, MariaDB).
        attributes_fn=lambda s: {"reusable_bytes": s.database_reusable},
    ),
    OverallSensorDescription(
        key="last_aggregation",
        translation_key="last_aggregation",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: s.last_aggregation,
    ),
)


HEALTH_SENSORS: tuple[HealthSensorDescription, ...] = (
    HealthSensorDescription(
        key="queue_depth",
        translation_key="queue_depth",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.queue_depth,
    ),
    HealthSensorDescription(
        key="dropped_records",
        translation_key="dropped_records",
        # Counted since the engine started: restarts reset it to 0.
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: s.dropped_records,
    ),
    HealthSensorDescription(
        key="database_state",
        translation_key="database_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in DatabaseState],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: None if s.state is None else s.state.value,
    ),
)


def monitored_entries(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry
) -> list[ConfigEntry]:
    """Config entries that get a device: every monitored one but our own."""
    settings = entry.runtime_data.settings
    return [
        other
        for other in hass.config_entries.async_entries()
        if other.entry_id != entry.entry_id
        and other.domain != DOMAIN
        and settings.monitors(other.entry_id, other.domain)
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IntegrationReliabilityConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Create the sensors, and devices for integrations added later."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        OverallSensor(coordinator, description, entry.entry_id) for description in OVERALL_SENSORS
    )
    async_add_entities(
        HealthSensor(coordinator, description, entry.entry_id) for description in HEALTH_SENSORS
    )
    if (export := entry.runtime_data.export) is not None:
        async_add_entities([InfluxExportSensor(export, entry.entry_id)])
    known: set[str] = set()

    @callback
    def _add_integration(other: ConfigEntry) -> None:
        known.add(other.entry_id)
        async_add_entities(
            IntegrationSensor(coordinator, description, entry.entry_id, other)
            for description in INTEGRATION_SENSORS
        )

    for other in monitored_entries(hass, entry):
        _add_integration(other)
    # Integrations deleted, or excluded, while we were not running.
    _remove_stale_devices(hass, entry, known)

    @callback
    def _entry_changed(change: ConfigEntryChange, other: ConfigEntry) -> None:
        if other.entry_id == entry.entry_id or not entry.runtime_data.settings.monitors(
            other.entry_id, other.domain
        ):
            return
        # Entries restored or added by other means than a flow announce
        # themselves with their first state change.
        if change is not ConfigEntryChange.REMOVED and other.entry_id not in known:
            _add_integration(other)
        elif change is ConfigEntryChange.REMOVED and other.entry_id in known:
            known.discard(other.entry_id)
            _remove_stale_devices(hass, entry, known)

    entry.async_on_unload(
        async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, _entry_changed)
    )


def _remove_stale_devices(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry, monitored: set[str]
) -> None:
    """Remove the devices of integrations that are no longer monitored."""
    keep = {(DOMAIN, entry.entry_id)} | {
        (DOMAIN, f"{entry.entry_id}_{entry_id}") for entry_id in monitored
    }
    device_registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        if not device.identifiers & keep:
            device_registry.async_remove_device(device.id)


class OverallSensor(ReliabilityEntity, SensorEntity):
    """A sensor of the overall device."""

    entity_description: OverallSensorDescription

    def __init__(
        self,
        coordinator: ReliabilityCoordinator,
        description: OverallSensorDescription,
        entry_id: str,
    ) -> None:
        super().__init__(coordinator, description, overall_device_info(entry_id), entry_id)

    @property
    def native_value(self) -> StateValue:
        """Return the value from the snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, StateValue] | None:
        """Attributes some sensors carry (the database's reusable space)."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator.data)


class HealthSensor(ReliabilityEntity, SensorEntity):
    """A sensor of the engine's health: live even while the database fails.

    It reads the writer's in-memory counters, never the database, so it
    stays available when a refresh of the snapshot fails, and it is written
    whenever the engine reports an incident, not only after a refresh.
    """

    entity_description: HealthSensorDescription
    _unrecorded_attributes = frozenset({"last_error", "last_error_at"})

    def __init__(
        self,
        coordinator: ReliabilityCoordinator,
        description: HealthSensorDescription,
        entry_id: str,
    ) -> None:
        super().__init__(coordinator, description, overall_device_info(entry_id), entry_id)
        self._entry_id = entry_id

    async def async_added_to_hass(self) -> None:
        """Follow the engine's incidents as well as the coordinator."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, health_signal(self._entry_id), self.async_write_ha_state
            )
        )

    @property
    def available(self) -> bool:
        """The counters can always be read."""
        return True

    @property
    def native_value(self) -> StateValue:
        """Return the value from the engine's counters."""
        return self.entity_description.value_fn(
            self.coordinator.config_entry.runtime_data.store.stats
        )

    @property
    def extra_state_attributes(self) -> dict[str, str | None] | None:
        """The database state carries the last error the engine saw."""
        if self.entity_description.key != "database_state":
            return None
        stats = self.coordinator.config_entry.runtime_data.store.stats
        return {
            "last_error": stats.last_error,
            "last_error_at": None
            if stats.last_error_at is None
            else dt_util.utc_from_timestamp(stats.last_error_at).isoformat(),
        }


class IntegrationSensor(ReliabilityEntity, SensorEntity):
    """A sensor of one monitored integration's device."""

    entity_description: IntegrationSensorDescription

    def __init__(
        self,
        coordinator: ReliabilityCoordinator,
        description: IntegrationSensorDescription,
        entry_id: str,
        monitored: ConfigEntry,
    ) -> None:
        super().__init__(
            coordinator,
            description,
            integration_device_info(
                entry_id, monitored.entry_id, monitored.title, monitored.domain
            ),
            f"{entry_id}_{monitored.entry_id}",
        )
        self._integration_id = monitored.entry_id
        self._domain = monitored.domain

    @property
    def _summary(self) -> IntegrationSummary:
        summary = self.coordinator.data.integrations.get(self._integration_id)
        if summary is None:
            # Nothing recorded yet: a healthy integration with no history.
            return IntegrationSummary(
                integration_id=self._integration_id,
                integration_domain=self._domain,
                availability_24h=None,
                outages_today=0,
                unavailable_now=0,
                heal_success_rate=None,
                last_outage=None,
                mttr_7d=None,
            )
        return summary

    @property
    def native_value(self) -> StateValue:
        """Return the value from the snapshot."""
        return self.entity_description.value_fn(self._summary)


class InfluxExportSensor(SensorEntity):
    """Points exported to InfluxDB; the retry and drop counters as attributes."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "influxdb_exported"
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    # Change with every batch; the counters that matter are recorded.
    _unrecorded_attributes = frozenset({"queued", "last_error", "last_write"})

    def __init__(self, export: InfluxExport, entry_id: str) -> None:
        self._export = export
        self._attr_unique_id = f"{entry_id}_influxdb_exported"
        self._attr_device_info = overall_device_info(entry_id)

    async def async_added_to_hass(self) -> None:
        """Follow the exporter's counters."""
        self.async_on_remove(self._export.async_add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> int:
        """Points written since the exporter started (a restart starts at 0)."""
        return self._export.stats.exported

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Retried writes, dropped and queued points, status, last error and write."""
        stats = self._export.stats
        return {
            "retried": stats.retried,
            "dropped": stats.dropped,
            "queued": stats.queued,
            "status": stats.state.value,
            "last_error": stats.last_error,
            "last_write": (
                None
                if stats.last_write is None
                else dt_util.utc_from_timestamp(stats.last_write).isoformat()
            ),
        }
