"""What to roll up next: incremental slices, catch-up and backfill.

Incremental: every hourly run stores in ``processing_jobs`` its range and the
outages still open at its end (`checkpoint`), so the next run starts from
that checkpoint and reads only the new hours' events. A slice never crosses
a local midnight, which guarantees a checkpoint at every day / week / month
start; when a slice closes a day, week or month, that period's row is
written too.

Each function here does one bounded slice and commits nothing: the writer
thread's tasks (`tasks.py`) call them one slice per turn, and the engine
commits after each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
import logging
import time
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .checkpoint import (
    JOB_ROLLUP_HOUR,
    dump_state,
    latest_checkpoint,
    load_state,
    open_outages_at,
    purge_horizon,
    record_failure,
    record_job,
    rollup_frontier,
)
from .coarse import rollup_coarse
from .hourly import compute_hours
from .metrics import write_rows
from .outages import Lookups, OutageKey
from .periods import (
    COARSE_PERIODS,
    HOUR,
    PERIOD_HOUR,
    hour_ceil,
    hour_floor,
    is_boundary,
    iter_periods,
    next_midnight,
    period_bounds,
)
from .schema import Event

_LOGGER = logging.getLogger(__name__)

# Events reach the database after the grace period and the commit interval;
# an hour is rolled up only once this long has passed since it ended.
DEFAULT_SETTLE_SECONDS: Final = 300.0
# Bounded slice of a catch-up or backfill: at most a day per writer-thread turn.
DEFAULT_MAX_HOURS: Final = 24


@dataclass(slots=True)
class SliceResult:
    """What one hourly slice did."""

    range_start: float
    range_end: float
    events: int
    rows_written: int


@dataclass(slots=True)
class RollupResult:
    """Totals of a finished rollup / backfill, passed to its task's `on_done`."""

    hours: int = 0
    events: int = 0
    rows_written: int = 0
    frontier: float | None = None
    error: str | None = None

    def add(self, done: SliceResult) -> None:
        """Count one slice."""
        self.hours += round((done.range_end - done.range_start) / HOUR)
        self.events += done.events
        self.rows_written += done.rows_written


def rollup_hours(
    session: Session,
    a: float,
    b: float,
    tz: ZoneInfo,
    *,
    open_outages: dict[OutageKey, float] | None = None,
) -> SliceResult:
    """Roll up the hours [a, b) (grid-aligned, within one local day).

    Stores the hourly rows and a checkpoint job; then, if `b` closes a day /
    week / month, those rows too. `open_outages` (outages open at `a`, updated
    in place to `b`) defaults to the checkpoint at `a`.
    """
    started = time.time()
    lookups = Lookups.load(session)
    state = open_outages if open_outages is not None else open_outages_at(session, a)
    rows, events = compute_hours(session, a, b, state, lookups)
    write_rows(session, PERIOD_HOUR, a, b, rows)
    record_job(session, JOB_ROLLUP_HOUR, a, b, started, events, len(rows), dump_state(state))
    written = len(rows)
    for period in COARSE_PERIODS:
        if is_boundary(period, b, tz):
            written += rollup_coarse(session, period, *period_bounds(period, b - 1, tz))
    return SliceResult(a, b, events, written)


def _first_start(session: Session, tz: ZoneInfo) -> float | None:
    first = session.scalar(select(func.min(Event.timestamp)))
    return None if first is None else hour_floor(first, tz)


@dataclass(slots=True)
class RollupPlan:
    """Where the next incremental slice starts and ends (None: nothing to do).

    `checkpoint` is the raw state stored at `start` by the previous run, if any.
    """

    start: float
    end: float
    closed_until: float
    checkpoint: str | None = None


def plan_incremental(
    session: Session,
    tz: ZoneInfo,
    now: float,
    *,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    max_hours: int = DEFAULT_MAX_HOURS,
) -> RollupPlan | None:
    """The next slice of hours closed since the last successful run."""
    closed_until = hour_floor(now - settle_seconds, tz)
    latest = latest_checkpoint(session)
    checkpoint = None
    if latest is not None:
        start, checkpoint = latest
    else:
        first = _first_start(session, tz)
        if first is None:
            return None
        start = first
    end = min(closed_until, start + max_hours * HOUR, next_midnight(start, tz))
    if end <= start:
        return None
    return RollupPlan(start, end, closed_until, checkpoint)


def plan_state(session: Session, plan: RollupPlan) -> dict[OutageKey, float]:
    """Outages open at the plan's start: its checkpoint, else a replay of history."""
    if plan.checkpoint is not None:
        return load_state(plan.checkpoint)
    return open_outages_at(session, plan.start)


def rollup_slice(
    session: Session,
    tz: ZoneInfo,
    until: float,
    result: RollupResult,
    *,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    max_hours: int = DEFAULT_MAX_HOURS,
) -> bool:
    """Roll up the next slice of hours closed at `until`; whether more remain.

    A failing slice is recorded (job and `result.error`) and ends the run.
    """
    plan = plan_incremental(session, tz, until, settle_seconds=settle_seconds, max_hours=max_hours)
    if plan is None:
        return False
    try:
        done = rollup_hours(
            session, plan.start, plan.end, tz, open_outages=plan_state(session, plan)
        )
    except Exception as err:
        _LOGGER.exception("Rollup of %s..%s failed", plan.start, plan.end)
        record_failure(session, JOB_ROLLUP_HOUR, plan.start, plan.end, err)
        result.error = repr(err)
        return False
    result.add(done)
    result.frontier = plan.end
    return plan.end < plan.closed_until


def rollup_incremental(
    session: Session,
    tz: ZoneInfo,
    now: float,
    *,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    max_hours: int = DEFAULT_MAX_HOURS,
) -> int:
    """Roll up every closed period since the last run, committing after each slice.

    Returns the number of hours processed. For the writer thread use
    `RollupTask`, which does the same one slice per turn.
    """
    hours = 0
    while plan := plan_incremental(
        session, tz, now, settle_seconds=settle_seconds, max_hours=max_hours
    ):
        rollup_hours(session, plan.start, plan.end, tz, open_outages=plan_state(session, plan))
        session.commit()
        hours += round((plan.end - plan.start) / HOUR)
    return hours


def backfill_range(
    session: Session, start: float, end: float, tz: ZoneInfo
) -> tuple[float, float] | None:
    """The recomputable part of [start, end): between the purge horizon and the frontier.

    Hours after the frontier are the incremental run's to do (so no gap can
    appear); hours before the purge horizon lost their raw events.
    """
    frontier = rollup_frontier(session)
    if frontier is None:
        return None
    lo = hour_floor(start, tz)
    horizon = purge_horizon(session)
    if horizon is not None:
        lo = max(lo, hour_ceil(horizon, tz))
    hi = min(hour_ceil(end, tz), frontier)
    return (lo, hi) if lo < hi else None


@dataclass(slots=True)
class BackfillProgress:
    """A backfill under way: the recomputable span, the next hour, the outages open there.

    Open outages are carried in memory from slice to slice, so only the
    first slice may need a replay of history.
    """

    start: float
    end: float
    max_hours: int = DEFAULT_MAX_HOURS
    result: RollupResult = field(default_factory=RollupResult)
    span: tuple[float, float] | None = None
    cursor: float | None = None
    state: dict[OutageKey, float] = field(default_factory=dict)


def backfill_slice(session: Session, tz: ZoneInfo, progress: BackfillProgress) -> bool:
    """Recompute the next slice of a backfill; whether more remain."""
    if progress.cursor is None:
        progress.span = backfill_range(session, progress.start, progress.end, tz)
        if progress.span is None:
            return False
        progress.cursor = progress.span[0]
        progress.state = open_outages_at(session, progress.cursor)
    assert progress.span is not None
    a, last = progress.cursor, progress.span[1]
    b = min(last, a + progress.max_hours * HOUR, next_midnight(a, tz))
    try:
        done = rollup_hours(session, a, b, tz, open_outages=progress.state)
        if b == last:
            # Periods cut by the range end changed too; those closed are redone.
            frontier = rollup_frontier(session) or b
            for period in COARSE_PERIODS:
                p0, p1 = period_bounds(period, b - 1, tz)
                if b < p1 <= frontier:
                    done.rows_written += rollup_coarse(session, period, p0, p1)
    except Exception as err:
        _LOGGER.exception("Backfill of %s..%s failed", a, b)
        record_failure(session, JOB_ROLLUP_HOUR, a, b, err)
        progress.result.error = repr(err)
        return False
    progress.result.add(done)
    progress.cursor = b
    return b < last


def backfill(
    session: Session, start: float, end: float, tz: ZoneInfo, *, max_hours: int = DEFAULT_MAX_HOURS
) -> int:
    """Recompute every rollup overlapping [start, end) idempotently; return hours done.

    Commits after each bounded slice. `BackfillTask` is the writer-thread form.
    """
    progress = BackfillProgress(start, end, max_hours)
    while backfill_slice(session, tz, progress):
        session.commit()
    session.commit()
    return progress.result.hours


def coarse_periods_to_redo(
    session: Session, tz: ZoneInfo, periods: Sequence[str], start: float, end: float
) -> list[tuple[str, float, float]]:
    """The day / week / month periods of [start, end) that closed before the frontier."""
    frontier = rollup_frontier(session) or start
    return [
        (period, p0, p1)
        for period in COARSE_PERIODS
        if period in periods
        for p0, p1 in iter_periods(period, start, end, tz)
        if p1 <= frontier
    ]
