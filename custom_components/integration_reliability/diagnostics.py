"""Diagnostics of the config entry: options, engine state, recent jobs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_DB_URL
from .coordinator import IntegrationReliabilityConfigEntry
from .store import queries, storage

TO_REDACT = {CONF_DB_URL}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug the integration; no entity or host names."""
    runtime = entry.runtime_data
    store = runtime.store
    row_counts = await store.async_run(storage.row_counts)
    jobs = await store.async_run(queries.recent_jobs)
    snapshot = runtime.coordinator.data
    return {
        "options": async_redact_data(dict(entry.options), TO_REDACT),
        "engine": asdict(store.stats),
        "row_counts": row_counts,
        "recent_jobs": jobs,
        "snapshot": {
            "integrations": len(snapshot.integrations),
            "problem_integrations": snapshot.problem_integrations,
            "events_recorded": snapshot.events_recorded,
            "database_size": snapshot.database_size,
        },
    }
