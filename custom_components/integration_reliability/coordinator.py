"""Runtime data of the config entry and the push-updated coordinator.

The coordinator holds one snapshot for every entity: a single query per
refresh computes the summaries of all integrations. Refreshes are pushed —
after the engine commits and when the monitor's live state changes —
through the coordinator's debouncer; a slow interval only moves the rolling
windows (last 24 h, today) forward when nothing happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
import logging
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .settings import ReliabilitySettings
from .store import queries, storage
from .store.core import DatabaseState, ReliabilityStore

if TYPE_CHECKING:
    from .analytics import Analytics
    from .capture.monitor import ReliabilityMonitor
    from .export.manager import InfluxExport
    from .heal import Healer

_LOGGER = logging.getLogger(__name__)

type IntegrationReliabilityConfigEntry = ConfigEntry[ReliabilityRuntimeData]


def loaded_entries(hass: HomeAssistant) -> list[IntegrationReliabilityConfigEntry]:
    """Our loaded config entry (a list: none while unloaded, one at most)."""
    entries: list[IntegrationReliabilityConfigEntry] = hass.config_entries.async_loaded_entries(
        DOMAIN
    )
    return entries


# Moves "last 24 h" and "today" forward when no event arrives.
WINDOW_REFRESH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class IntegrationSummary:
    """What the sensors of one monitored integration show."""

    integration_id: str
    integration_domain: str
    availability_24h: float | None
    outages_today: int
    unavailable_now: int
    heal_success_rate: float | None
    last_outage: datetime | None
    mttr_7d: float | None


@dataclass(frozen=True, slots=True)
class ReliabilitySnapshot:
    """Everything the entities show, computed in one refresh at `taken_at`."""

    taken_at: datetime
    integrations: dict[str, IntegrationSummary] = field(default_factory=dict)
    problem_integrations: int = 0
    events_recorded: int = 0
    database_size: int | None = None
    database_reusable: int | None = None
    queue_depth: int = 0
    dropped_records: int = 0
    last_aggregation: datetime | None = None


@dataclass
class ReliabilityRuntimeData:
    """What a loaded entry runs."""

    settings: ReliabilitySettings
    store: ReliabilityStore
    monitor: ReliabilityMonitor
    healer: Healer
    analytics: Analytics
    coordinator: ReliabilityCoordinator
    export: InfluxExport | None = None


def _as_datetime(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else dt_util.utc_from_timestamp(timestamp)


class ReliabilityCoordinator(DataUpdateCoordinator[ReliabilitySnapshot]):
    """Holds the snapshot the entities read."""

    config_entry: IntegrationReliabilityConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: IntegrationReliabilityConfigEntry,
        store: ReliabilityStore,
        monitor: ReliabilityMonitor,
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=WINDOW_REFRESH_INTERVAL,
            # Refreshes follow commits; states are written only when they change.
            always_update=False,
        )
        self._store = store
        self._monitor = monitor

    async def _async_update_data(self) -> ReliabilitySnapshot:
        stats = self._store.stats
        if self.data is not None and (not stats.running or stats.state is not DatabaseState.OK):
            # Unloading, or the database failing (reads would wait behind the
            # batch being retried): keep what is shown. The health sensors
            # read the engine's counters live.
            return self.data
        now = dt_util.now()
        day_start = dt_util.start_of_local_day(now)
        try:
            summaries = await self._store.async_run(
                partial(
                    queries.integration_summaries,
                    now=now.timestamp(),
                    day_start=day_start.timestamp(),
                )
            )
            size, reusable = await self._store.async_run(storage.database_space)
        except Exception as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        unavailable = self._monitor.unavailable_now()
        domains = self._monitor.integration_domains()
        integrations: dict[str, IntegrationSummary] = {}
        for integration_id in domains.keys() | summaries.integrations.keys():
            summary = summaries.integrations.get(integration_id)
            integrations[integration_id] = IntegrationSummary(
                integration_id=integration_id,
                integration_domain=domains.get(integration_id)
                or (summary.integration_domain if summary else integration_id),
                availability_24h=summary.availability_24h if summary else None,
                outages_today=summary.outages_today if summary else 0,
                unavailable_now=unavailable.get(integration_id, 0),
                heal_success_rate=summary.heal_success_rate if summary else None,
                last_outage=_as_datetime(summary.last_outage if summary else None),
                mttr_7d=summary.mttr_7d if summary else None,
            )
        stats = self._store.stats
        return ReliabilitySnapshot(
            taken_at=now,
            integrations=integrations,
            problem_integrations=len(self._monitor.problem_integrations()),
            events_recorded=summaries.events_recorded,
            database_size=size,
            database_reusable=reusable,
            queue_depth=stats.queue_depth,
            dropped_records=stats.dropped_records,
            last_aggregation=_as_datetime(summaries.last_aggregation),
        )

    @callback
    def async_schedule_refresh(self) -> None:
        """Refresh soon; bursts collapse into one refresh through the debouncer."""
        if not self._store.stats.running:
            # The engine's last commit at unload: nothing is left to show.
            return
        self.config_entry.async_create_background_task(
            self.hass, self.async_request_refresh(), f"{DOMAIN} refresh"
        )
