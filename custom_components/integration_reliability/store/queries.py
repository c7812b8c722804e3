"""Read functions behind the services and sensors (run in the writer thread or executor).

Every function takes the SQLAlchemy `Session` first and returns plain data
(dicts / dataclasses of built-in types); timestamps are UTC epoch floats, which
the Home Assistant layer formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
import json
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Table, TextClause, and_, bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from .checkpoint import open_outages_at, rollup_frontier
from .hourly import compute_hours
from .metrics import derive_metrics
from .outages import Lookups
from .periods import (
    HOUR,
    PERIOD_DAY,
    PERIOD_HOUR,
    PERIOD_MONTH,
    PERIOD_WEEK,
    hour_ceil,
    hour_floor,
    iter_periods,
)
from .records import EventType
from .schema import (
    EntityRow,
    Event,
    EventTypeRow,
    Integration,
    IntegrationMetrics,
    PatternInsight,
    ProcessingJob,
)
from .tracked import tracked_seconds

METRIC_FIELDS: Final = (
    "integration_id",
    "integration_domain",
    "period",
    "period_start",
    "period_end",
    "total_events",
    "unavailable_events",
    "recovered_events",
    "blips",
    "entities_affected",
    "unavailable_seconds",
    "tracked_entity_seconds",
    "availability",
    "mttr_seconds",
    "mtbf_seconds",
    "setup_failures",
    "setup_retries",
    "reloads",
    "heal_attempts",
    "heal_successes",
    "heal_failures",
    "success_rate",
)
# Core columns of the table (not ORM attributes): a select of them skips the
# ORM's per-statement work and returns plain rows.
_METRICS_C: Final = cast(Table, IntegrationMetrics.__table__).c
_METRIC_COLUMNS: Final = tuple(_METRICS_C[name] for name in METRIC_FIELDS)

DAY: Final = 86400.0
WEEK: Final = 7 * DAY
# Longest possible period (DST days have 25 hours, months 31 days).
_LONGEST: Final = {
    PERIOD_HOUR: HOUR,
    PERIOD_DAY: DAY + HOUR,
    PERIOD_WEEK: WEEK + HOUR,
    PERIOD_MONTH: 31 * DAY + HOUR,
}
_SUMMED: Final = (
    "total_events",
    "unavailable_events",
    "recovered_events",
    "blips",
    "unavailable_seconds",
    "tracked_entity_seconds",
    "repair_seconds_total",
    "setup_failures",
    "setup_retries",
    "reloads",
    "heal_attempts",
    "heal_successes",
    "heal_failures",
)
# An integration quiet for longer than this has its last outage looked up
# through the daily rollups first, so the usual case reads one month of index.
_LAST_OUTAGE_WINDOW: Final = 30 * DAY


def _integration_filter(
    column_id: Any,
    column_domain: Any,
    integration_ids: Sequence[str] | None,
    domains: Sequence[str] | None,
) -> Any:
    """Rows of any of `integration_ids` or any of `domains` (no filter when both empty)."""
    clauses = []
    if integration_ids:
        clauses.append(column_id.in_(list(integration_ids)))
    if domains:
        clauses.append(column_domain.in_(list(domains)))
    return or_(*clauses) if clauses else None


def get_metrics(
    session: Session,
    *,
    period: str,
    start: float,
    end: float,
    integration_ids: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Rollup rows of `period` overlapping [start, end), oldest first.

    Hourly rows are sparse: an hour without events or outages has no row
    (it was fully available).
    """
    m = _METRICS_C
    query = select(*_METRIC_COLUMNS).where(
        m.period == period,
        # The lower bound on period_start keeps this a narrow index range scan.
        m.period_start > start - _LONGEST[period],
        m.period_start < end,
        m.period_end > start,
    )
    where = _integration_filter(m.integration_id, m.integration_domain, integration_ids, domains)
    if where is not None:
        query = query.where(where)
    query = query.order_by(m.period_start, m.integration_id)
    return [
        dict(zip(METRIC_FIELDS, row, strict=True)) for row in session.connection().execute(query)
    ]


_MAX_TILES: Final = 5


def _totals_sql(filter_column: str | None) -> TextClause:
    sums = ", ".join(f"SUM({name})" for name in _SUMMED)
    columns = ", ".join(("integration_id", "integration_domain", *_SUMMED))
    if filter_column == "one":
        narrow = " AND integration_id = :id"
    elif filter_column is not None:
        narrow = f" AND {filter_column} IN :ids"
    else:
        narrow = ""
    # One index range per tile (UNION ALL): an OR of the tiles would make the
    # planner read every row of the integration (all its hours) instead.
    tiles = " UNION ALL ".join(
        f"SELECT {columns} FROM integration_metrics"
        f" WHERE period = :p{k} AND period_start >= :a{k} AND period_start < :b{k}{narrow}"
        for k in range(_MAX_TILES)
    )
    statement = text(
        f"SELECT integration_id, MAX(integration_domain), {sums} FROM ({tiles}) AS tiles"
        " GROUP BY integration_id"
    )
    if filter_column not in (None, "one"):
        statement = statement.bindparams(bindparam("ids", expanding=True))
    return statement


_TOTALS_SQL: Final = {
    "one": _totals_sql("one"),
    "ids": _totals_sql("integration_id"),
    "domains": _totals_sql("integration_domain"),
    "all": _totals_sql(None),
}


def _cover(start: float, end: float, tz: ZoneInfo) -> tuple[tuple[str, float, float], ...]:
    """Tile [start, end) with the fewest whole local months, days and hours.

    Only the hour-grid points inside the range matter (every tile edge is
    one), so the range is rounded to them and the tiling cached: sensors and
    services ask for the same windows over and over.
    """
    return _cover_grid(hour_ceil(start, tz), hour_floor(end, tz), tz)


@lru_cache(maxsize=512)
def _cover_grid(start: float, end: float, tz: ZoneInfo) -> tuple[tuple[str, float, float], ...]:
    tiles: list[tuple[str, float, float]] = []

    def fill(a: float, b: float, periods: tuple[str, ...]) -> None:
        if a >= b or not periods:
            return
        period, rest = periods[0], periods[1:]
        if period == PERIOD_HOUR:
            # The hour grid is regular: no need to walk it.
            first, last = hour_ceil(a, tz), hour_floor(b, tz)
            if first < last:
                tiles.append((period, first, last))
            return
        inside = [(p0, p1) for p0, p1 in iter_periods(period, a, b, tz) if a <= p0 and p1 <= b]
        if not inside:
            fill(a, b, rest)
            return
        fill(a, inside[0][0], rest)
        tiles.append((period, inside[0][0], inside[-1][1]))
        fill(inside[-1][1], b, rest)

    fill(start, end, (PERIOD_MONTH, PERIOD_DAY, PERIOD_HOUR))
    return tuple(tiles)


def get_totals(
    session: Session,
    *,
    start: float,
    end: float,
    tz: ZoneInfo,
    integration_ids: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Metrics per integration summed over [start, end), from the coarsest rollups.

    The range is tiled with whole local months, then days, then hours (its
    edges are rounded to the hour grid), so a year costs ~12 month rows plus
    a few day and hour rows per integration. Counts, seconds and the ratios
    derived from them are exact; `entities_affected` is not additive and is
    left out. Only rolled-up hours count (not the current partial hour).
    """
    tiles = _cover(start, end, tz)
    if not tiles:
        return []
    # At most five tiles (hours, days, months, days, hours); unused slots match
    # nothing. Plain SQL built once: this query is on the sensors' hot path, and
    # building the expression each call would cost more than running it.
    params: dict[str, Any] = {}
    for k in range(_MAX_TILES):
        period, a, b = tiles[k] if k < len(tiles) else ("", 0.0, 0.0)
        params |= {f"p{k}": period, f"a{k}": a, f"b{k}": b}
    # Ids or domains narrow the statement; both at once (rare) filter below.
    key = "all"
    if integration_ids and len(integration_ids) == 1 and not domains:
        key, params["id"] = "one", integration_ids[0]
    elif integration_ids and not domains:
        key, params["ids"] = "ids", list(integration_ids)
    elif domains and not integration_ids:
        key, params["ids"] = "domains", list(domains)
    wanted = set(integration_ids or ()), set(domains or ())
    totals: dict[str, dict[str, Any]] = {}
    for iid, dom, *sums in session.connection().execute(_TOTALS_SQL[key], params):
        if key == "all" and any(wanted) and iid not in wanted[0] and dom not in wanted[1]:
            continue
        totals[iid] = {"integration_id": iid, "integration_domain": dom, "start": start, "end": end}
        # MySQL sums integers as DECIMAL: back to the column's Python type.
        totals[iid].update(
            (name, (float if "seconds" in name else int)(value or 0))
            for name, value in zip(_SUMMED, sums, strict=True)
        )
    if totals:
        # Hourly rows are sparse: quiet hours' tracked time comes from the source.
        covered = tracked_seconds(
            session, tiles[0][1], tiles[-1][2], integration_ids=sorted(totals)
        )
        for iid, row in totals.items():
            row["tracked_entity_seconds"] = covered.get(iid, ("", 0.0))[1]
    for row in totals.values():
        derive_metrics(row)
    return [totals[iid] for iid in sorted(totals)]


# --- raw events with keyset pagination -----------------------------------------


@dataclass(slots=True)
class EventsPage:
    """One page of events (newest first) and the cursor of the next, if any."""

    events: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(timestamp: float, event_id: int) -> str:
    """Opaque cursor: the (timestamp, id) of the last event of a page."""
    return f"{timestamp!r}:{event_id}"


def decode_cursor(cursor: str) -> tuple[float, int]:
    """Inverse of `encode_cursor`; ValueError on anything else."""
    ts, sep, event_id = cursor.partition(":")
    if not sep:
        raise ValueError("malformed cursor")
    return float(ts), int(event_id)


def get_events(
    session: Session,
    *,
    integration_ids: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
    event_types: Sequence[str] | None = None,
    entity_ids: Sequence[str] | None = None,
    start: float | None = None,
    end: float | None = None,
    limit: int = 100,
    after: tuple[float, int] | None = None,
) -> EventsPage:
    """Raw events, newest first, `limit` per page; `after` is a decoded cursor.

    Keyset pagination on (timestamp, id): a page costs the same however deep,
    and events recorded meanwhile never shift or repeat a page.
    """
    query: Select[Any] = (
        select(
            Event.id,
            Integration.integration_id,
            Integration.integration_domain,
            Event.timestamp,
            EventTypeRow.event_type,
            EntityRow.entity_id,
            Event.details,
        )
        .join(Integration, Integration.id == Event.integration_ref)
        .join(EventTypeRow, EventTypeRow.id == Event.event_type_ref)
        .outerjoin(EntityRow, EntityRow.id == Event.entity_ref)
    )
    where = _integration_filter(
        Integration.integration_id, Integration.integration_domain, integration_ids, domains
    )
    if where is not None:
        query = query.where(where)
    if event_types:
        query = query.where(EventTypeRow.event_type.in_(list(event_types)))
    if entity_ids:
        query = query.where(EntityRow.entity_id.in_(list(entity_ids)))
    if start is not None:
        query = query.where(Event.timestamp >= start)
    if end is not None:
        query = query.where(Event.timestamp < end)
    if after is not None:
        ts, event_id = after
        query = query.where(
            or_(Event.timestamp < ts, and_(Event.timestamp == ts, Event.id < event_id))
        )
    rows = session.execute(
        query.order_by(Event.timestamp.desc(), Event.id.desc()).limit(limit + 1)
    ).all()
    events = [
        {
            "id": row.id,
            "integration_id": row.integration_id,
            "integration_domain": row.integration_domain,
            "timestamp": row.timestamp,
            "event_type": row.event_type,
            "entity_id": row.entity_id,
            "details": json.loads(row.details) if row.details else None,
        }
        for row in rows[:limit]
    ]
    more = len(rows) > limit
    last = events[-1] if events else None
    return EventsPage(
        events, encode_cursor(last["timestamp"], last["id"]) if more and last else None
    )


# --- insights and jobs -----------------------------------------------------------


def latest_insights(
    session: Session, *, insight_type: str | None = None, period: str | None = None
) -> list[dict[str, Any]]:
    """The most recent insight of each type (or of `insight_type`) for `period`."""
    pi = PatternInsight
    latest = select(pi.insight_type, func.max(pi.id).label("id")).group_by(pi.insight_type)
    if insight_type is not None:
        latest = latest.where(pi.insight_type == insight_type)
    if period is not None:
        latest = latest.where(pi.period == period)
    ids = select(latest.subquery().c.id)
    return [
        {
            "insight_type": row.insight_type,
            "period": row.period,
            "period_start": row.period_start,
            "period_end": row.period_end,
            "created_at": row.created_at,
            "data": row.data,
        }
        for row in session.scalars(select(pi).where(pi.id.in_(ids)).order_by(pi.insight_type))
    ]


def recent_jobs(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The latest processing jobs (diagnostics), newest first, without checkpoints."""
    pj = ProcessingJob
    return [
        {
            "job_type": job.job_type,
            "range_start": job.range_start,
            "range_end": job.range_end,
            "started_at": job.started_at,
            "completed_at": job.completed_at,
            "status": job.status,
            "rows_processed": job.rows_processed,
            "rows_written": job.rows_written,
            "error": job.error,
        }
        for job in session.scalars(select(pj).order_by(pj.id.desc()).limit(limit))
    ]


# --- live summary for the sensors -----------------------------------------------


@dataclass(slots=True)
class IntegrationLiveSummary:
    """What an integration's sensors show (None where there is nothing to measure)."""

    integration_id: str
    integration_domain: str
    availability_24h: float | None = None
    outages_today: int = 0
    unavailable_now: int = 0
    last_outage: float | None = None
    mttr_7d: float | None = None
    heal_success_rate: float | None = None


@dataclass(slots=True)
class LiveSummaries:
    """Per-integration summaries plus the overall figures."""

    integrations: dict[str, IntegrationLiveSummary] = field(default_factory=dict)
    events_recorded: int = 0
    last_aggregation: float | None = None


@dataclass(slots=True)
class _Window:
    unavailable_seconds: float = 0.0
    outages_today: int = 0
    repair_7d: float = 0.0
    recovered_7d: int = 0
    heal_successes_7d: int = 0
    heal_failures_7d: int = 0
    domain: str = ""


def _add_rows(
    windows: dict[str, _Window], rows: Sequence[dict[str, Any]], now: float, day_start: float
) -> None:
    for row in rows:
        w = windows.setdefault(row["integration_id"], _Window())
        w.domain = row["integration_domain"]
        p0 = row["period_start"]
        if p0 >= now - DAY:
            w.unavailable_seconds += row["unavailable_seconds"]
        if p0 >= day_start:
            w.outages_today += row["unavailable_events"]
        w.repair_7d += row["repair_seconds_total"]
        w.recovered_7d += row["recovered_events"]
        w.heal_successes_7d += row["heal_successes"]
        w.heal_failures_7d += row["heal_failures"]


def _last_outages(session: Session, now: float, lookups: Lookups) -> dict[str, float]:
    """Start of the latest outage per integration_id."""
    unavailable = lookups.type_refs.get(EventType.UNAVAILABLE)
    if unavailable is None:
        return {}
    found = {
        lookups.integrations[iref][0]: ts
        for iref, ts in session.execute(
            select(Event.integration_ref, func.max(Event.timestamp))
            .where(
                Event.event_type_ref == unavailable, Event.timestamp >= now - _LAST_OUTAGE_WINDOW
            )
            .group_by(Event.integration_ref)
        )
    }
    # Older outages: the daily rollups say which day, the raw events (if kept) when.
    m = IntegrationMetrics
    older = session.execute(
        select(m.integration_id, func.max(m.period_start), func.max(m.period_end))
        .where(m.period == PERIOD_DAY, m.unavailable_events > 0)
        .group_by(m.integration_id)
    ).all()
    refs = {iid: iref for iref, (iid, _) in lookups.integrations.items()}
    for iid, d0, _ in older:
        if iid in found or iid not in refs:
            continue
        exact = session.scalar(
            select(func.max(Event.timestamp)).where(
                Event.event_type_ref == unavailable,
                Event.integration_ref == refs[iid],
                Event.timestamp >= d0,
                Event.timestamp < d0 + 2 * DAY,
            )
        )
        found[iid] = d0 if exact is None else exact
    return found


def _events_recorded(session: Session) -> int:
    """Events ever recorded: monthly rollups, plus raw events since (survives purges)."""
    m = IntegrationMetrics
    total, until = session.execute(
        select(func.sum(m.total_events), func.max(m.period_end)).where(m.period == PERIOD_MONTH)
    ).one()
    recent = select(func.count()).select_from(Event)
    if until is not None:
        recent = recent.where(Event.timestamp >= until)
    return int(total or 0) + int(session.scalar(recent) or 0)


def integration_summaries(session: Session, *, now: float, day_start: float) -> LiveSummaries:
    """Live figures per integration, cheap enough for every sensor refresh.

    Closed hours come from the hourly rollups; the hours since the last rollup
    (at most ~1 h in normal operation) are computed from the raw events and
    the outages open at the rollup's checkpoint. Windows: availability over
    the 24 h before `now` (from the first whole rolled-up hour in it), outages
    since `day_start` (the caller's local midnight), MTTR and heal success
    rate over the last 7 days.
    """
    lookups = Lookups.load(session)
    frontier = rollup_frontier(session)
    windows: dict[str, _Window] = {}
    if frontier is not None:
        m = IntegrationMetrics
        hourly = session.execute(
            select(*_METRIC_COLUMNS, m.repair_seconds_total).where(
                m.period == PERIOD_HOUR, m.period_start >= now - WEEK, m.period_start < frontier
            )
        )
        _add_rows(
            windows,
            [dict(zip((*METRIC_FIELDS, "repair_seconds_total"), r, strict=True)) for r in hourly],
            now,
            day_start,
        )
        tail_start = frontier
    else:
        first = session.scalar(select(func.min(Event.timestamp)))
        tail_start = now if first is None else max(first, now - WEEK)
    open_now: dict[str, int] = {}
    if tail_start < now:
        state = dict(open_outages_at(session, tail_start))
        tail, _ = compute_hours(session, tail_start, now, state, lookups)
        _add_rows(windows, tail, now, day_start)
        for iref, _ in state:
            iid = lookups.integrations[iref][0]
            open_now[iid] = open_now.get(iid, 0) + 1
    # Whole hours only: the 24 h window starts at the first hour boundary in it.
    window_start = (
        now - DAY if frontier is None else frontier - HOUR * ((frontier - (now - DAY)) // HOUR)
    )
    tracked = tracked_seconds(session, window_start, now)
    last = _last_outages(session, now, lookups)
    result = LiveSummaries(events_recorded=_events_recorded(session), last_aggregation=frontier)
    for iid in sorted(windows.keys() | tracked.keys()):
        w = windows.get(iid, _Window())
        dom, secs = tracked.get(iid, (w.domain, 0.0))
        heals = w.heal_successes_7d + w.heal_failures_7d
        result.integrations[iid] = IntegrationLiveSummary(
            integration_id=iid,
            integration_domain=w.domain or dom,
            availability_24h=(
                min(1.0, max(0.0, 1 - w.unavailable_seconds / secs)) if secs > 0 else None
            ),
            outages_today=w.outages_today,
            unavailable_now=open_now.get(iid, 0),
            last_outage=last.get(iid),
            mttr_7d=w.repair_7d / w.recovered_7d if w.recovered_7d else None,
            heal_success_rate=w.heal_successes_7d / heals if heals else None,
        )
    return result
