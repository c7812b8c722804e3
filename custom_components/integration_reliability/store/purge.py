"""Tiered retention: raw events, hourly, daily rollups; bounded batches.

Tiers (days, all configurable): raw events 90, hourly rollups 730, daily
rollups 2555; weekly and monthly rollups are kept. Deletes go by primary key
in batches of at most `batch_size` rows, one batch per `purge_slice` (`tasks.PurgeTask`), so the
writer thread interleaves them with event writes and no transaction is large.

Raw events are only purged before the hourly rollup frontier (and before the
start of the local day containing the cutoff, so the purge horizon recorded in
`processing_jobs` is a day boundary): an unfinished rollup never loses input.

Disk space follows the data: SQLite files use incremental auto-vacuum, and
every slice gives at most `RECLAIM_PAGES` freed pages back to the file
system, so the file shrinks in bounded steps while writes go on. A file from
before (auto-vacuum off) is switched by one VACUUM at the first purge that
frees a tenth of it, or at a purge with `repack`. PostgreSQL and MariaDB
reclaim space with their own (auto)vacuum / purge threads.

Orphaned lookup rows (integrations, entities without events) are not purged:
the engine caches lookup ids in memory, and removing a row it may still use
would break the next insert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
import time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from .checkpoint import JOB_PURGE, STATUS_SUCCESS, rollup_frontier
from .periods import PERIOD_DAY, PERIOD_HOUR, period_bounds
from .schema import CommittedBatch, Event, IntegrationMetrics, PatternInsight, ProcessingJob

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


# Free pages handed back to the file system per slice: bounded work between writes.
RECLAIM_PAGES: Final = 2048
# The batch ledger only has to outlive a retry or the next start's journal replay.
LEDGER_DAYS: Final = 30
_AUTO_VACUUM_INCREMENTAL: Final = 2
# An old file is rebuilt (once) when this share of it is free.
_REPACK_FREE_SHARE: Final = 0.1


@dataclass(slots=True)
class PurgeResult:
    """Rows removed per table, and the raw-event cutoff applied."""

    removed: dict[str, int] = field(default_factory=dict)
    raw_cutoff: float | None = None
    batches: int = 0
    # SQLite: bytes given back to the file system, and whether the file was rebuilt.
    reclaimed_bytes: int = 0
    repacked: bool = False


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
        _Step("ir_batches", CommittedBatch, CommittedBatch.committed_at <= now - LEDGER_DAYS * DAY),
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


def _sqlite_pragma(session: Session, name: str) -> int:
    return int(session.execute(text(f"PRAGMA {name}")).scalar_one())


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def reclaim(session: Session, pages: int = RECLAIM_PAGES) -> int:
    """SQLite, incremental auto-vacuum: give back at most `pages` free pages.

    Returns the bytes given back (0 on other engines or an old file).
    """
    if not _is_sqlite(session) or _sqlite_pragma(session, "auto_vacuum") != (
        _AUTO_VACUUM_INCREMENTAL
    ):
        return 0
    before = _sqlite_pragma(session, "freelist_count")
    if not before:
        return 0
    session.execute(text(f"PRAGMA incremental_vacuum({pages})"))
    return (before - _sqlite_pragma(session, "freelist_count")) * _sqlite_pragma(
        session, "page_size"
    )


def _wants_repack(session: Session, requested: bool) -> bool:
    """Rebuild when asked, or once to switch an old file to incremental auto-vacuum."""
    if not _is_sqlite(session):
        return False
    if requested:
        return True
    if _sqlite_pragma(session, "auto_vacuum") == _AUTO_VACUUM_INCREMENTAL:
        return False
    pages = _sqlite_pragma(session, "page_count")
    return pages > 0 and _sqlite_pragma(session, "freelist_count") >= pages * _REPACK_FREE_SHARE


def repack(session: Session) -> int:
    """SQLite: rebuild the file (VACUUM) with incremental auto-vacuum; bytes given back.

    Blocks writes while it runs (records queue meanwhile); needs free disk
    space of about the file's size.
    """
    session.commit()
    size = _sqlite_pragma(session, "page_count") * _sqlite_pragma(session, "page_size")
    connection = session.connection()
    connection.exec_driver_sql("PRAGMA auto_vacuum = INCREMENTAL")
    connection.exec_driver_sql("VACUUM")
    session.commit()
    return size - _sqlite_pragma(session, "page_count") * _sqlite_pragma(session, "page_size")


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
    if _is_sqlite(session):
        # Give the freed pages' WAL back to the file system, refresh planner stats.
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.execute(text("PRAGMA optimize"))
        session.commit()


@dataclass(slots=True)
class PurgeProgress:
    """A purge under way: the tiers still to delete from, and what was removed."""

    retention: Retention
    batch_size: int = DEFAULT_BATCH_SIZE
    result: PurgeResult = field(default_factory=PurgeResult)
    steps: list[_Step] | None = None
    started: float = 0.0
    repack: bool = False


def purge_slice(session: Session, tz: ZoneInfo, now: float, progress: PurgeProgress) -> bool:
    """Delete one batch; whether more remain (the last call records the job)."""
    if progress.steps is None:
        progress.started = time.time()
        progress.steps = _steps(session, now, progress.retention, tz)
        progress.result.raw_cutoff = raw_cutoff(session, now, progress.retention.raw_days, tz)
        progress.result.removed = {step.name: 0 for step in progress.steps}
    result = progress.result
    while progress.steps:
        step = progress.steps[0]
        removed = purge_batch(session, step.model, step.where, progress.batch_size)
        result.removed[step.name] += removed
        if removed == progress.batch_size:
            result.batches += 1
            result.reclaimed_bytes += reclaim(session)
            return True
        progress.steps.pop(0)
        if removed:
            result.batches += 1
            result.reclaimed_bytes += reclaim(session)
            return True
    # What the deletions freed and the per-batch steps have not given back yet.
    if freed := reclaim(session):
        result.reclaimed_bytes += freed
        return True
    if _wants_repack(session, progress.repack):
        result.reclaimed_bytes += repack(session)
        result.repacked = True
    _finish(session, result, progress.started)
    return False


def retention_for(retention: Retention, keep_days: int | None) -> Retention:
    """The tiers to apply: `keep_days` (the purge service) overrides the raw tier."""
    if keep_days is None:
        return retention
    return Retention(keep_days, retention.hourly_days, retention.daily_days)


def purge(
    session: Session,
    tz: ZoneInfo,
    retention: Retention = DEFAULT_RETENTION,
    *,
    now: float,
    keep_days: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    repack: bool = False,
) -> PurgeResult:
    """Purge to the end here, committing after every batch."""
    progress = PurgeProgress(retention_for(retention, keep_days), batch_size, repack=repack)
    while purge_slice(session, tz, now, progress):
        session.commit()
    session.commit()
    return progress.result
