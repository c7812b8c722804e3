"""Backup hooks: hold the database still while Home Assistant copies it."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .coordinator import IntegrationReliabilityConfigEntry

_LOGGER = logging.getLogger(__name__)


def _entries(hass: HomeAssistant) -> list[IntegrationReliabilityConfigEntry]:
    return hass.config_entries.async_loaded_entries(DOMAIN)


async def async_pre_backup(hass: HomeAssistant) -> None:
    """Commit what is queued and lock the database; new events keep queuing.

    A database that cannot be locked in time must not fail the user's whole
    backup: the copy of our file may then be inconsistent, which is logged.
    """
    for entry in _entries(hass):
        try:
            await entry.runtime_data.store.async_lock_for_backup()
        except Exception:
            _LOGGER.warning(
                "Could not hold the reliability database still for the backup;"
                " its copy in this backup may be inconsistent",
                exc_info=True,
            )


async def async_post_backup(hass: HomeAssistant) -> None:
    """Unlock the database; queued events are written."""
    for entry in _entries(hass):
        await entry.runtime_data.store.async_unlock_after_backup()
