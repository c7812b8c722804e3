"""System health: the engine's state at a glance."""

from __future__ import annotations

from typing import Any

from homeassistant.components import system_health
from homeassistant.core import HomeAssistant, callback

from .coordinator import loaded_entries


@callback
def async_register(hass: HomeAssistant, register: system_health.SystemHealthRegistration) -> None:
    """Register the info callback."""
    register.async_register_info(system_health_info)


async def system_health_info(hass: HomeAssistant) -> dict[str, Any]:
    """Report the storage engine's state."""
    if not (entries := loaded_entries(hass)):
        return {"loaded": False}
    runtime = entries[0].runtime_data
    stats = runtime.store.stats
    snapshot = runtime.coordinator.data
    return {
        "loaded": True,
        "database": runtime.store.url_redacted,
        "schema_version": stats.schema_version,
        "write_queue_depth": stats.queue_depth,
        "dropped_records": stats.dropped_records,
        "events_recorded": snapshot.events_recorded,
        "integrations_with_problems": snapshot.problem_integrations,
    }
