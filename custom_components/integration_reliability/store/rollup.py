"""Incremental rollups: raw events → hourly rows → day / week / month rows.

Definitions (every number a user sees comes from these):

- An **outage** of an entity starts at its ``unavailable`` event (whose
  timestamp is the true start) and ends at the next ``recovered`` event of the
  same entity; an ``unavailable`` while that entity is already in an outage is
  a duplicate (e.g. re-announced after a restart) and is ignored. A
  ``recovered`` with no open outage closes nothing. An outage still open when a
  period is rolled up counts up to the end of that period.
- ``unavailable_events``: outages started in the period.
- ``recovered_events``: outages that ended in the period by a real recovery;
  ``repair_seconds_total`` is the sum of their durations and ``mttr_seconds``
  its mean (NULL if none). A ``recovered`` row whose details hold
  ``closed_by`` (the listener closing the outage of a removed, disabled or
  excluded entity) ends the outage — its unavailable seconds stop there — but
  is no repair: it counts in neither.
- Rename: the listener moves an open outage to the entity's new id and writes
  its ``recovered`` row under the NEW id with ``details.renamed_from`` = the
  old id (the first one, after several renames), while the ``unavailable`` row
  that opened it is under the old id. Such a row ends the open outage of the
  old id (same integration) exactly like a recovery of that id would —
  ``closed_by`` included — and, like any ``recovered`` row, also the new id's
  own outage if one is open.
- ``setup_failures`` / ``setup_retries``: failure spells started in the period.
  The listener writes ONE row per spell (and rewrites its details in place,
  with the attempt count, when the spell ends), so rows are counted, never
  attempts.
- ``unavailable_seconds``: entity-seconds of outage inside the period (an outage
  is split across every period it overlaps).
- ``entities_affected``: distinct entities with an outage that started in the
  period or was open during part of it.
- ``tracked_entity_seconds``: entity-seconds of the integration's entities
  existing (``tracked_entities``: first_seen .. removed_at) inside the period.
- ``availability`` = 1 - unavailable_seconds ÷ tracked_entity_seconds, clamped to
  [0, 1]; NULL when nothing was tracked.
- ``mtbf_seconds`` = available entity-seconds (tracked - unavailable, at least 0)
  ÷ outages started in the period: the mean entity uptime between failures.
  NULL when no outage started.
- ``success_rate`` = heal successes ÷ (successes + failures); NULL when there was
  no heal outcome, never 100 % by default.

Hours follow the local hour grid of the given time zone (the UTC grid shifted
by the sub-hour part of the offset, so days of half-hour zones are whole
hours). Hourly rows are sparse: an integration gets one only for an hour with
an event or an outage (a quiet hour is fully available). Day, week (ISO, from
Monday) and month rows are dense for every integration with tracked entities or
activity; their boundaries are local midnights, so a DST day has 23 or 25 hours.

Coarse rows are sums of the hourly rows, except two metrics sums cannot give:
``tracked_entity_seconds`` (read from ``tracked_entities`` for the whole period,
including quiet hours) and ``entities_affected`` (distinct entities: those in an
outage at the period start, from the checkpoint of the hourly run ending
there, plus those whose outage starts inside it, from the raw events).

Incremental: every hourly run stores in ``processing_jobs`` its range and the
outages still open at its end (``state``), so the next run starts from that
checkpoint and reads only the new hour's events. A run never crosses a local
midnight, which guarantees a checkpoint at every day / week / month start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import json
import logging
import math
import time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import (
    TextClause,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from .records import EventType
from .schema import (
    Base,
    EntityRow,
    Event,
    EventTypeRow,
    Integration,
    IntegrationMetrics,
    ProcessingJob,
    TrackedEntity,
)
from .tasks import StoreTask

_LOGGER = logging.getLogger(__name__)

PERIOD_HOUR: Final = "hour"
PERIOD_DAY: Final = "day"
PERIOD_WEEK: Final = "week"
PERIOD_MONTH: Final = "month"
PERIODS: Final = (PERIOD_HOUR, PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH)
COARSE_PERIODS: Final = (PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH)

JOB_ROLLUP_HOUR: Final = "rollup_hour"
JOB_PURGE: Final = "purge"
STATUS_SUCCESS: Final = "success"
STATUS_FAILED: Final = "failed"

HOUR: Final = 3600.0
# Events reach the database after the grace period and the commit interval;
# an hour is rolled up only once this long has passed since it ended.
DEFAULT_SETTLE_SECONDS: Final = 300.0
# Bounded slice of a catch-up or backfill: at most a day per writer-thread turn.
DEFAULT_MAX_HOURS: Final = 24

COUNTER_FIELDS: Final = (
    "total_events",
    "unavailable_events",
    "recovered_events",
    "blips",
    "setup_failures",
    "setup_retries",
    "reloads",
    "heal_attempts",
    "heal_successes",
    "heal_failures",
)
SECONDS_FIELDS: Final = ("unavailable_seconds", "repair_seconds_total")

_TYPE_COUNTER: Final[dict[str, str]] = {
    EventType.SETUP_FAILURE: "setup_failures",
    EventType.SETUP_RETRY: "setup_retries",
    EventType.RELOAD: "reloads",
    EventType.HEAL_ATTEMPT: "heal_attempts",
    EventType.HEAL_SUCCESS: "heal_successes",
    EventType.HEAL_FAILURE: "heal_failures",
}

# Core tables: executemany inserts skip the ORM's per-row work, and the hot-path
# statements below are built once from them (a constant Core statement memoizes
# its cache key, so each execution reuses the compiled SQL at almost no cost).
_METRICS_TABLE: Final = Base.metadata.tables[IntegrationMetrics.__tablename__]
_JOBS_TABLE: Final = Base.metadata.tables[ProcessingJob.__tablename__]
_EVENTS_TABLE: Final = Base.metadata.tables[Event.__tablename__]
_INTEGRATIONS_TABLE: Final = Base.metadata.tables[Integration.__tablename__]
_TYPES_TABLE: Final = Base.metadata.tables[EventTypeRow.__tablename__]
_TRACKED_TABLE: Final = Base.metadata.tables[TrackedEntity.__tablename__]
_ENTITIES_TABLE: Final = Base.metadata.tables[EntityRow.__tablename__]

# (integration_ref, entity_ref): entity refs are only unique within an event.
OutageKey = tuple[int, int | None]


def coarse_job_type(period: str) -> str:
    """Job type recorded for a rollup of `period`."""
    return f"rollup_{period}"


# --- time grid ---------------------------------------------------------------


def _sub_hour_offset(ts: float, tz: ZoneInfo) -> float:
    offset = datetime.fromtimestamp(ts, tz).utcoffset()
    return (offset.total_seconds() if offset else 0.0) % HOUR


def hour_floor(ts: float, tz: ZoneInfo) -> float:
    """Start of the local hour containing `ts`."""
    frac = _sub_hour_offset(ts, tz)
    return math.floor((ts + frac) / HOUR) * HOUR - frac


def hour_ceil(ts: float, tz: ZoneInfo) -> float:
    """Smallest local hour boundary at or after `ts`."""
    start = hour_floor(ts, tz)
    return start if start == ts else start + HOUR


def _local_midnight(day: Any, tz: ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


def period_bounds(period: str, ts: float, tz: ZoneInfo) -> tuple[float, float]:
    """Start and end (UTC epoch) of the local `period` containing `ts`."""
    if period == PERIOD_HOUR:
        start = hour_floor(ts, tz)
        return start, start + HOUR
    day = datetime.fromtimestamp(ts, tz).date()
    if period == PERIOD_DAY:
        first, after = day, day + timedelta(days=1)
    elif period == PERIOD_WEEK:
        first = day - timedelta(days=day.weekday())
        after = first + timedelta(days=7)
    elif period == PERIOD_MONTH:
        first = day.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"unknown period {period!r}")
    return _local_midnight(first, tz), _local_midnight(after, tz)


def iter_periods(
    period: str, start: float, end: float, tz: ZoneInfo
) -> Iterator[tuple[float, float]]:
    """Every local `period` overlapping [start, end), in order."""
    p0, p1 = period_bounds(period, start, tz)
    while p0 < end:
        yield p0, p1
        p0, p1 = period_bounds(period, p1, tz)


def is_boundary(period: str, ts: float, tz: ZoneInfo) -> bool:
    """Whether `ts` is the start of a local `period`."""
    return period_bounds(period, ts, tz)[0] == ts


# --- derived metrics ---------------------------------------------------------


def derive_metrics(row: dict[str, Any]) -> None:
    """Fill the ratio metrics of a rollup row from its sums (see module doc)."""
    tracked = row["tracked_entity_seconds"]
    unavailable = row["unavailable_seconds"]
    row["availability"] = min(1.0, max(0.0, 1.0 - unavailable / tracked)) if tracked > 0 else None
    recovered = row["recovered_events"]
    row["mttr_seconds"] = row["repair_seconds_total"] / recovered if recovered else None
    started = row["unavailable_events"]
    row["mtbf_seconds"] = max(0.0, tracked - unavailable) / started if started else None
    heals = row["heal_successes"] + row["heal_failures"]
    row["success_rate"] = row["heal_successes"] / heals if heals else None


def _empty_row(
    integration_id: str, domain: str, period: str, p0: float, p1: float
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "integration_id": integration_id,
        "integration_domain": domain,
        "period": period,
        "period_start": p0,
        "period_end": p1,
        "entities_affected": 0,
        "tracked_entity_seconds": 0.0,
    }
    row.update(dict.fromkeys(COUNTER_FIELDS, 0))
    row.update(dict.fromkeys(SECONDS_FIELDS, 0.0))
    return row


# --- lookups and checkpoints -------------------------------------------------


@dataclass(slots=True)
class Lookups:
    """Small lookup tables, read once per slice.

    `entity_refs` caches the entity refs of the old ids named by rename
    recoveries (`renamed_from`), filled in batches by `resolve_entities`
    before the rows naming them are replayed (None: no such entity).
    """

    integrations: dict[int, tuple[str, str]]
    type_names: dict[int, str]
    type_refs: dict[str, int]
    entity_refs: dict[str, int | None] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Lookups:
        """Read the lookup tables."""
        conn = session.connection()
        integrations = {ref: (iid, dom) for ref, iid, dom in conn.execute(_INTEGRATIONS_SQL)}
        type_names: dict[int, str] = dict(conn.execute(_TYPES_SQL).tuples().all())
        return cls(integrations, type_names, {name: ref for ref, name in type_names.items()})

    def resolve_entities(self, session: Session, names: Iterable[str]) -> None:
        """Look up (one query per batch) the refs of the entity ids not cached yet."""
        missing = sorted({name for name in names if name not in self.entity_refs})
        if not missing:
            return
        conn = session.connection()
        for i in range(0, len(missing), _ENTITY_BATCH):
            batch = missing[i : i + _ENTITY_BATCH]
            found = dict(conn.execute(_ENTITY_REFS_SQL, {"names": batch}).tuples().all())
            for name in batch:
                self.entity_refs[name] = found.get(name)


_INTEGRATIONS_SQL: Final = select(
    _INTEGRATIONS_TABLE.c.id,
    _INTEGRATIONS_TABLE.c.integration_id,
    _INTEGRATIONS_TABLE.c.integration_domain,
)
_TYPES_SQL: Final = select(_TYPES_TABLE.c.id, _TYPES_TABLE.c.event_type)
_ENTITY_REFS_SQL: Final = select(_ENTITIES_TABLE.c.entity_id, _ENTITIES_TABLE.c.id).where(
    _ENTITIES_TABLE.c.entity_id.in_(bindparam("names", expanding=True))
)
# Bound parameters per look-up: well under every backend's limit.
_ENTITY_BATCH: Final = 500


def _renamed_from(details: str | None) -> str | None:
    """The old entity id a `recovered` row closes after a rename, if any."""
    if not details or "renamed_from" not in details:
        return None
    try:
        old = json.loads(details).get("renamed_from")
    except (ValueError, AttributeError):
        return None
    return old if isinstance(old, str) and old else None


def _recovery_keys(
    iref: int, eref: int | None, details: str | None, lookups: Lookups
) -> tuple[OutageKey, ...]:
    """The outages a `recovered` row ends: the old id's first after a rename, then its own.

    The old id's ref must have been looked up (`Lookups.resolve_entities`).
    """
    old = _renamed_from(details)
    if old is not None:
        old_ref = lookups.entity_refs.get(old)
        if old_ref is not None and old_ref != eref:
            return ((iref, old_ref), (iref, eref))
    return ((iref, eref),)


def _resolve_renames(
    session: Session, lookups: Lookups, rows: Iterable[tuple[int | None, str | None]]
) -> None:
    """Look up the old ids named by the rename recoveries among (type ref, details) rows."""
    recovered = lookups.type_refs.get(EventType.RECOVERED)
    names = [
        name
        for tref, details in rows
        if tref == recovered and (name := _renamed_from(details)) is not None
    ]
    if names:
        lookups.resolve_entities(session, names)


_J = _JOBS_TABLE.c
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


def _dump_state(open_outages: dict[OutageKey, float]) -> str:
    items = sorted(open_outages.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[1]))
    return json.dumps([[i, e, s] for (i, e), s in items])


def _load_state(raw: str) -> dict[OutageKey, float]:
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
    return session.scalar(
        select(func.max(ProcessingJob.range_end)).where(
            ProcessingJob.job_type == JOB_PURGE, ProcessingJob.status == STATUS_SUCCESS
        )
    )


def _scan_open_at(session: Session, ts: float, lookups: Lookups) -> dict[OutageKey, float]:
    """Outages open at `ts`, replayed from raw history (only without a checkpoint)."""
    unavailable = lookups.type_refs.get(EventType.UNAVAILABLE)
    recovered = lookups.type_refs.get(EventType.RECOVERED)
    open_outages: dict[OutageKey, float] = {}
    if recovered is not None:
        # The old ids of renames, first: no look-up while the replay streams.
        renamed = session.execute(
            select(Event.details).where(
                Event.event_type_ref == recovered,
                Event.timestamp < ts,
                Event.details.like("%renamed_from%"),
            )
        ).scalars()
        _resolve_renames(session, lookups, [(recovered, details) for details in renamed])
    rows = session.execute(
        select(
            Event.integration_ref,
            Event.entity_ref,
            Event.event_type_ref,
            Event.timestamp,
            Event.details,
        )
        .where(Event.timestamp < ts, Event.event_type_ref.in_([unavailable, recovered]))
        .order_by(Event.timestamp, Event.id)
    )
    for iref, eref, tref, ets, details in rows:
        if tref == unavailable:
            open_outages.setdefault((iref, eref), ets)
        else:
            for key in _recovery_keys(iref, eref, details, lookups):
                open_outages.pop(key, None)
    return open_outages


def open_outages_at(session: Session, ts: float) -> dict[OutageKey, float]:
    """Outages open at `ts`: the checkpoint of the hourly run ending there, else a replay."""
    raw = session.connection().execute(_CHECKPOINT_AT_SQL, {"ts": ts}).scalar()
    if raw is not None:
        return _load_state(raw)
    return _scan_open_at(session, ts, Lookups.load(session))


# --- tracked entity-seconds ----------------------------------------------------


def _tracked_sql(by_ids: str | None) -> TextClause:
    statement = text(
        "SELECT integration_id, MAX(integration_domain), SUM("
        " (CASE WHEN removed_at IS NULL OR removed_at > :p1 THEN :p1 ELSE removed_at END)"
        " - (CASE WHEN first_seen > :p0 THEN first_seen ELSE :p0 END))"
        " FROM tracked_entities"
        " WHERE first_seen < :p1 AND (removed_at IS NULL OR removed_at > :p0)"
        + {None: "", "one": " AND integration_id = :id", "many": " AND integration_id IN :ids"}[
            by_ids
        ]
        + " GROUP BY integration_id"
    )
    return statement.bindparams(bindparam("ids", expanding=True)) if by_ids == "many" else statement


# Plain SQL built once: the live sensors call this on every refresh. One id is
# the common case (a service call, a sensor) and needs no expanding IN.
_TRACKED_SQL: Final = {key: _tracked_sql(key) for key in (None, "one", "many")}


def tracked_seconds(
    session: Session, p0: float, p1: float, *, integration_ids: list[str] | None = None
) -> dict[str, tuple[str, float]]:
    """Entity-seconds of tracked entities per integration (all, or those) inside [p0, p1)."""
    params: dict[str, Any] = {"p0": p0, "p1": p1}
    key = None
    if integration_ids is not None and len(integration_ids) == 1:
        key, params["id"] = "one", integration_ids[0]
    elif integration_ids is not None:
        key, params["ids"] = "many", integration_ids
    rows = session.connection().execute(_TRACKED_SQL[key], params)
    return {iid: (dom, float(secs or 0.0)) for iid, dom, secs in rows}


_T = _TRACKED_TABLE.c
# Entities existing during the whole slice are only counted per integration;
# those added or removed inside it come back one by one. Two plain scans of a
# small table (one GROUP BY on its integration index): cheaper than one query
# grouping on computed columns.
_TRACKED_WHOLE_SQL: Final = (
    select(_T.integration_id, func.count())
    .where(
        _T.first_seen <= bindparam("a"),
        or_(_T.removed_at.is_(None), _T.removed_at >= bindparam("b")),
    )
    .group_by(_T.integration_id)
)
_TRACKED_PARTIAL_SQL: Final = select(_T.integration_id, _T.first_seen, _T.removed_at).where(
    or_(
        and_(_T.first_seen > bindparam("a"), _T.first_seen < bindparam("b")),
        and_(_T.removed_at > bindparam("a"), _T.removed_at < bindparam("b")),
    )
)


class _TrackedGrid:
    """Tracked entity-seconds per integration for the hours of a slice (one query)."""

    def __init__(self, session: Session, a: float, b: float) -> None:
        conn = session.connection()
        params = {"a": a, "b": b}
        self._full: dict[str, int] = dict(conn.execute(_TRACKED_WHOLE_SQL, params).tuples().all())
        self._partial: dict[str, list[tuple[float, float]]] = {}
        for iid, first, removed in conn.execute(_TRACKED_PARTIAL_SQL, params):
            self._partial.setdefault(iid, []).append((first, b if removed is None else removed))

    def seconds(self, integration_id: str, h0: float, h1: float) -> float:
        """Tracked entity-seconds of `integration_id` in [h0, h1) inside the slice."""
        total = self._full.get(integration_id, 0) * (h1 - h0)
        for first, removed in self._partial.get(integration_id, ()):
            total += max(0.0, min(removed, h1) - max(first, h0))
        return total


# --- hourly slice --------------------------------------------------------------


@dataclass(slots=True)
class _HourAcc:
    counts: dict[str, float] = field(default_factory=dict)
    affected: set[OutageKey] = field(default_factory=set)

    def add(self, name: str, value: float = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


def _blip_count(details: str | None) -> int:
    if details:
        try:
            count = json.loads(details).get("count", 1)
        except (ValueError, AttributeError):
            return 1
        if isinstance(count, int) and count > 0:
            return count
    return 1


def _closed_without_repair(details: str | None) -> bool:
    """Whether a `recovered` row only closed the outage (entity removed / disabled / excluded)."""
    if not details or "closed_by" not in details:
        return False
    try:
        return bool(json.loads(details).get("closed_by"))
    except (ValueError, AttributeError):
        return False


_E = _EVENTS_TABLE.c
_SLICE_EVENTS_SQL: Final = (
    select(_E.timestamp, _E.event_type_ref, _E.integration_ref, _E.entity_ref, _E.details)
    .where(_E.timestamp >= bindparam("a"), _E.timestamp < bindparam("b"))
    .order_by(_E.timestamp, _E.id)
)


@dataclass(slots=True)
class SliceResult:
    """What one hourly slice did."""

    range_start: float
    range_end: float
    events: int
    rows_written: int


def compute_hours(
    session: Session,
    a: float,
    b: float,
    open_outages: dict[OutageKey, float],
    lookups: Lookups,
) -> tuple[list[dict[str, Any]], int]:
    """Hourly rows of [a, b) (`a` on the hour grid); updates `open_outages` to b.

    `b` may be off the grid (the live summary's "now"): open outages count up
    to `b`, the last row covers a partial hour.
    """
    hours = math.ceil((b - a) / HOUR)
    accs: dict[tuple[int, int], _HourAcc] = {}

    def acc(iref: int, idx: int) -> _HourAcc:
        found = accs.get((iref, idx))
        if found is None:
            found = accs[(iref, idx)] = _HourAcc()
        return found

    def outage_interval(key: OutageKey, start: float, end: float) -> None:
        if start >= a:
            acc(key[0], int((start - a) // HOUR)).affected.add(key)
        first = max(0, int((max(start, a) - a) // HOUR))
        last = min(hours - 1, math.ceil((end - a) / HOUR) - 1)
        for idx in range(first, last + 1):
            h0 = a + idx * HOUR
            overlap = min(end, h0 + HOUR) - max(start, h0)
            if overlap > 0:
                hour = acc(key[0], idx)
                hour.add("unavailable_seconds", overlap)
                hour.affected.add(key)

    names = lookups.type_names
    events = session.connection().execute(_SLICE_EVENTS_SQL, {"a": a, "b": b}).all()
    # Renames are rare: one batched look-up, and only when the slice has one.
    _resolve_renames(session, lookups, ((tref, details) for _, tref, _, _, details in events))
    for ets, tref, iref, eref, details in events:
        hour = acc(iref, int((ets - a) // HOUR))
        hour.add("total_events")
        etype = names.get(tref)
        if etype == EventType.UNAVAILABLE:
            key = (iref, eref)
            if key not in open_outages:
                open_outages[key] = ets
                hour.add("unavailable_events")
        elif etype == EventType.RECOVERED:
            for key in _recovery_keys(iref, eref, details, lookups):
                start = open_outages.pop(key, None)
                if start is not None:
                    outage_interval(key, start, ets)
                    if not _closed_without_repair(details):
                        hour.add("recovered_events")
                        hour.add("repair_seconds_total", ets - start)
        elif etype == EventType.BLIP:
            hour.add("blips", _blip_count(details))
        elif etype in _TYPE_COUNTER:
            hour.add(_TYPE_COUNTER[etype])
    for key, start in open_outages.items():
        outage_interval(key, start, b)

    grid = _TrackedGrid(session, a, b) if accs else None
    rows = []
    for (iref, idx), hour in sorted(accs.items()):
        iid, dom = lookups.integrations[iref]
        h0 = a + idx * HOUR
        row = _empty_row(iid, dom, PERIOD_HOUR, h0, h0 + HOUR)
        row.update(hour.counts)
        row["entities_affected"] = len(hour.affected)
        assert grid is not None
        row["tracked_entity_seconds"] = grid.seconds(iid, h0, min(h0 + HOUR, b))
        derive_metrics(row)
        rows.append(row)
    return rows, len(events)


def _write_rows(
    session: Session, period: str, p0: float, p1: float, rows: list[dict[str, Any]]
) -> None:
    """Replace the `period` rows starting in [p0, p1): re-running gives identical rows."""
    conn = session.connection()
    conn.execute(_DELETE_ROWS_SQL, {"period": period, "p0": p0, "p1": p1})
    if rows:
        conn.execute(_INSERT_ROWS_SQL, rows)


_M = _METRICS_TABLE.c
_DELETE_ROWS_SQL: Final = delete(_METRICS_TABLE).where(
    _M.period == bindparam("period"),
    _M.period_start >= bindparam("p0"),
    _M.period_start < bindparam("p1"),
)
_INSERT_ROWS_SQL: Final = insert(_METRICS_TABLE)
_INSERT_JOB_SQL: Final = insert(_JOBS_TABLE)


def _record_job(
    session: Session,
    job_type: str,
    p0: float,
    p1: float,
    started: float,
    processed: int,
    written: int,
    state: str | None = None,
) -> None:
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


# --- coarse periods ------------------------------------------------------------


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
    _resolve_renames(session, lookups, [(recovered, details) for _, _, details in closed_at_start])
    for iref, eref, details in closed_at_start:
        keys.difference_update(_recovery_keys(iref, eref, details, lookups))
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
        row = rows[iid] = _empty_row(iid, dom, period, p0, p1)
        for name, value in zip(summed, sums, strict=True):
            row[name] = type(row[name])(value or 0)
    for iid, (dom, secs) in tracked_seconds(session, p0, p1).items():
        row = rows.setdefault(iid, _empty_row(iid, dom, period, p0, p1))
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
    _write_rows(session, period, p0, p0 + 1, rows)
    _record_job(session, coarse_job_type(period), p0, p1, started, len(rows), len(rows))
    return len(rows)


# --- slices, incremental and backfill -------------------------------------------


def _next_midnight(ts: float, tz: ZoneInfo) -> float:
    return period_bounds(PERIOD_DAY, ts, tz)[1]


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
    _write_rows(session, PERIOD_HOUR, a, b, rows)
    _record_job(session, JOB_ROLLUP_HOUR, a, b, started, events, len(rows), _dump_state(state))
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
    end = min(closed_until, start + max_hours * HOUR, _next_midnight(start, tz))
    if end <= start:
        return None
    return RollupPlan(start, end, closed_until, checkpoint)


def _plan_state(session: Session, plan: RollupPlan) -> dict[OutageKey, float]:
    """Outages open at the plan's start: its checkpoint, else a replay of history."""
    if plan.checkpoint is not None:
        return _load_state(plan.checkpoint)
    return open_outages_at(session, plan.start)


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
        rollup_hours(session, plan.start, plan.end, tz, open_outages=_plan_state(session, plan))
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


def backfill(
    session: Session, start: float, end: float, tz: ZoneInfo, *, max_hours: int = DEFAULT_MAX_HOURS
) -> int:
    """Recompute every rollup overlapping [start, end) idempotently; return hours done.

    Commits after each bounded slice. `BackfillTask` is the writer-thread form.
    """
    task = BackfillTask(tz, start, end, max_hours=max_hours)
    step: StoreTask | None = task
    while step is not None:
        step = step.run(session)
        session.commit()
    return task.result.hours


# --- writer-thread tasks -------------------------------------------------------


@dataclass(slots=True)
class RollupResult:
    """Totals of a finished rollup / backfill task, passed to `on_done`."""

    hours: int = 0
    events: int = 0
    rows_written: int = 0
    frontier: float | None = None
    error: str | None = None


def _record_failure(
    session: Session, job_type: str, a: float | None, b: float | None, err: Exception
) -> None:
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


class RollupTask(StoreTask):
    """Incremental rollup / start-up catch-up: one bounded slice per `run`.

    Re-queues itself until every hour closed at `now()` is rolled up, then
    calls `on_done` (in the writer thread) with the totals.
    """

    def __init__(
        self,
        tz: ZoneInfo,
        *,
        now: Callable[[], float] = time.time,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        max_hours: int = DEFAULT_MAX_HOURS,
        on_done: Callable[[RollupResult], None] | None = None,
    ) -> None:
        self.tz = tz
        self._now = now
        self._settle = settle_seconds
        self._max_hours = max_hours
        self._on_done = on_done
        self._until: float | None = None
        self.result = RollupResult()

    def run(self, session: Session) -> StoreTask | None:
        """Roll up the next slice; return self while more closed hours remain."""
        if self._until is None:
            # Fixed at the first slice so a long catch-up has an end.
            self._until = self._now()
        plan = plan_incremental(
            session, self.tz, self._until, settle_seconds=self._settle, max_hours=self._max_hours
        )
        if plan is None:
            return self._finish(session)
        try:
            done = rollup_hours(
                session, plan.start, plan.end, self.tz, open_outages=_plan_state(session, plan)
            )
        except Exception as err:
            _LOGGER.exception("Rollup of %s..%s failed", plan.start, plan.end)
            _record_failure(session, JOB_ROLLUP_HOUR, plan.start, plan.end, err)
            self.result.error = repr(err)
            return self._finish(session)
        self.result.hours += round((plan.end - plan.start) / HOUR)
        self.result.events += done.events
        self.result.rows_written += done.rows_written
        self.result.frontier = plan.end
        return self if plan.end < plan.closed_until else self._finish(session)

    def _finish(self, session: Session) -> StoreTask | None:
        if self.result.frontier is None:
            self.result.frontier = rollup_frontier(session)
        if self._on_done is not None:
            self._on_done(self.result)
        return None


class BackfillTask(StoreTask):
    """Recompute the rollups of a range (the `aggregate` service), slice by slice.

    Open outages are carried in memory from slice to slice, so only the
    first slice may need a replay of history.
    """

    def __init__(
        self,
        tz: ZoneInfo,
        start: float,
        end: float,
        *,
        max_hours: int = DEFAULT_MAX_HOURS,
        on_done: Callable[[RollupResult], None] | None = None,
    ) -> None:
        self.tz = tz
        self._start = start
        self._end = end
        self._max_hours = max_hours
        self._on_done = on_done
        self._span: tuple[float, float] | None = None
        self._cursor: float | None = None
        self._state: dict[OutageKey, float] | None = None
        self.result = RollupResult()

    def run(self, session: Session) -> StoreTask | None:
        """Recompute the next slice; return self until the range is done."""
        if self._cursor is None:
            self._span = backfill_range(session, self._start, self._end, self.tz)
            if self._span is None:
                return self._finish(session)
            self._cursor = self._span[0]
            self._state = open_outages_at(session, self._cursor)
        assert self._span is not None
        a, last = self._cursor, self._span[1]
        b = min(last, a + self._max_hours * HOUR, _next_midnight(a, self.tz))
        try:
            done = rollup_hours(session, a, b, self.tz, open_outages=self._state)
            if b == last:
                # Periods cut by the range end changed too; those closed are redone.
                frontier = rollup_frontier(session) or b
                for period in COARSE_PERIODS:
                    p0, p1 = period_bounds(period, b - 1, self.tz)
                    if b < p1 <= frontier:
                        done.rows_written += rollup_coarse(session, period, p0, p1)
        except Exception as err:
            _LOGGER.exception("Backfill of %s..%s failed", a, b)
            _record_failure(session, JOB_ROLLUP_HOUR, a, b, err)
            self.result.error = repr(err)
            return self._finish(session)
        self.result.hours += round((b - a) / HOUR)
        self.result.events += done.events
        self.result.rows_written += done.rows_written
        self._cursor = b
        return self if b < last else self._finish(session)

    def _finish(self, session: Session) -> StoreTask | None:
        self.result.frontier = rollup_frontier(session)
        if self._on_done is not None:
            self._on_done(self.result)
        return None


class CoarseRollupTask(StoreTask):
    """Recompute day / week / month rows of a range from the hourly rows.

    Needs no raw events, so it also serves ranges whose raw events were
    purged. Only periods that closed before the hourly frontier are redone;
    one period per slice.
    """

    def __init__(
        self,
        tz: ZoneInfo,
        periods: Sequence[str],
        start: float,
        end: float,
        *,
        on_done: Callable[[dict[str, int]], None] | None = None,
    ) -> None:
        self.tz = tz
        self._periods = [p for p in COARSE_PERIODS if p in periods]
        self._start = start
        self._end = end
        self._on_done = on_done
        self._todo: list[tuple[str, float, float]] | None = None
        self.rows_written: dict[str, int] = dict.fromkeys(self._periods, 0)

    def run(self, session: Session) -> StoreTask | None:
        """Recompute the next period; return self until none is left."""
        if self._todo is None:
            frontier = rollup_frontier(session) or self._start
            self._todo = [
                (period, p0, p1)
                for period in self._periods
                for p0, p1 in iter_periods(period, self._start, self._end, self.tz)
                if p1 <= frontier
            ]
        if self._todo:
            period, p0, p1 = self._todo.pop(0)
            self.rows_written[period] += rollup_coarse(session, period, p0, p1)
        if self._todo:
            return self
        if self._on_done is not None:
            self._on_done(self.rows_written)
        return None
