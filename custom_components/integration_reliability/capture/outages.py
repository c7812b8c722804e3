"""Entity outages: pending within the grace period, confirmed, ended; and blips.

Life cycle of one entity (its state is "down" or "real", as the monitor says):

1. real -> down: a *pending* outage starts, with a grace timer
   (`settings.grace_period`).
2. back to real before the timer fires: a *blip*. Blips are counted in memory
   per entity and integration and written aggregated: one `blip` row per entity
   per clock hour, `details={"count": n}`, timestamp = first blip of the hour.
3. the timer fires: the outage is *confirmed* and recorded as `unavailable`
   with its true start (the moment the state went down), and
   `integration_reliability_outage_started` is fired.
4. back to real: `recovered` with `details={"duration_s": …}` and
   `integration_reliability_outage_ended`.

Rename: the pending/open outage moves to the new entity id; its `recovered`
row carries the new id and `details.renamed_from`. Removed, excluded or
disabled entity: a pending outage is dropped (no blip); an open outage is
closed with a `recovered` row whose details hold `{"duration_s": …,
"closed_by": …}` — the outage was real and keeps its duration, but rollups do
not count such a row as a repair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, CoreState, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from ..const import EVENT_OUTAGE_ENDED, EVENT_OUTAGE_STARTED
from ..settings import ReliabilitySettings
from ..store.core import ReliabilityStore
from ..store.records import EventRecord, EventType
from .attribution import Attribution
from .restore import OpenOutage

BLIP_BUCKET_S: Final = 3600


@dataclass(slots=True)
class _Pending:
    """An entity down for less than the grace period."""

    attribution: Attribution
    start: float
    cancel: CALLBACK_TYPE


@dataclass(slots=True)
class _Open:
    """A confirmed outage that has not ended."""

    attribution: Attribution
    start: float
    restored: bool = False
    renamed_from: str | None = None


@dataclass(slots=True)
class _BlipBucket:
    """Blips of one entity in one clock hour, written as one row."""

    attribution: Attribution
    hour: int
    first: float
    count: int = 0


@dataclass(slots=True)
class _Counters:
    """Live per-integration numbers for the sensors."""

    unavailable: dict[str, int] = field(default_factory=dict)
    blips: dict[str, int] = field(default_factory=dict)


def _now() -> float:
    return dt_util.utcnow().timestamp()


def _iso(ts: float) -> str:
    return dt_util.utc_from_timestamp(ts).isoformat()


class OutageTracker:
    """Pending and open outages and blip counts of every monitored entity."""

    def __init__(
        self,
        hass: HomeAssistant,
        settings: ReliabilitySettings,
        store: ReliabilityStore,
        *,
        notify: Callable[[], None],
    ) -> None:
        self._hass = hass
        self._settings = settings
        self._store = store
        self._notify = notify
        self._pending: dict[str, _Pending] = {}
        # Pending outages whose state just left the state machine: a rename
        # removes the old id's state before the registry announces the rename.
        self._vanished: dict[str, _Pending] = {}
        self._open: dict[str, _Open] = {}
        self._blips: dict[str, _BlipBucket] = {}
        self._counters = _Counters()

    # ------------------------------------------------------------ reads

    def tracks(self, entity_id: str) -> bool:
        """Whether the entity is in a pending or confirmed outage."""
        return entity_id in self._open or entity_id in self._pending

    def unavailable_now(self) -> dict[str, int]:
        """Integration id -> entities in a confirmed outage right now."""
        return {k: v for k, v in self._counters.unavailable.items() if v > 0}

    def blips_counted(self) -> dict[str, int]:
        """Integration id -> blips counted since start."""
        return dict(self._counters.blips)

    def open_outages(self, integration_id: str | None = None) -> dict[str, float]:
        """Entity id -> start (epoch s) of confirmed outages, optionally of one integration."""
        return {
            entity_id: outage.start
            for entity_id, outage in self._open.items()
            if integration_id is None or outage.attribution.integration_id == integration_id
        }

    def down_entities(self, integration_id: str) -> set[str]:
        """Entities of an integration in a pending or confirmed outage."""
        down = set(self.open_outages(integration_id))
        down.update(
            entity_id
            for entity_id, pending in self._pending.items()
            if pending.attribution.integration_id == integration_id
        )
        return down

    def open_since(self) -> dict[str, float]:
        """Integration id -> start of its oldest open outage."""
        since: dict[str, float] = {}
        for outage in self._open.values():
            key = outage.attribution.integration_id
            since[key] = min(outage.start, since.get(key, outage.start))
        return since

    def restored_entities(self) -> list[str]:
        """Entity ids of the outages read back from the database."""
        return [entity_id for entity_id, outage in self._open.items() if outage.restored]

    # ------------------------------------------------------------ life cycle

    def resume(self, outages: list[OpenOutage]) -> None:
        """Take over the outages left open in the database."""
        for outage in outages:
            attribution = Attribution(outage.integration_id, outage.integration_domain)
            self._open[outage.entity_id] = _Open(attribution, outage.start, restored=True)
            self._count(attribution.integration_id, 1)

    def drop_pending(self) -> None:
        """Forget every pending outage (HA stops, or we do)."""
        for pending in self._pending.values():
            pending.cancel()
        self._pending.clear()

    def write_blips(self, only_before_hour: int | None = None) -> None:
        """Write the blip buckets (of hours before `only_before_hour`)."""
        for entity_id, bucket in list(self._blips.items()):
            if only_before_hour is None or bucket.hour < only_before_hour:
                del self._blips[entity_id]
                self._write_bucket(entity_id, bucket)

    @callback
    def async_flush_blips(self, now: datetime) -> None:
        """Hourly: write the buckets of hours that have ended."""
        self.write_blips(only_before_hour=int(now.timestamp() // BLIP_BUCKET_S))

    # ------------------------------------------------------------ transitions

    def went_down(self, entity_id: str, attribution: Attribution, start: float) -> None:
        """A real state went down: the grace period starts."""
        self._pending[entity_id] = _Pending(attribution, start, self._grace_timer(entity_id, start))

    def came_back(self, entity_id: str, end: float) -> None:
        """A real state again: the end of an outage, or a blip."""
        if entity_id in self._open:
            self.close(entity_id, end)
        elif entity_id in self._pending:
            self._blip(entity_id)

    def vanished(self, entity_id: str) -> None:
        """The state left the state machine: park a pending outage for a rename."""
        pending = self._pending.pop(entity_id, None)
        if pending is not None:
            pending.cancel()
            self._vanished[entity_id] = pending

    def forget_vanished(self) -> None:
        """The registry has spoken: a parked outage that was not renamed is gone."""
        self._vanished.clear()

    def renamed(self, old_id: str, new_id: str) -> None:
        """Move a pending or open outage to the entity's new id."""
        pending = self._pending.pop(old_id, None) or self._vanished.pop(old_id, None)
        if pending is not None:
            pending.cancel()
            self.went_down(new_id, pending.attribution, pending.start)
        outage = self._open.pop(old_id, None)
        if outage is not None:
            outage.renamed_from = outage.renamed_from or old_id
            self._open[new_id] = outage
        bucket = self._blips.pop(old_id, None)
        if bucket is not None:
            self._write_bucket(old_id, bucket)

    def ended(self, entity_id: str, closed_by: str, *, restart_gap: bool = False) -> None:
        """The entity went away (removed, excluded, disabled): no more outage."""
        pending = self._pending.pop(entity_id, None)
        if pending is not None:
            pending.cancel()
        if entity_id in self._open:
            self.close(entity_id, _now(), closed_by=closed_by, restart_gap=restart_gap)

    def _grace_timer(self, entity_id: str, start: float) -> CALLBACK_TYPE:
        @callback
        def _grace_over(_now_dt: datetime) -> None:
            self._async_confirm(entity_id)

        # A @callback job: it runs in the event loop, never in the executor.
        job = HassJob(
            _grace_over, f"integration_reliability grace {entity_id}", cancel_on_shutdown=True
        )
        return async_call_later(
            self._hass, max(0.0, start + self._settings.grace_period - _now()), job
        )

    @callback
    def _async_confirm(self, entity_id: str) -> None:
        """The grace period elapsed: a pending outage becomes an outage."""
        # Dropping a pending outage cancels its timer: it is always there.
        pending = self._pending.pop(entity_id)
        if self._hass.state is not CoreState.running:
            return  # stopping, before our stop listener ran
        attribution = pending.attribution
        self._open[entity_id] = _Open(attribution, pending.start)
        self._count(attribution.integration_id, 1)
        self._store.record(
            EventRecord(
                attribution.integration_id,
                attribution.integration_domain,
                EventType.UNAVAILABLE,
                pending.start,
                entity_id,
                {"grace_s": self._settings.grace_period},
            )
        )
        self._hass.bus.async_fire(
            EVENT_OUTAGE_STARTED,
            {
                "integration_id": attribution.integration_id,
                "integration_domain": attribution.integration_domain,
                "entity_id": entity_id,
                "entity_ids": [entity_id],
                "start": _iso(pending.start),
            },
        )
        self._notify()

    def close(
        self,
        entity_id: str,
        end: float,
        *,
        closed_by: str | None = None,
        restart_gap: bool = False,
    ) -> None:
        """End a confirmed outage: `recovered` row and `outage_ended` event."""
        outage = self._open.pop(entity_id)
        attribution = outage.attribution
        duration = max(0.0, end - outage.start)
        details: dict[str, Any] = {"duration_s": round(duration, 3)}
        if closed_by is not None:
            details["closed_by"] = closed_by
        if restart_gap or outage.restored:
            details["restart_gap"] = True
        if outage.renamed_from is not None:
            details["renamed_from"] = outage.renamed_from
        self._count(attribution.integration_id, -1)
        self._store.record(
            EventRecord(
                attribution.integration_id,
                attribution.integration_domain,
                EventType.RECOVERED,
                end,
                entity_id,
                details,
            )
        )
        self._hass.bus.async_fire(
            EVENT_OUTAGE_ENDED,
            {
                "integration_id": attribution.integration_id,
                "integration_domain": attribution.integration_domain,
                "entity_id": entity_id,
                "entity_ids": [entity_id],
                "start": _iso(outage.start),
                "end": _iso(end),
                "duration_s": details["duration_s"],
                "closed_by": closed_by,
            },
        )
        self._notify()

    def _blip(self, entity_id: str) -> None:
        """Back before the grace period: count a blip (written aggregated)."""
        pending = self._pending.pop(entity_id)
        pending.cancel()
        attribution = pending.attribution
        hour = int(pending.start // BLIP_BUCKET_S)
        bucket = self._blips.get(entity_id)
        if bucket is not None and bucket.hour != hour:
            self._write_bucket(entity_id, bucket)
            bucket = None
        if bucket is None:
            bucket = self._blips[entity_id] = _BlipBucket(attribution, hour, pending.start)
        bucket.count += 1
        blips = self._counters.blips
        blips[attribution.integration_id] = blips.get(attribution.integration_id, 0) + 1

    def _write_bucket(self, entity_id: str, bucket: _BlipBucket) -> None:
        self._store.record(
            EventRecord(
                bucket.attribution.integration_id,
                bucket.attribution.integration_domain,
                EventType.BLIP,
                bucket.first,
                entity_id,
                {"count": bucket.count},
            )
        )

    def _count(self, integration_id: str, delta: int) -> None:
        counts = self._counters.unavailable
        counts[integration_id] = counts.get(integration_id, 0) + delta
