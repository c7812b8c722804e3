"""Runs and checkpoints in `processing_jobs` (seed 002's job tracking).

Every rollup, insight and purge run records one job row: its type, range,
timing, rows processed and written, status and error. The hourly runs also
leave a checkpoint in `state`: the outages still open at `range_end`, so the
next run starts there and reads only the new hours' events. The newest
successful hourly run's `range_end` is the rollup *frontier*.
"""

from __future__ import annotations

import json
import time
from typing import Final

from sqlalchemy import and_, bindparam, func, insert, select
from sqlalchemy.orm import Session

from .outages import Lookups, OutageKey, replay_open_at
from .schema import Base, ProcessingJob

JOB_ROLLUP_HOUR: Final = "rollup_hour"
JOB_PURGE: Final = "purge"
STATUS_SUCCESS: Final = "success"
STATUS_FAILED: Final = "failed"

_JOBS_TABLE: Final = Base.metadata.tables[ProcessingJob.__tablename__]
_J = _JOBS_TABLE.c


def coarse_job_type(period: str) -> str:
    """Job type recorded for a rollup of `period`."""
    return f"rollup_{period}"


_ROLLUP_DONE: Final = and_(_J.job_type == JOB_ROLLUP_HOUR, _J.status == STATUS_SUCCESS)
# The newest successful hourly run: the frontier and the checkpoint there, in
# one index lookup (job_type, status, range_end).
_LATEST_CHECKPOINT_SQL: Final = (
    select(_J.range_end, _J.state)
    .where(_ROLLUP_DONE)
    .order_by(_J.range_end.desc(), _J.id.desc())
    .limit(1)
)
_CHECKPOINT_AT_SQL: Final = (
    select(_J.state)
    .where(_ROLLUP_DONE, _J.range_end == bindparam("ts"), _J.state.is_not(None))
    .order_by(_J.id.desc())
    .limit(1)
)
_PURGE_HORIZON_SQL: Final = select(func.max(_J.range_end)).where(
    _J.job_type == JOB_PURGE, _J.status == STATUS_SUCCESS
)
_INSERT_JOB_SQL: Final = insert(_JOBS_TABLE)


def dump_state(open_outages: dict[OutageKey, float]) -> str:
    """The checkpoint text of a set of open outages (stable order)."""
    items = sorted(open_outages.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[1]))
    return json.dumps([[i, e, s] for (i, e), s in items])


def load_state(raw: str) -> dict[OutageKey, float]:
    """Inverse of `dump_state`."""
    return {(int(i), None if e is None else int(e)): float(s) for i, e, s in json.loads(raw)}


def latest_checkpoint(session: Session) -> tuple[float, str | None] | None:
    """The frontier and the raw checkpoint stored there (None before the first run)."""
    row = session.connection().execute(_LATEST_CHECKPOINT_SQL).first()
    return None if row is None else (row[0], row[1])


def rollup_frontier(session: Session) -> float | None:
    """End of the hourly rollups done so far (None before the first run)."""
    found = latest_checkpoint(session)
    return None if found is None else found[0]


def purge_horizon(session: Session) -> float | None:
    """Raw events before this were purged: hours before it cannot be recomputed."""
    horizon: float | None = session.connection().execute(_PURGE_HORIZON_SQL).scalar()
    return horizon


def open_outages_at(session: Session, ts: float) -> dict[OutageKey, float]:
    """Outages open at `ts`: the checkpoint of the hourly run ending there, else a replay."""
    raw = session.connection().execute(_CHECKPOINT_AT_SQL, {"ts": ts}).scalar()
    if raw is not None:
        return load_state(raw)
    return replay_open_at(session, ts, Lookups.load(session))


def record_job(
    session: Session,
    job_type: str,
    p0: float,
    p1: float,
    started: float,
    processed: int,
    written: int,
    state: str | None = None,
) -> None:
    """Record a successful run."""
    session.connection().execute(
        _INSERT_JOB_SQL,
        {
            "job_type": job_type,
            "range_start": p0,
            "range_end": p1,
            "started_at": started,
            "completed_at": time.time(),
            "status": STATUS_SUCCESS,
            "rows_processed": processed,
            "rows_written": written,
            "state": state,
            "error": None,
        },
    )


def record_failure(
    session: Session, job_type: str, a: float | None, b: float | None, err: Exception
) -> None:
    """Roll back a failed run's work and record the failure instead."""
    session.rollback()
    now = time.time()
    session.add(
        ProcessingJob(
            job_type=job_type,
            range_start=a,
            range_end=b,
            started_at=now,
            completed_at=now,
            status=STATUS_FAILED,
            rows_processed=0,
            rows_written=0,
            error=repr(err)[:2000],
        )
    )
