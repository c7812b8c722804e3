"""Tiered retention: raw events, hourly, daily rollups; bounded batches.

Tiers (days, all configurable): raw events 90, hourly rollups 730, daily
rollups 2555; weekly and monthly rollups are kept. Deletes go by primary key
in batches of at most `batch_size` rows, one batch per `PurgeTask.run`, so the
writer thread interleaves them with event writes and no transaction is large.

Raw events are only purged before the hourly rollup frontier (and before the
start of the local day containing the cutoff, so the purge horizon recorded in
`processing_jobs` is a day boundary): an unfinished rollup never loses input.

Orphaned lookup rows (integrations, entities without events) are not purged:
the engine caches lookup ids in memory, and removing a row it may still use
would break the next insert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from .rollup import (
    JOB_PURGE,
    PERIOD_DAY,
    PERIOD_HOUR,
    STATUS_SUCCESS,
    period_bounds,
    rollup_frontier,
)
from .schema import Event, IntegrationMetrics, PatternInsight, ProcessingJob
from .tasks import StoreTask

_LOGGER = logging.getLogger(__name__)

DAY: Final = 86400.0
DEFAULT_RAW_DAYS: Final = 90
DEFAULT_HOURLY_DAYS: Final = 730
DEFAULT_DAILY_DAYS: Final = 2555
DEFAULT_BATCH_SIZE: Final = 10_000


@dataclass(frozen=True, slots=True)
class Retention:
    """Days kept per tier; `keep_days` overrides the raw tier (the purge service)."""

    raw_days: int = DEFAULT_RAW_DAYS
    hourly_days: int = DEFAULT_HOURLY_DAYS
    daily_days: int = DEFAULT_DAILY_DAYS


DEFAULT_RETENTION: Final = Retention()


@dataclass(frozen=True, slots=True)
class _Step:
    """One table's deletion: rows of `model` matching `where` (a SQL expression)."""

    name: str
    model: Any
    where: Any


@dataclass(slots=True)
class PurgeResult:
    """Rows removed per table, and the raw-event cutoff applied."""

    removed: dict[str, int] = field(default_factory=dict)
    raw_cutoff: float | None = None
    batches: int = 0


def raw_cutoff(session: Session, now: float, raw_days: int, tz: ZoneInfo) -> float | None:
    """Raw events before this can go: older than the tier and already rolled up."""
    frontier = rollup_frontier(session)
    if frontier is None:
        return None
    cutoff = min(now - raw_days * DAY, frontier)
    return period_bounds(PERIOD_DAY, cutoff, tz)[0]


def _steps(session: Session, now: float, retention: Retention, tz: ZoneInfo) -> list[_Step]:
    m = IntegrationMetrics
    hourly_cut = now - retention.hourly_days * DAY
    daily_cut = now - retention.daily_days * DAY
    steps = [
        _Step(
            "integration_metrics.hour", m, (m.period == PERIOD_HOUR) & (m.period_end <= hourly_cut)
        ),
        _Step("integration_metrics.day", m, (m.period == PERIOD_DAY) & (m.period_end <= daily_cut)),
        _Step("pattern_insights", PatternInsight, PatternInsight.period_end <= daily_cut),
        # Job history (with the rollup checkpoints) lives as long as hourly rows.
        _Step("processing_jobs", ProcessingJob, ProcessingJob.started_at <= hourly_cut),
    ]
    cutoff = raw_cutoff(session, now, retention.raw_days, tz)
    if cutoff is not None:
        steps.insert(0, _Step("ir_events", Event, Event.timestamp < cutoff))
    return steps


def purge_batch(session: Session, model: Any, where: Any, batch_size: int) -> int:
    """Delete at most `batch_size` rows of `model` matching `where`; return how many."""
    # Ids first, then delete by id: portable (MariaDB has no LIMIT in IN-subqueries)
    # and each statement touches a bounded set of rows.
    ids = list(session.scalars(select(model.id).where(where).order_by(model.id).limit(batch_size)))
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)))
    return len(ids)


def _finish(session: Session, result: PurgeResult, started: float) -> None:
    session.add(
        ProcessingJob(
            job_type=JOB_PURGE,
            range_start=None,
            range_end=result.raw_cutoff,
            started_at=started,
            completed_at=time.time(),
            status=STATUS_SUCCESS,
            rows_processed=result.batches,
            rows_written=sum(result.removed.values()),
        )
    )
    session.commit()
    if session.get_bind().dialect.name == "sqlite":
        # Give the freed pages' WAL back to the file system, refresh planner stats.
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.execute(text("PRAGMA optimize"))
        session.commit()


class PurgeTask(StoreTask):
    """Apply the retention tiers, one batch per `run`, re-queuing itself."""

    def __init__(
        self,
        tz: ZoneInfo,
        retention: Retention = DEFAULT_RETENTION,
        *,
        keep_days: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        now: Callable[[], float] = time.time,
        on_done: Callable[[PurgeResult], None] | None = None,
    ) -> None:
        self.tz = tz
        self._retention = (
            retention
            if keep_days is None
            else Retention(keep_days, retention.hourly_days, retention.daily_days)
        )
        self._batch_size = batch_size
        self._now = now
        self._on_done = on_done
        self._steps: list[_Step] | None = None
        self._started = 0.0
        self.result = PurgeResult()

    def run(self, session: Session) -> StoreTask | None:
        """Delete one batch; return self until every tier is done."""
        if self._steps is None:
            self._started = time.time()
            now = self._now()
            self._steps = _steps(session, now, self._retention, self.tz)
            self.result.raw_cutoff = raw_cutoff(session, now, self._retention.raw_days, self.tz)
            self.result.removed = {step.name: 0 for step in self._steps}
        while self._steps:
            step = self._steps[0]
            removed = purge_batch(session, step.model, step.where, self._batch_size)
            self.result.removed[step.name] += removed
            if removed == self._batch_size:
                self.result.batches += 1
                return self
            self._steps.pop(0)
            if removed:
                self.result.batches += 1
                return self
        _finish(session, self.result, self._started)
        if self._on_done is not None:
            self._on_done(self.result)
        return None


def purge(
    session: Session,
    tz: ZoneInfo,
    retention: Retention = DEFAULT_RETENTION,
    *,
    now: float,
    keep_days: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> PurgeResult:
    """Run a `PurgeTask` to the end here, committing after every batch."""
    task = PurgeTask(tz, retention, keep_days=keep_days, batch_size=batch_size, now=lambda: now)
    step: StoreTask | None = task
    while step is not None:
        step = step.run(session)
        session.commit()
    return task.result
