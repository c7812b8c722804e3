"""Base entities: one service device per monitored integration, one overall."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, TITLE
from .coordinator import ReliabilityCoordinator


def overall_device_info(entry_id: str) -> DeviceInfo:
    """The device holding the engine's and the whole install's sensors."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry_id)},
        name=TITLE,
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=TITLE,
        model="Overview",
    )


def integration_device_info(
    entry_id: str, integration_id: str, title: str, domain: str
) -> DeviceInfo:
    """The device standing for one monitored integration (config entry)."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry_id}_{integration_id}")},
        name=title,
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=TITLE,
        model=domain,
    )


class ReliabilityEntity(CoordinatorEntity[ReliabilityCoordinator]):
    """An entity fed by the coordinator's snapshot."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: ReliabilityCoordinator,
        description: EntityDescription,
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_device_info = device_info
        self._attr_unique_id = f"{unique_id_prefix}_{description.key}"
