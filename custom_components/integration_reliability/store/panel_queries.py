"""Read functions behind the Reliability panel and card (run in the writer thread).

Every answer comes from the rollups (coarsest first, see `queries.get_totals`)
plus the *live tail*: the hours since the rollups' frontier computed from the
raw events, so the period in progress is part of every figure ("so far").
Only the outage timeline, the heatmap, the failing-together pairs, the
failure spells and the events page read raw events, each bounded by the
integration's index range and the asked range.

Timestamps are UTC epoch floats; local periods (days, hours of the day) use
the `tz` passed in, which is the user's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
import json
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from .checkpoint import JOB_ROLLUP_HOUR, STATUS_SUCCESS, open_outages_at, rollup_frontier
from .hourly import compute_hours
from .insights import correlation
from .metrics import COUNTER_FIELDS, SECONDS_FIELDS, derive_metrics
from .outages import Lookups, OutageKey, recovery_keys
from .periods import PERIOD_DAY, PERIOD_HOUR, hour_ceil, hour_floor, iter_periods
from .queries import DAY, METRIC_FIELDS, get_totals
from .records import EventType
from .schema import (
    EntityRow,
    Event,
    Integration,
    IntegrationMetrics,
    ProcessingJob,
    TrackedEntity,
)
from .tracked import tracked_seconds

# The summed fields of a rollup row (what merges across tiles and the tail).
_SUMMED: Final = (*COUNTER_FIELDS, *SECONDS_FIELDS)
# Windows of the overview besides the asked range.
OVERVIEW_WINDOWS: Final = {"24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
# The sparkline shows at most this many days (the end of the range).
SPARKLINE_DAYS: Final = 90
# A timeline shows at most this many outages (the newest).
MAX_TIMELINE_OUTAGES: Final = 2000
_MARKER_TYPES: Final = (
    EventType.RELOAD,
    EventType.HEAL_ATTEMPT,
    EventType.HEAL_SUCCESS,
    EventType.HEAL_FAILURE,
    EventType.SETUP_FAILURE,
    EventType.SETUP_RETRY,
)
_SPELL_TYPES: Final = (EventType.SETUP_FAILURE, EventType.SETUP_RETRY)
_METRICS_C: Final = cast(Table, IntegrationMetrics.__table__).c


@dataclass(slots=True)
class _Live:
    """What every panel answer starts from: lookups, frontier and the live tail."""

    lookups: Lookups
    frontier: float | None
    tail_start: float
    tail: list[dict[str, Any]]
    open_now: dict[OutageKey, float]


def _live(session: Session, now: float, tz: ZoneInfo) -> _Live:
    """The hours since the rollups' frontier, computed from the raw events.

    Before the first rollup run, the tail starts at the first event (at most
    a week back: the engine's catch-up rolls up the rest within minutes).
    """
    lookups = Lookups.load(session)
    frontier = rollup_frontier(session)
    if frontier is not None:
        tail_start = frontier
    else:
        first = session.scalar(select(func.min(Event.timestamp)))
        tail_start = hour_floor(max(first, now - 7 * DAY), tz) if first is not None else now
    state: dict[OutageKey, float] = {}
    tail: list[dict[str, Any]] = []
    if tail_start < now:
        state = dict(open_outages_at(session, tail_start))
        tail, _ = compute_hours(session, tail_start, now, state, lookups)
    return _Live(lookups, frontier, tail_start, tail, state)


def _window(
    session: Session,
    live: _Live,
    start: float,
    now: float,
    tz: ZoneInfo,
    integration_ids: Sequence[str] | None,
) -> dict[str, dict[str, Any]]:
    """Metrics per integration over [start, now): closed rollups + the live tail.

    The window starts at the first hour boundary in it (as the sensors do);
    tracked entity-seconds are read from the source over the whole window.
    """
    grid_start = hour_ceil(start, tz)
    rows: dict[str, dict[str, Any]] = {}
    closed_end = min(live.tail_start, now)
    if grid_start < closed_end:
        for total in get_totals(
            session, start=grid_start, end=closed_end, tz=tz, integration_ids=integration_ids
        ):
            rows[total["integration_id"]] = total
    wanted = set(integration_ids) if integration_ids else None
    for hour in live.tail:
        iid = hour["integration_id"]
        if hour["period_start"] < grid_start or (wanted is not None and iid not in wanted):
            continue
        row = rows.get(iid)
        if row is None:
            row = rows[iid] = {
                "integration_id": iid,
                "integration_domain": hour["integration_domain"],
                **dict.fromkeys(COUNTER_FIELDS, 0),
                **dict.fromkeys(SECONDS_FIELDS, 0.0),
            }
        for name in _SUMMED:
            row[name] += hour[name]
    tracked = tracked_seconds(
        session, grid_start, now, integration_ids=list(integration_ids) if integration_ids else None
    )
    for iid, (domain, seconds) in tracked.items():
        row = rows.get(iid)
        if row is None:
            row = rows[iid] = {
                "integration_id": iid,
                "integration_domain": domain,
                **dict.fromkeys(COUNTER_FIELDS, 0),
                **dict.fromkeys(SECONDS_FIELDS, 0.0),
            }
        row["tracked_entity_seconds"] = seconds
    for row in rows.values():
        row.setdefault("tracked_entity_seconds", 0.0)
        row["start"], row["end"] = grid_start, now
        derive_metrics(row)
    return rows


_WINDOW_FIELDS: Final = (
    "availability",
    "unavailable_events",
    "unavailable_seconds",
    "mttr_seconds",
    "mtbf_seconds",
    "heal_attempts",
    "heal_successes",
    "heal_failures",
    "success_rate",
    "setup_failures",
    "setup_retries",
    "reloads",
    "blips",
)


def _daily(
    session: Session,
    live: _Live,
    start: float,
    now: float,
    tz: ZoneInfo,
    integration_ids: Sequence[str] | None,
) -> tuple[list[float], dict[str, list[float | None]]]:
    """Daily availability per integration: day rollups, and today so far.

    A day not rolled up yet (today, and days whose day row is pending) is
    computed like any window; a day without a row is a day the integration
    was not tracked (None).
    """
    bounds = list(iter_periods(PERIOD_DAY, start, now, tz))
    days = [p0 for p0, _ in bounds]
    index = {p0: k for k, p0 in enumerate(days)}
    series: dict[str, list[float | None]] = {}
    m = _METRICS_C
    query = select(m.integration_id, m.period_start, m.availability).where(
        m.period == PERIOD_DAY, m.period_start >= days[0], m.period_start < now
    )
    if integration_ids:
        query = query.where(m.integration_id.in_(list(integration_ids)))
    done: set[float] = set()
    for iid, p0, availability in session.connection().execute(query):
        k = index.get(p0)
        if k is None:
            continue
        series.setdefault(iid, [None] * len(days))[k] = availability
        done.add(p0)
    # Days without any day row yet (today; a day closed less than an hour ago).
    for p0, p1 in bounds:
        if p0 in done:
            continue
        for iid, row in _window(session, live, p0, min(p1, now), tz, integration_ids).items():
            if row["start"] < row["end"]:
                series.setdefault(iid, [None] * len(days))[index[p0]] = row["availability"]
    return days, series


def overview(
    session: Session,
    *,
    start: float,
    now: float,
    tz: ZoneInfo,
    integration_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Every monitored integration over [start, now) and the 24 h / 7 d / 30 d windows.

    Per integration: the range's metrics, the availability of each window,
    and the daily availability of (at most) the last `SPARKLINE_DAYS` days
    of the range. `totals` sums the range over all integrations.
    """
    live = _live(session, now, tz)
    ranged = _window(session, live, start, now, tz, integration_ids)
    windows = {
        name: _window(session, live, now - span, now, tz, integration_ids)
        for name, span in OVERVIEW_WINDOWS.items()
    }
    days, spark = _daily(
        session, live, max(start, now - SPARKLINE_DAYS * DAY), now, tz, integration_ids
    )
    open_by_integration: dict[str, int] = {}
    for iref, _ in live.open_now:
        iid = live.lookups.integrations[iref][0]
        open_by_integration[iid] = open_by_integration.get(iid, 0) + 1
    integrations = []
    for iid in sorted(ranged.keys() | spark.keys()):
        row = ranged.get(iid, {})
        integrations.append(
            {
                "integration_id": iid,
                "integration_domain": row.get("integration_domain")
                or next((d for i, d in live.lookups.integrations.values() if i == iid), iid),
                **{name: row.get(name) for name in _WINDOW_FIELDS},
                "windows": {
                    name: windows[name].get(iid, {}).get("availability") for name in windows
                },
                "open_outages": open_by_integration.get(iid, 0),
                "sparkline": spark.get(iid, [None] * len(days)),
            }
        )
    tracked = sum(r["tracked_entity_seconds"] for r in ranged.values())
    unavailable = sum(r["unavailable_seconds"] for r in ranged.values())
    successes = sum(r["heal_successes"] for r in ranged.values())
    failures = sum(r["heal_failures"] for r in ranged.values())
    return {
        "start": hour_ceil(start, tz),
        "end": now,
        "frontier": live.frontier,
        "sparkline_days": days,
        "integrations": integrations,
        "totals": {
            "integrations": len(integrations),
            "availability": max(0.0, 1 - unavailable / tracked) if tracked else None,
            "outages": sum(r["unavailable_events"] for r in ranged.values()),
            "unavailable_seconds": unavailable,
            "open_outages": sum(open_by_integration.values()),
            "heal_attempts": sum(r["heal_attempts"] for r in ranged.values()),
            "heal_successes": successes,
            "heal_failures": failures,
            "success_rate": successes / (successes + failures) if successes + failures else None,
        },
    }


def _tracked_spans(session: Session, integration_id: str) -> list[tuple[float, float | None]]:
    t = TrackedEntity
    return [
        (first, removed)
        for first, removed in session.execute(
            select(t.first_seen, t.removed_at).where(t.integration_id == integration_id)
        )
    ]


def availability_series(
    session: Session,
    *,
    integration_id: str,
    period: str,
    start: float,
    now: float,
    tz: ZoneInfo,
) -> list[dict[str, Any]]:
    """Availability of one integration per local `period` (hour or day) over [start, now).

    Closed periods come from their rollup rows; an hour without a row was
    fully available if any entity of the integration was tracked in it;
    the periods since the frontier are computed from the live tail, the
    last one marked `partial`.
    """
    live = _live(session, now, tz)
    m = _METRICS_C
    periods = list(iter_periods(period, start, now, tz))
    found = {
        p0: dict(zip(METRIC_FIELDS, row, strict=True))
        for row in session.connection().execute(
            select(*(m[name] for name in METRIC_FIELDS)).where(
                m.period == period,
                m.integration_id == integration_id,
                m.period_start >= periods[0][0],
                m.period_start < now,
            )
        )
        for p0 in (row[3],)
    }
    spans = _tracked_spans(session, integration_id)
    frontier = live.tail_start
    points = []
    for p0, p1 in periods:
        end = min(p1, now)
        row = found.get(p0)
        if p1 > frontier:
            row = _window(session, live, p0, end, tz, [integration_id]).get(integration_id)
        elif row is None and period == PERIOD_HOUR:
            tracked = any(
                first < p1 and (removed is None or removed > p0) for first, removed in spans
            )
            row = {
                "availability": 1.0 if tracked else None,
                "unavailable_events": 0,
                "unavailable_seconds": 0.0,
            }
        points.append(
            {
                "start": p0,
                "end": end,
                "partial": end < p1 or p1 > frontier,
                "availability": None if row is None else row["availability"],
                "outages": 0 if row is None else row["unavailable_events"],
                "unavailable_seconds": 0.0 if row is None else row["unavailable_seconds"],
            }
        )
    return points


def _open_at(
    session: Session, integration_ref: int, ts: float, lookups: Lookups
) -> dict[OutageKey, float]:
    """Outages of one integration open at `ts`: the checkpoint before it plus its events since."""
    j = ProcessingJob
    checkpoint = session.execute(
        select(j.range_end, j.state)
        .where(
            j.job_type == JOB_ROLLUP_HOUR,
            j.status == STATUS_SUCCESS,
            j.range_end <= ts,
            j.state.is_not(None),
        )
        .order_by(j.range_end.desc(), j.id.desc())
        .limit(1)
    ).first()
    since = 0.0
    state: dict[OutageKey, float] = {}
    if checkpoint is not None:
        since = checkpoint[0]
        state = {
            key: began
            for key, began in open_outages_at(session, since).items()
            if key[0] == integration_ref
        }
    unavailable = lookups.type_refs.get(EventType.UNAVAILABLE)
    recovered = lookups.type_refs.get(EventType.RECOVERED)
    for eref, tref, began, details in session.execute(
        select(Event.entity_ref, Event.event_type_ref, Event.timestamp, Event.details)
        .where(
            Event.integration_ref == integration_ref,
            Event.timestamp >= since,
            Event.timestamp < ts,
            Event.event_type_ref.in_([unavailable, recovered]),
        )
        .order_by(Event.timestamp, Event.id)
    ):
        if tref == unavailable:
            state.setdefault((integration_ref, eref), began)
        else:
            for key in recovery_keys(integration_ref, eref, details, lookups):
                state.pop(key, None)
    return state


def is_recorded(session: Session, *, integration_id: str) -> bool:
    """Whether the database has anything of this integration."""
    return (
        session.scalar(select(Integration.id).where(Integration.integration_id == integration_id))
        is not None
    )


def _integration_ref(lookups: Lookups, integration_id: str) -> int | None:
    return next(
        (ref for ref, (iid, _) in lookups.integrations.items() if iid == integration_id), None
    )


def _entity_names(session: Session, refs: set[int]) -> dict[int, str]:
    if not refs:
        return {}
    rows = session.execute(
        select(EntityRow.id, EntityRow.entity_id).where(EntityRow.id.in_(sorted(refs)))
    )
    return {int(row[0]): str(row[1]) for row in rows}


def _details(raw: str | None) -> dict[str, Any] | None:
    return json.loads(raw) if raw else None


def outage_timeline(
    session: Session, *, integration_id: str, start: float, end: float
) -> dict[str, Any]:
    """Outages of one integration overlapping [start, end), with heals, reloads and failures.

    Outages open at `start` are included with their true start where it is
    known (from the rollup checkpoint), else clipped to `start`.
    """
    lookups = Lookups.load(session)
    empty: dict[str, Any] = {"outages": [], "markers": [], "entities": [], "truncated": False}
    iref = _integration_ref(lookups, integration_id)
    if iref is None:
        return empty
    opened = _open_at(session, iref, start, lookups)
    unavailable = lookups.type_refs.get(EventType.UNAVAILABLE)
    recovered = lookups.type_refs.get(EventType.RECOVERED)
    markers = {lookups.type_refs[t] for t in _MARKER_TYPES if t in lookups.type_refs}
    outages: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    for eref, tref, ts, details in session.execute(
        select(Event.entity_ref, Event.event_type_ref, Event.timestamp, Event.details)
        .where(Event.integration_ref == iref, Event.timestamp >= start, Event.timestamp < end)
        .order_by(Event.timestamp, Event.id)
    ):
        if tref == unavailable:
            opened.setdefault((iref, eref), ts)
        elif tref == recovered:
            for key in recovery_keys(iref, eref, details, lookups):
                began = opened.pop(key, None)
                if began is not None:
                    outages.append(
                        {
                            "entity_ref": key[1],
                            "start": began or start,
                            "end": ts,
                            "known_start": bool(began),
                        }
                    )
        elif tref in markers:
            marks.append(
                {
                    "timestamp": ts,
                    "event_type": lookups.type_names[tref],
                    "details": _details(details),
                }
            )
    outages.extend(
        {"entity_ref": key[1], "start": began or start, "end": None, "known_start": bool(began)}
        for key, began in opened.items()
    )
    outages.sort(key=lambda o: (o["start"], o["entity_ref"] or 0))
    truncated = len(outages) > MAX_TIMELINE_OUTAGES
    outages = outages[-MAX_TIMELINE_OUTAGES:]
    names = _entity_names(session, {o["entity_ref"] for o in outages if o["entity_ref"]})
    for outage in outages:
        ref = outage.pop("entity_ref")
        outage["entity_id"] = names.get(ref) if ref is not None else None
        outage["duration_s"] = (outage["end"] if outage["end"] is not None else end) - outage[
            "start"
        ]
    return {
        "outages": outages,
        "markers": marks,
        "entities": sorted({o["entity_id"] for o in outages if o["entity_id"]}),
        "truncated": truncated,
    }


def heatmap(
    session: Session,
    *,
    start: float,
    end: float,
    tz: ZoneInfo,
    integration_id: str | None = None,
) -> dict[str, Any]:
    """7 x 24 counts (Monday first, local hours) of outage starts in [start, end).

    One integration, or all of them summed.
    """
    lookups = Lookups.load(session)
    grid = [[0] * 24 for _ in range(7)]
    unavailable = lookups.type_refs.get(EventType.UNAVAILABLE)
    query = select(Event.timestamp).where(
        Event.event_type_ref == unavailable, Event.timestamp >= start, Event.timestamp < end
    )
    if integration_id is not None:
        iref = _integration_ref(lookups, integration_id)
        if iref is None:
            unavailable = None
        query = query.where(Event.integration_ref == iref)
    total = 0
    if unavailable is not None:
        for (ts,) in session.execute(query):
            local = datetime.fromtimestamp(ts, tz)
            grid[local.weekday()][local.hour] += 1
            total += 1
    by_hour = [sum(day[h] for day in grid) for h in range(24)]
    peak = max(range(24), key=lambda h: by_hour[h]) if total else None
    return {
        "grid": grid,
        "by_hour": by_hour,
        "outages": total,
        "peak_hour": peak,
        "peak_share": by_hour[peak] / total if peak is not None else None,
    }


def failing_together(
    session: Session, *, integration_id: str, start: float, end: float
) -> list[dict[str, Any]]:
    """Integrations whose outages start together with this one's (see `insights.correlation`)."""
    found = correlation(session, start, end)
    partners = []
    for pair in found["pairs"]:
        if integration_id not in pair["integrations"]:
            continue
        k = 1 - pair["integrations"].index(integration_id)
        partners.append(
            {
                "integration_id": pair["integrations"][k],
                "integration_domain": pair["domains"][k],
                "support": pair["support"],
                "expected": pair["expected"],
                "lift": pair["lift"],
                "p_value": pair["p_value"],
                "confidence": pair["confidence"],
            }
        )
    return partners


def failure_spells(
    session: Session, *, integration_id: str, start: float, end: float
) -> list[dict[str, Any]]:
    """Failure spells (setup retry / setup failure rows) overlapping [start, end), newest first."""
    lookups = Lookups.load(session)
    iref = _integration_ref(lookups, integration_id)
    refs = [lookups.type_refs[t] for t in _SPELL_TYPES if t in lookups.type_refs]
    if iref is None or not refs:
        return []
    spells = []
    for tref, ts, raw in session.execute(
        select(Event.event_type_ref, Event.timestamp, Event.details)
        .where(
            Event.integration_ref == iref,
            Event.event_type_ref.in_(refs),
            Event.timestamp < end,
            # A spell's row is at its start; spells last hours at most in practice.
            Event.timestamp >= start - 7 * DAY,
        )
        .order_by(Event.timestamp.desc(), Event.id.desc())
    ):
        details = _details(raw) or {}
        ended = details.get("ended")
        if isinstance(ended, (int, float)) and ended < start:
            continue
        if ts < start and ended is not None:
            continue
        spells.append(
            {
                "event_type": lookups.type_names[tref],
                "start": ts,
                "end": ended if isinstance(ended, (int, float)) else None,
                "state": details.get("state"),
                "reason": details.get("reason"),
                "attempts": details.get("attempts"),
                "duration_s": details.get("duration_s"),
                "outcome": details.get("outcome"),
            }
        )
    return spells


def daily_events(
    session: Session, *, start: float, now: float, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Events recorded per local day (all integrations) over [start, now): the database's growth."""
    m = _METRICS_C
    per_day: dict[float, int] = {}
    for p0, total in session.connection().execute(
        select(m.period_start, func.sum(m.total_events))
        .where(m.period == PERIOD_DAY, m.period_start >= start, m.period_start < now)
        .group_by(m.period_start)
    ):
        per_day[float(p0)] = int(total or 0)
    days = []
    for p0, p1 in iter_periods(PERIOD_DAY, start, now, tz):
        count = per_day.get(p0)
        if count is None:
            count = int(
                session.scalar(
                    select(func.count())
                    .select_from(Event)
                    .where(Event.timestamp >= p0, Event.timestamp < min(p1, now))
                )
                or 0
            )
        days.append({"start": p0, "events": count, "partial": p1 > now})
    return days


__all__ = [
    "PERIOD_DAY",
    "PERIOD_HOUR",
    "availability_series",
    "daily_events",
    "failing_together",
    "failure_spells",
    "heatmap",
    "outage_timeline",
    "overview",
]
