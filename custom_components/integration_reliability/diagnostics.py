"""Diagnostics of the config entry: options, engine state, recent jobs."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import CONF_DB_URL
from .coordinator import IntegrationReliabilityConfigEntry
from .store import queries, storage

TO_REDACT = {CONF_DB_URL}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug the integration: no entity names, no database URL."""
    runtime = entry.runtime_data
    store = runtime.store
    storage_stats = await store.async_run(
        partial(storage.storage_stats, now=dt_util.utcnow().timestamp())
    )
    jobs = await store.async_run(queries.recent_jobs)
    snapshot = runtime.coordinator.data
    return {
        "options": async_redact_data(dict(entry.options), TO_REDACT),
        "engine": asdict(store.stats),
        "storage": storage_stats,
        "recent_jobs": jobs,
        "snapshot": {
            "integrations": len(snapshot.integrations),
            "problem_integrations": snapshot.problem_integrations,
            "events_recorded": snapshot.events_recorded,
            "database_size": snapshot.database_size,
        },
    }
