"""Schedules the engine's long jobs: rollups, insights and retention.

Every job runs in the writer thread as bounded slices that re-queue
themselves, so event writes interleave with a long catch-up. Results come
back to the event loop through a future.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
import logging
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_change
from homeassistant.util import dt as dt_util
from sqlalchemy.orm import Session

from .const import DOMAIN
from .settings import ReliabilitySettings
from .store.core import ReliabilityStore
from .store.periods import PERIOD_HOUR
from .store.planner import RollupResult
from .store.purge import PurgeResult, Retention
from .store.tasks import (
    BackfillTask,
    CoarseRollupTask,
    InsightsTask,
    PurgeTask,
    RollupTask,
    StoreTask,
)

_LOGGER = logging.getLogger(__name__)

# A few minutes after each hour, once late events of the hour are written.
ROLLUP_MINUTE = 6
INSIGHTS_TIME = (0, 20)
PURGE_TIME = (4, 12)


def _ha_now() -> float:
    """Home Assistant's clock, for the engine's tasks to decide what has closed."""
    return dt_util.utcnow().timestamp()


class _ReportingTask(StoreTask):
    """Hands a slice's exception to the waiting caller.

    The engine logs a failing task and drops it; without this its caller
    would wait for a result that never comes.
    """

    def __init__(self, task: StoreTask, on_error: Callable[[BaseException], None]) -> None:
        self._task = task
        self._on_error = on_error

    def run(self, session: Session) -> StoreTask | None:
        """Run the wrapped slice; report its exception, then let the engine handle it."""
        try:
            continuation = self._task.run(session)
        except Exception as err:
            self._on_error(err)
            raise
        if continuation is None:
            return None
        self._task = continuation
        return self


class Analytics:
    """Runs rollups hourly (with a catch-up at start), insights daily, purge nightly."""

    def __init__(
        self,
        hass: HomeAssistant,
        store: ReliabilityStore,
        settings: ReliabilitySettings,
        *,
        on_aggregated: Callable[[], None],
    ) -> None:
        self._hass = hass
        self._store = store
        self._settings = settings
        self._on_aggregated = on_aggregated
        self._unsubs: list[CALLBACK_TYPE] = []
        self._pending: set[asyncio.Future[Any]] = set()

    @property
    def _tz(self) -> ZoneInfo:
        tz = dt_util.get_default_time_zone()
        assert isinstance(tz, ZoneInfo)
        return tz

    @callback
    def async_start(self) -> None:
        """Catch up on periods missed while stopped, then follow the clock."""
        self._queue_rollup()
        self._unsubs = [
            async_track_time_change(self._hass, self._hourly, minute=ROLLUP_MINUTE, second=0),
            async_track_time_change(
                self._hass,
                self._daily_insights,
                hour=INSIGHTS_TIME[0],
                minute=INSIGHTS_TIME[1],
                second=0,
            ),
            async_track_time_change(
                self._hass,
                self._nightly_purge,
                hour=PURGE_TIME[0],
                minute=PURGE_TIME[1],
                second=0,
            ),
        ]

    @callback
    def async_stop(self) -> None:
        """Stop scheduling; awaited results fail instead of hanging."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        for future in self._pending:
            if not future.done():
                future.set_exception(
                    HomeAssistantError(translation_domain=DOMAIN, translation_key="not_loaded")
                )
        self._pending.clear()

    @callback
    def _hourly(self, _now: datetime) -> None:
        self._queue_rollup()

    @callback
    def _nightly_purge(self, _now: datetime) -> None:
        self._hass.async_create_background_task(self.async_purge(None), f"{DOMAIN} purge")

    @callback
    def _daily_insights(self, _now: datetime) -> None:
        self._store.queue_task(InsightsTask(self._tz, period="day", now=_ha_now))

    def _queue_rollup(self) -> None:
        self._store.queue_task(
            RollupTask(self._tz, now=_ha_now, on_done=self._rollup_done_threadsafe)
        )

    def _rollup_done_threadsafe(self, result: RollupResult) -> None:
        if result.hours:
            self._hass.loop.call_soon_threadsafe(self._on_aggregated)

    async def _async_run_task(self, make_task: Callable[[Callable[[Any], None]], StoreTask]) -> Any:
        """Queue a sliced task and wait for the result it reports when done."""
        loop = self._hass.loop
        future: asyncio.Future[Any] = loop.create_future()

        def _set_result(result: Any) -> None:
            if not future.done():
                future.set_result(result)

        def _set_error(err: BaseException) -> None:
            if not future.done():
                future.set_exception(err)

        def _done_threadsafe(result: Any) -> None:
            loop.call_soon_threadsafe(_set_result, result)

        def _failed_threadsafe(err: BaseException) -> None:
            loop.call_soon_threadsafe(_set_error, err)

        task = _ReportingTask(make_task(_done_threadsafe), _failed_threadsafe)
        if not self._store.queue_task(task):
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="queue_full")
        self._pending.add(future)
        try:
            return await future
        finally:
            self._pending.discard(future)

    async def async_backfill(
        self, start: float, end: float, periods: Sequence[str]
    ) -> dict[str, Any]:
        """Bring the rollups up to date, then recompute [start, end) idempotently.

        With `hour`, hours are recomputed from the raw events, and with them
        the day / week / month rows they change. Without it, the coarse
        periods asked for are recomputed from the hourly rows only — which
        also works where the raw events were already purged.
        """
        await self._async_run_task(lambda done: RollupTask(self._tz, now=_ha_now, on_done=done))
        computed: dict[str, Any] = {}
        if PERIOD_HOUR in periods:
            result: RollupResult = await self._async_run_task(
                lambda done: BackfillTask(self._tz, start, end, on_done=done)
            )
            if result.error:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="aggregation_failed",
                    translation_placeholders={"error": result.error},
                )
            computed["hour"] = {
                "hours": result.hours,
                "events": result.events,
                "rows_written": result.rows_written,
            }
        else:
            rows: dict[str, int] = await self._async_run_task(
                lambda done: CoarseRollupTask(self._tz, periods, start, end, on_done=done)
            )
            computed.update({period: {"rows_written": n} for period, n in rows.items()})
        self._on_aggregated()
        return computed

    async def async_purge(self, keep_days: int | None, *, repack: bool = False) -> PurgeResult:
        """Apply the retention tiers, or keep only `keep_days` of raw events.

        With `repack`, the SQLite file is rebuilt at the end (VACUUM).
        """
        retention = Retention(
            raw_days=self._settings.retention_raw_days,
            hourly_days=self._settings.retention_hourly_days,
            daily_days=self._settings.retention_daily_days,
        )
        result: PurgeResult = await self._async_run_task(
            lambda done: PurgeTask(
                self._tz, retention, keep_days=keep_days, now=_ha_now, on_done=done, repack=repack
            )
        )
        self._on_aggregated()
        return result

    async def async_compute_insights(self, period: str) -> None:
        """Compute and store the insights of the last closed `period` now."""
        await self._async_run_task(
            lambda done: InsightsTask(self._tz, period=period, now=_ha_now, on_done=done)
        )
