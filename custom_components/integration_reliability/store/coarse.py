"""Day, week and month rows, summed from the hourly rows.

Two metrics sums cannot give are read from their sources:
``tracked_entity_seconds`` (from ``tracked_entities`` for the whole period,
including quiet hours) and ``entities_affected`` (distinct entities: those in
an outage at the period start, from the checkpoint of the hourly run ending
there, plus those whose outage starts inside it, from the raw events).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .checkpoint import coarse_job_type, open_outages_at, record_job
from .metrics import COUNTER_FIELDS, SECONDS_FIELDS, derive_metrics, empty_row, write_rows
from .outages import Lookups, recovery_keys, resolve_renames
from .periods import PERIOD_HOUR
from .records import EventType
from .schema import Event, IntegrationMetrics
from .tracked import tracked_seconds


def _affected_entities(session: Session, p0: float, p1: float, lookups: Lookups) -> dict[str, int]:
    """Distinct entities per integration_id with an outage in [p0, p1)."""
    unavailable = lookups.type_refs.get(EventType.UNAVAILABLE)
    recovered = lookups.type_refs.get(EventType.RECOVERED)
    keys = set(open_outages_at(session, p0))
    # An outage closed exactly at p0 still sits in the checkpoint but has no
    # second inside the period; a new outage opening at p0 is re-added below.
    closed_at_start = (
        session.execute(
            select(Event.integration_ref, Event.entity_ref, Event.details).where(
                Event.event_type_ref == recovered, Event.timestamp == p0
            )
        )
        .tuples()
        .all()
    )
    resolve_renames(session, lookups, [(recovered, details) for _, _, details in closed_at_start])
    for iref, eref, details in closed_at_start:
        keys.difference_update(recovery_keys(iref, eref, details, lookups))
    keys.update(
        session.execute(
            select(Event.integration_ref, Event.entity_ref)
            .where(
                Event.event_type_ref == unavailable,
                Event.timestamp >= p0,
                Event.timestamp < p1,
            )
            .distinct()
        ).tuples()
    )
    counts: dict[str, int] = {}
    for iref, _ in keys:
        iid = lookups.integrations[iref][0]
        counts[iid] = counts.get(iid, 0) + 1
    return counts


def compute_coarse(
    session: Session, period: str, p0: float, p1: float, lookups: Lookups | None = None
) -> list[dict[str, Any]]:
    """Rows of one day / week / month from the hourly rows (see module doc)."""
    lookups = lookups or Lookups.load(session)
    m = IntegrationMetrics
    summed = [*COUNTER_FIELDS, *SECONDS_FIELDS]
    rows: dict[str, dict[str, Any]] = {}
    result = session.execute(
        select(
            m.integration_id,
            func.max(m.integration_domain),
            *(func.sum(getattr(m, name)) for name in summed),
        )
        .where(m.period == PERIOD_HOUR, m.period_start >= p0, m.period_start < p1)
        .group_by(m.integration_id)
    )
    for iid, dom, *sums in result:
        row = rows[iid] = empty_row(iid, dom, period, p0, p1)
        for name, value in zip(summed, sums, strict=True):
            row[name] = type(row[name])(value or 0)
    for iid, (dom, secs) in tracked_seconds(session, p0, p1).items():
        row = rows.setdefault(iid, empty_row(iid, dom, period, p0, p1))
        row["tracked_entity_seconds"] = secs
    for iid, count in _affected_entities(session, p0, p1, lookups).items():
        if iid in rows:
            rows[iid]["entities_affected"] = count
    for row in rows.values():
        derive_metrics(row)
    return [rows[iid] for iid in sorted(rows)]


def rollup_coarse(session: Session, period: str, p0: float, p1: float) -> int:
    """Recompute and store the rows of one coarse period; return rows written."""
    started = time.time()
    rows = compute_coarse(session, period, p0, p1)
    write_rows(session, period, p0, p0 + 1, rows)
    record_job(session, coarse_job_type(period), p0, p1, started, len(rows), len(rows))
    return len(rows)
