"""Backup hooks: hold the database still while Home Assistant copies it."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant

from .coordinator import loaded_entries

_LOGGER = logging.getLogger(__name__)


async def async_pre_backup(hass: HomeAssistant) -> None:
    """Commit what is queued and lock the database; new events keep queuing.

    A database that cannot be locked in time must not fail the user's whole
    backup: the copy of our file may then be inconsistent, which is logged.
    """
    for entry in loaded_entries(hass):
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
    for entry in loaded_entries(hass):
        await entry.runtime_data.store.async_unlock_after_backup()
