"""Diagnostics of the config entry: options, engine state, recent jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from sqlalchemy.orm import Session

from .const import (
    CONF_DB_URL,
    CONF_INFLUXDB_PASSWORD,
    CONF_INFLUXDB_TOKEN,
    CONF_INFLUXDB_URL,
    CONF_INFLUXDB_USERNAME,
)
from .coordinator import IntegrationReliabilityConfigEntry
from .store import queries, storage
from .store.core import DatabaseState, ReliabilityStore

TO_REDACT = {
    CONF_DB_URL,
    CONF_INFLUXDB_URL,
    CONF_INFLUXDB_USERNAME,
    CONF_INFLUXDB_PASSWORD,
    CONF_INFLUXDB_TOKEN,
}
# Database reads wait at most this long; the engine's own state never waits.
READ_TIMEOUT_SECONDS = 10


async def _async_read(store: ReliabilityStore, job: Callable[[Session], Any]) -> Any:
    """Read through the writer, unless the database is failing or slow to answer."""
    if store.stats.state is not DatabaseState.OK:
        return {"unavailable": "the database is not answering; see engine.last_error"}
    try:
        return await store.async_run(job, timeout=READ_TIMEOUT_SECONDS)
    except TimeoutError:
        return {"unavailable": f"no answer within {READ_TIMEOUT_SECONDS} s"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug the integration: no entity names, no database URL."""
    runtime = entry.runtime_data
    store = runtime.store
    # The engine's part first, from its counters: live during an incident.
    engine = asdict(store.stats)
    engine["journal"] = store.journal_path
    storage_stats = await _async_read(
        store, partial(storage.storage_stats, now=dt_util.utcnow().timestamp())
    )
    jobs = await _async_read(store, queries.recent_jobs)
    snapshot = runtime.coordinator.data
    export = runtime.export
    return {
        "options": async_redact_data(dict(entry.options), TO_REDACT),
        "engine": engine,
        "storage": storage_stats,
        "recent_jobs": jobs,
        "snapshot": {
            "integrations": len(snapshot.integrations),
            "problem_integrations": snapshot.problem_integrations,
            "events_recorded": snapshot.events_recorded,
            "database_size": snapshot.database_size,
        },
        "influxdb_export": None if export is None else asdict(export.stats),
    }
