"""Every long job the writer thread runs, as thin tasks over plain functions.

A long job (rollups, purge) does one bounded slice per `run` and returns its
continuation, which the engine puts back at the end of the queue so that
event writes interleave with it. The logic lives in the modules that own it
(`planner`, `coarse`, `insights`, `purge`); a task only holds its parameters
and progress, and reports its result through `on_done` (called in the writer
thread) when it ends.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .checkpoint import rollup_frontier
from .coarse import rollup_coarse
from .insights import compute_last_closed
from .periods import COARSE_PERIODS, PERIOD_DAY
from .planner import (
    DEFAULT_MAX_HOURS,
    DEFAULT_SETTLE_SECONDS,
    BackfillProgress,
    RollupResult,
    backfill_slice,
    coarse_periods_to_redo,
    rollup_slice,
)
from .purge import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_RETENTION,
    PurgeProgress,
    PurgeResult,
    Retention,
    purge_slice,
    retention_for,
)


class StoreTask(ABC):
    """A unit of work for the writer thread."""

    @abstractmethod
    def run(self, session: Session) -> StoreTask | None:
        """Do one bounded slice inside the writer's session.

        Return the task to re-queue for the next slice, or None when done.
        The engine commits after each slice.
        """


@dataclass(slots=True)
class RollupTask(StoreTask):
    """Incremental rollup / start-up catch-up: one bounded slice per `run`.

    Re-queues itself until every hour closed at `now()` (read at the first
    slice, so a long catch-up has an end) is rolled up, then reports.
    """

    tz: ZoneInfo
    now: Callable[[], float] = time.time
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    max_hours: int = DEFAULT_MAX_HOURS
    on_done: Callable[[RollupResult], None] | None = None
    result: RollupResult = field(default_factory=RollupResult, init=False)
    _until: float | None = field(default=None, init=False)

    def run(self, session: Session) -> StoreTask | None:
        """Roll up the next slice; return self while more closed hours remain."""
        if self._until is None:
            self._until = self.now()
        more = rollup_slice(
            session,
            self.tz,
            self._until,
            self.result,
            settle_seconds=self.settle_seconds,
            max_hours=self.max_hours,
        )
        if more:
            return self
        if self.result.frontier is None:
            self.result.frontier = rollup_frontier(session)
        if self.on_done is not None:
            self.on_done(self.result)
        return None


@dataclass(slots=True)
class BackfillTask(StoreTask):
    """Recompute the rollups of a range (the `aggregate` service), slice by slice."""

    tz: ZoneInfo
    start: float
    end: float
    max_hours: int = DEFAULT_MAX_HOURS
    on_done: Callable[[RollupResult], None] | None = None
    progress: BackfillProgress = field(init=False)

    def __post_init__(self) -> None:
        """Start at the beginning of the range."""
        self.progress = BackfillProgress(self.start, self.end, self.max_hours)

    @property
    def result(self) -> RollupResult:
        """Totals so far."""
        return self.progress.result

    def run(self, session: Session) -> StoreTask | None:
        """Recompute the next slice; return self until the range is done."""
        if backfill_slice(session, self.tz, self.progress):
            return self
        self.result.frontier = rollup_frontier(session)
        if self.on_done is not None:
            self.on_done(self.result)
        return None


@dataclass(slots=True)
class CoarseRollupTask(StoreTask):
    """Recompute day / week / month rows of a range from the hourly rows.

    Needs no raw events, so it also serves ranges whose raw events were
    purged. Only periods that closed before the hourly frontier are redone;
    one period per slice.
    """

    tz: ZoneInfo
    periods: Sequence[str]
    start: float
    end: float
    on_done: Callable[[dict[str, int]], None] | None = None
    rows_written: dict[str, int] = field(init=False)
    _todo: list[tuple[str, float, float]] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        """Count rows per coarse period asked for."""
        self.rows_written = {p: 0 for p in COARSE_PERIODS if p in self.periods}

    def run(self, session: Session) -> StoreTask | None:
        """Recompute the next period; return self until none is left."""
        if self._todo is None:
            self._todo = coarse_periods_to_redo(
                session, self.tz, self.periods, self.start, self.end
            )
        if self._todo:
            period, p0, p1 = self._todo.pop(0)
            self.rows_written[period] += rollup_coarse(session, period, p0, p1)
        if self._todo:
            return self
        if self.on_done is not None:
            self.on_done(self.rows_written)
        return None


@dataclass(slots=True)
class InsightsTask(StoreTask):
    """Compute and store the insights of the last closed local `period` (daily job)."""

    tz: ZoneInfo
    period: str = PERIOD_DAY
    now: Callable[[], float] = time.time
    on_done: Callable[[dict[str, dict[str, Any]]], None] | None = None

    def run(self, session: Session) -> StoreTask | None:
        """One slice is enough: insights read one period of outage starts and rollups."""
        result = compute_last_closed(session, self.tz, self.period, self.now())
        if self.on_done is not None:
            self.on_done(result)
        return None


@dataclass(slots=True)
class PurgeTask(StoreTask):
    """Apply the retention tiers, one batch per `run`, re-queuing itself."""

    tz: ZoneInfo
    retention: Retention = DEFAULT_RETENTION
    keep_days: int | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    now: Callable[[], float] = time.time
    on_done: Callable[[PurgeResult], None] | None = None
    # Rebuild the SQLite file at the end (VACUUM), whatever it frees.
    repack: bool = False
    progress: PurgeProgress = field(init=False)
    _at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        """Nothing removed yet."""
        self.progress = PurgeProgress(
            retention_for(self.retention, self.keep_days), self.batch_size, repack=self.repack
        )

    @property
    def result(self) -> PurgeResult:
        """Rows removed so far."""
        return self.progress.result

    def run(self, session: Session) -> StoreTask | None:
        """Delete one batch; return self until every tier is done."""
        if self._at is None:
            self._at = self.now()
        if purge_slice(session, self.tz, self._at, self.progress):
            return self
        if self.on_done is not None:
            self.on_done(self.result)
        return None
