"""Integration Reliability: which integrations are flaky, since when, how badly."""

from __future__ import annotations

from homeassistant.const import (
    EVENT_HOMEASSISTANT_CLOSE,
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.typing import ConfigType

from .analytics import Analytics
from .capture.monitor import ReliabilityMonitor
from .const import (
    BATCH_SIZE,
    COMMIT_INTERVAL_SECONDS,
    DB_FILENAME,
    DOMAIN,
    JOURNAL_FILENAME,
    QUEUE_BYTES,
    QUEUE_SIZE,
    SETUP_WAIT_SECONDS,
    SIGNAL_DATA_UPDATED,
)
from .coordinator import (
    IntegrationReliabilityConfigEntry,
    ReliabilityCoordinator,
    ReliabilityRuntimeData,
)
from .export.manager import InfluxExport
from .heal import Healer
from .panel import async_register_panel, async_remove_card, async_unregister_panel
from .repairs import DegradationTracker, StoreProblemReporter, store_issue_id
from .services import async_setup_services
from .settings import ReliabilitySettings
from .store.core import ReliabilityStore, StoreProblem, StoreStartError
from .store.util import sqlite_url
from .websocket import async_setup_websocket

PLATFORMS = [Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and websocket commands."""
    async_setup_services(hass)
    async_setup_websocket(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry) -> bool:
    """Start the storage engine, then observation and the entities."""
    settings = ReliabilitySettings.from_options(entry.options)
    url = settings.db_url or sqlite_url(hass.config.path(DB_FILENAME))
    store = ReliabilityStore(
        url,
        commit_interval=COMMIT_INTERVAL_SECONDS,
        batch_size=BATCH_SIZE,
        queue_size=QUEUE_SIZE,
        queue_bytes=QUEUE_BYTES,
        listener=(reporter := StoreProblemReporter(hass, entry.entry_id)),
        journal_path=hass.config.path(JOURNAL_FILENAME),
    )
    store.start()
    try:
        await store.async_wait_ready(SETUP_WAIT_SECONDS)
    except TimeoutError as err:
        # Never hold up Home Assistant's start: the engine finishes opening
        # the database (or fails) on its own, and the next attempt finds it.
        store.request_stop()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="database_slow",
            translation_placeholders={"seconds": str(SETUP_WAIT_SECONDS)},
        ) from err
    except StoreStartError as err:
        await store.async_stop()
        if err.problem is StoreProblem.SCHEMA_TOO_NEW:
            raise ConfigEntryError(
                translation_domain=DOMAIN, translation_key="schema_too_new"
            ) from err
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="database_unavailable",
            translation_placeholders={"error": str(err)},
        ) from err

    # The engine runs: earlier start-up problems are over.
    for problem in (
        StoreProblem.CONNECT_FAILED,
        StoreProblem.MIGRATION_FAILED,
        StoreProblem.SCHEMA_TOO_NEW,
    ):
        ir.async_delete_issue(hass, DOMAIN, store_issue_id(problem))

    monitor = ReliabilityMonitor(
        hass,
        settings,
        store,
        own_entry_id=entry.entry_id,
        on_change=lambda: coordinator.async_schedule_refresh(),
    )
    coordinator = ReliabilityCoordinator(hass, entry, store, monitor)
    reporter.coordinator = coordinator
    healer = Healer(hass, settings, store, monitor, own_entry_id=entry.entry_id)
    analytics = Analytics(hass, store, settings, on_aggregated=coordinator.async_schedule_refresh)
    export = InfluxExport(hass, settings.influxdb, store) if settings.influxdb.enabled else None
    entry.runtime_data = ReliabilityRuntimeData(
        settings=settings,
        store=store,
        monitor=monitor,
        healer=healer,
        analytics=analytics,
        coordinator=coordinator,
        export=export,
    )
    try:
        if export is not None:
            store.add_sink(export)
            export.async_start(
                lambda coro: entry.async_create_background_task(
                    hass, coro, f"{DOMAIN} InfluxDB export"
                )
            )
        await coordinator.async_config_entry_first_refresh()
        degradation = DegradationTracker(hass, entry)
        entry.async_on_unload(coordinator.async_add_listener(degradation.async_update))
        # The panel's subscription: the coordinator refreshes after each commit.
        entry.async_on_unload(
            coordinator.async_add_listener(
                lambda: async_dispatcher_send(hass, SIGNAL_DATA_UPDATED, "data")
            )
        )
        await monitor.async_start()
        await healer.async_start()
        analytics.async_start()
    except BaseException:
        # Whatever failed, leave no writer thread, timer or listener behind.
        await _async_stop_runtime(entry.runtime_data)
        raise

    async def _async_final_write(_: Event) -> None:
        # Everything accepted must be on disk before Home Assistant exits,
        # and then in InfluxDB as far as it answers in time.
        await store.async_stop()
        if export is not None:
            await export.async_stop()

    @callback
    def _close(_: Event) -> None:
        store.request_stop()

    entry.async_on_unload(
        hass.bus.async_listen(EVENT_HOMEASSISTANT_FINAL_WRITE, _async_final_write)
    )
    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_CLOSE, _close))
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await async_register_panel(hass)
    async_dispatcher_send(hass, SIGNAL_DATA_UPDATED, "loaded")
    return True


async def _async_options_updated(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry
) -> None:
    """Apply new options by reloading the entry."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry) -> bool:
    """Stop observing and flush the engine."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await _async_stop_runtime(entry.runtime_data)
        async_unregister_panel(hass)
        async_dispatcher_send(hass, SIGNAL_DATA_UPDATED, "unloaded")
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry) -> None:
    """Take the card's dashboard resource away with the integration."""
    await async_remove_card(hass)


async def _async_stop_runtime(runtime: ReliabilityRuntimeData) -> None:
    """Stop scheduling and observing, then flush and stop the engine."""
    runtime.analytics.async_stop()
    await runtime.healer.async_stop()
    await runtime.monitor.async_stop()
    await runtime.store.async_stop()
    if runtime.export is not None:
        # After the engine: its last commit still reaches the export.
        await runtime.export.async_stop()
