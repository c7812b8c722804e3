"""Reading a range back from the SQL engine for the `export` action.

Bounded pages with keyset pagination, and the `processing_jobs` row that
shows the progress while it runs. Runs in the engine's writer thread (through
`ReliabilityStore.async_run`); no Home Assistant imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import time
from typing import Any, Final, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from ..store import queries
from ..store.records import EventRecord, EventType
from ..store.schema import IntegrationMetrics, ProcessingJob
from .points import ExportItem

JOB_EXPORT: Final = "influxdb_export"
STATUS_RUNNING: Final = "running"
STATUS_SUCCESS: Final = "success"
STATUS_FAILED: Final = "failed"

_METRICS: Final = cast(Table, IntegrationMetrics.__table__)
_JOBS: Final = cast(Table, ProcessingJob.__table__)


@dataclass(frozen=True, slots=True)
class Page:
    """Items of one page and the cursor of the next (None: this was the last)."""

    items: Sequence[ExportItem]
    after: Any


def events_page(
    session: Session, *, start: float, end: float, after: tuple[float, int] | None, limit: int
) -> Page:
    """Up to `limit` events in [start, end), newest first, after the cursor."""
    page = queries.get_events(session, start=start, end=end, limit=limit, after=after)
    known = set(EventType)
    records = [
        EventRecord(
            event["integration_id"],
            event["integration_domain"],
            EventType(event["event_type"]),
            event["timestamp"],
            event["entity_id"],
            event["details"],
        )
        for event in page.events
        if event["event_type"] in known
    ]
    return Page(records, queries.decode_cursor(page.next_cursor) if page.next_cursor else None)


def rollups_page(
    session: Session, *, start: float, end: float, after: int | None, limit: int
) -> Page:
    """Up to `limit` rollup rows of every period starting in [start, end), by id."""
    query = select(_METRICS).where(_METRICS.c.period_start >= start, _METRICS.c.period_start < end)
    if after is not None:
        query = query.where(_METRICS.c.id > after)
    rows = [
        dict(row) for row in session.execute(query.order_by(_METRICS.c.id).limit(limit)).mappings()
    ]
    return Page(rows, rows[-1]["id"] if len(rows) == limit else None)


def start_job(session: Session, *, start: float, end: float) -> int:
    """Insert the job row (status `running`); return its id."""
    job = ProcessingJob(
        job_type=JOB_EXPORT,
        range_start=start,
        range_end=end,
        started_at=time.time(),
        status=STATUS_RUNNING,
        rows_processed=0,
        rows_written=0,
    )
    session.add(job)
    session.flush()
    return job.id


def update_job(
    session: Session,
    job_id: int,
    *,
    processed: int,
    written: int,
    status: str = STATUS_RUNNING,
    error: str | None = None,
) -> None:
    """Record the progress (or the outcome) of a running export."""
    values: dict[str, Any] = {
        "rows_processed": processed,
        "rows_written": written,
        "status": status,
        "error": error,
    }
    if status != STATUS_RUNNING:
        values["completed_at"] = time.time()
    session.execute(update(_JOBS).where(_JOBS.c.id == job_id).values(**values))
