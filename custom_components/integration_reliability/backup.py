"""Backup hooks: hold the database still while Home Assistant copies it."""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .coordinator import IntegrationReliabilityConfigEntry


def _entries(hass: HomeAssistant) -> list[IntegrationReliabilityConfigEntry]:
    return hass.config_entries.async_loaded_entries(DOMAIN)


async def async_pre_backup(hass: HomeAssistant) -> None:
    """Commit what is queued and lock the database; new events keep queuing."""
    for entry in _entries(hass):
        await entry.runtime_data.store.async_lock_for_backup()


async def async_post_backup(hass: HomeAssistant) -> None:
    """Unlock the database; queued events are written."""
    for entry in _entries(hass):
        await entry.runtime_data.store.async_unlock_after_backup()
