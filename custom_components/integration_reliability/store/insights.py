"""Pattern insights: top failures, time of day, correlated outages.

Computed for a period on demand or by `tasks.InsightsTask` (daily), and stored in
`pattern_insights` (one row per type and period, replaced on recompute).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import datetime
import math
import time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .checkpoint import STATUS_SUCCESS
from .outages import Lookups
from .periods import PERIOD_DAY, PERIOD_HOUR, period_bounds
from .records import EventType
from .schema import Event, IntegrationMetrics, PatternInsight, ProcessingJob

TOP_FAILURES: Final = "top_failures"
TIME_OF_DAY: Final = "time_of_day"
CORRELATION: Final = "correlation"
INSIGHT_TYPES: Final = (TOP_FAILURES, TIME_OF_DAY, CORRELATION)
JOB_INSIGHTS: Final = "insights"

DEFAULT_TOP_N: Final = 10
DEFAULT_WINDOW_SECONDS: Final = 120.0
DEFAULT_MIN_SUPPORT: Final = 3
DEFAULT_MIN_LIFT: Final = 2.0
# Family-wise false-positive rate of the correlation test over all pairs.
DEFAULT_ALPHA: Final = 0.01
# A time-of-day finding needs this many outages, and its hour this share of them
# (six times the 1/24 an even spread would give).
MIN_OUTAGES_FOR_FINDING: Final = 5
MIN_HOUR_SHARE: Final = 0.25


def _outage_starts(session: Session, start: float, end: float) -> dict[str, list[float]]:
    """Sorted timestamps of `unavailable` events per integration_id in [start, end)."""
    lookups = Lookups.load(session)
    ref = lookups.type_refs.get(EventType.UNAVAILABLE)
    starts: dict[str, list[float]] = {}
    if ref is None:
        return starts
    rows = session.execute(
        select(Event.integration_ref, Event.timestamp)
        .where(Event.event_type_ref == ref, Event.timestamp >= start, Event.timestamp < end)
        .order_by(Event.timestamp)
    )
    for iref, ts in rows:
        starts.setdefault(lookups.integrations[iref][0], []).append(ts)
    return starts


def _domains(session: Session) -> dict[str, str]:
    return dict(Lookups.load(session).integrations.values())


def top_failures(
    session: Session, start: float, end: float, *, top_n: int = DEFAULT_TOP_N
) -> dict[str, Any]:
    """Integrations ranked by outages, unavailable entity-seconds and failed heals.

    Read from the hourly rollups of [start, end), so only rolled-up hours count.
    """
    m = IntegrationMetrics
    rows = session.execute(
        select(
            m.integration_id,
            func.max(m.integration_domain),
            func.sum(m.unavailable_events),
            func.sum(m.unavailable_seconds),
            func.sum(m.heal_failures),
        )
        .where(m.period == PERIOD_HOUR, m.period_start >= start, m.period_start < end)
        .group_by(m.integration_id)
    ).all()

    def ranking(index: int, cast: Callable[[Any], Any]) -> list[dict[str, Any]]:
        ranked = sorted(
            (r for r in rows if (r[index] or 0) > 0), key=lambda r: (-(r[index] or 0), r[0])
        )
        return [
            {"integration_id": r[0], "integration_domain": r[1], "value": cast(r[index])}
            for r in ranked[:top_n]
        ]

    return {
        "by_outages": ranking(2, int),
        "by_unavailable_seconds": ranking(3, float),
        "by_failed_heals": ranking(4, int),
    }


def time_of_day(session: Session, start: float, end: float, tz: ZoneInfo) -> dict[str, Any]:
    """7 x 24 histogram (Monday first, local hours) of outage starts per integration.

    A finding is reported for an integration whose busiest hour of the day
    holds at least `MIN_HOUR_SHARE` of its (at least `MIN_OUTAGES_FOR_FINDING`)
    outage starts.
    """
    domains = _domains(session)
    integrations: dict[str, Any] = {}
    findings: list[dict[str, Any]] = []
    for iid, starts in sorted(_outage_starts(session, start, end).items()):
        grid = [[0] * 24 for _ in range(7)]
        for ts in starts:
            local = datetime.fromtimestamp(ts, tz)
            grid[local.weekday()][local.hour] += 1
        by_hour = [sum(day[h] for day in grid) for h in range(24)]
        integrations[iid] = {
            "integration_domain": domains.get(iid, ""),
            "outages": len(starts),
            "histogram": grid,
            "by_hour": by_hour,
        }
        peak = max(range(24), key=lambda h: by_hour[h])
        share = by_hour[peak] / len(starts)
        if len(starts) >= MIN_OUTAGES_FOR_FINDING and share >= MIN_HOUR_SHARE:
            lead = "most outages" if share > 0.5 else f"{share:.0%} of outages"
            findings.append(
                {
                    "integration_id": iid,
                    "integration_domain": domains.get(iid, ""),
                    "hour": peak,
                    "finding": f"{lead} start between {peak:02d}:00 and {(peak + 1) % 24:02d}:00",
                    "share": round(share, 4),
                    "outages": len(starts),
                }
            )
    findings.sort(key=lambda f: (-f["share"], f["integration_id"]))
    return {"integrations": integrations, "findings": findings}


def _incidents(starts: list[float], window: float) -> list[float]:
    """Collapse a burst (starts within `window` of the previous) into one incident."""
    incidents: list[float] = []
    previous = -math.inf
    for ts in starts:
        if ts - previous > window:
            incidents.append(ts)
        previous = ts
    return incidents


def _poisson_tail(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu), accurate far into the tail (log-space terms)."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    log_mu = math.log(mu)

    def term(i: int) -> float:
        return math.exp(-mu + i * log_mu - math.lgamma(i + 1))

    if k <= mu:
        return max(0.0, 1.0 - math.fsum(term(i) for i in range(k)))
    total, i = 0.0, k
    while True:  # terms only shrink past the mean
        t = term(i)
        total += t
        if t <= total * 1e-12:
            return min(1.0, total)
        i += 1


def _hour_histogram(times: list[float]) -> list[int]:
    counts = [0] * 24
    for ts in times:
        counts[int(ts // 3600) % 24] += 1
    return counts


def correlation(
    session: Session,
    start: float,
    end: float,
    *,
    window: float = DEFAULT_WINDOW_SECONDS,
    min_support: int = DEFAULT_MIN_SUPPORT,
    min_lift: float = DEFAULT_MIN_LIFT,
    alpha: float = DEFAULT_ALPHA,
) -> dict[str, Any]:
    """Pairs (and groups) of integrations whose outages start together far more often than chance.

    Each integration's outage starts are first collapsed into incidents (a
    burst of entities failing together is one incident). For a pair (A, B),
    A being the one with fewer incidents, `support` is the number of A
    incidents with a B incident within ±`window`.

    Chance model: B's incidents are a Poisson process whose rate depends on
    the hour of the day (estimated from B's own incidents in the period), so
    two integrations that merely both fail at night are not "correlated". An
    A incident at hour h then has a B incident within the window with
    probability p_h = 1 - e^(-rate_B(h) · 2·window); the `expected` support
    is the sum of those, and `lift` = support ÷ expected.

    A pair is reported only if it is significant: the Poisson tail
    probability of a support at least this large under the chance model,
    multiplied by the number of pairs tested (Bonferroni: pairs of
    integrations with at least `min_support` incidents), is at most `alpha`
    (`p_value` is that corrected probability); and support ≥ `min_support`,
    lift ≥ `min_lift`. With many integrations and dense outages, dozens of
    pairs pass a lift threshold by chance alone; this test keeps the
    family-wise false-positive rate at `alpha`.

    `groups` are the maximal sets of three or more integrations that are
    pairwise significantly correlated (cliques, not chains: A~B and B~C says
    nothing about A and C).
    """
    domains = _domains(session)
    incidents = {
        iid: _incidents(starts, window)
        for iid, starts in _outage_starts(session, start, end).items()
    }
    eligible = sorted(iid for iid, times in incidents.items() if len(times) >= min_support)
    tested = len(eligible) * (len(eligible) - 1) // 2
    keep = set(eligible)
    # One sweep over all incidents in time order: for each, which other
    # integrations have an incident within the window.
    timeline = sorted((ts, iid) for iid, times in incidents.items() if iid in keep for ts in times)
    times = [ts for ts, _ in timeline]
    near: dict[tuple[str, str], int] = {}
    for ts, iid in timeline:
        lo, hi = bisect_left(times, ts - window), bisect_right(times, ts + window)
        for other in {timeline[k][1] for k in range(lo, hi)} - {iid}:
            near[(iid, other)] = near.get((iid, other), 0) + 1
    hour_seconds = max(end - start, 1.0) / 24  # seconds of each hour of the day in the period
    hours = {iid: _hour_histogram(incidents[iid]) for iid in eligible}
    chance: dict[str, list[float]] = {
        iid: [1 - math.exp(-n / hour_seconds * 2 * window) for n in counts]
        for iid, counts in hours.items()
    }
    pairs: list[dict[str, Any]] = []
    for (a, b), support in near.items():
        n_a, n_b = len(incidents[a]), len(incidents[b])
        if (n_a, a) > (n_b, b) or support < min_support:
            continue  # count each pair once, from its rarer side
        expected = math.fsum(n * p for n, p in zip(hours[a], chance[b], strict=True))
        lift = support / expected if expected > 0 else math.inf
        if lift < min_lift:
            continue
        p_value = min(1.0, _poisson_tail(support, expected) * tested)
        if p_value > alpha:
            continue
        pairs.append(
            {
                "integrations": [a, b],
                "domains": [domains.get(a, ""), domains.get(b, "")],
                "support": support,
                "expected": round(expected, 3),
                "lift": round(lift, 3),
                "p_value": float(f"{p_value:.3g}"),
                "confidence": round(support / n_a, 4),
                "incidents": [n_a, n_b],
            }
        )
    pairs.sort(key=lambda p: (p["p_value"], -p["support"], p["integrations"]))
    return {
        "window_seconds": window,
        "min_support": min_support,
        "min_lift": min_lift,
        "alpha": alpha,
        "pairs_tested": tested,
        "pairs": pairs,
        "groups": _groups(pairs, domains),
    }


def _groups(pairs: list[dict[str, Any]], domains: dict[str, str]) -> list[dict[str, Any]]:
    """Maximal cliques of three or more pairwise correlated integrations."""
    neighbours: dict[str, set[str]] = {}
    for pair in pairs:
        a, b = pair["integrations"]
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    cliques: list[list[str]] = []

    def expand(clique: set[str], candidates: set[str], excluded: set[str]) -> None:
        # Bron-Kerbosch with a pivot: the graphs here have tens of nodes at most.
        if not candidates and not excluded:
            if len(clique) >= 3:
                cliques.append(sorted(clique))
            return
        pivot = max(candidates | excluded, key=lambda x: len(neighbours[x] & candidates))
        for node in sorted(candidates - neighbours[pivot]):
            expand(clique | {node}, candidates & neighbours[node], excluded & neighbours[node])
            candidates = candidates - {node}
            excluded = excluded | {node}

    expand(set(), set(neighbours), set())
    return [
        {"integrations": group, "domains": [domains.get(i, "") for i in group]}
        for group in sorted(cliques, key=lambda g: (-len(g), g))
    ]


def compute_insights(
    session: Session,
    start: float,
    end: float,
    tz: ZoneInfo,
    *,
    period: str = PERIOD_DAY,
    types: tuple[str, ...] = INSIGHT_TYPES,
    store: bool = True,
) -> dict[str, dict[str, Any]]:
    """Compute the insights of [start, end) and (if `store`) replace the stored ones."""
    started = time.time()
    result: dict[str, dict[str, Any]] = {}
    for insight_type in types:
        if insight_type == TOP_FAILURES:
            result[insight_type] = top_failures(session, start, end)
        elif insight_type == TIME_OF_DAY:
            result[insight_type] = time_of_day(session, start, end, tz)
        elif insight_type == CORRELATION:
            result[insight_type] = correlation(session, start, end)
        else:
            raise ValueError(f"unknown insight type {insight_type!r}")
    if store:
        pi = PatternInsight
        session.execute(
            delete(pi).where(
                pi.insight_type.in_(list(result)), pi.period == period, pi.period_start == start
            )
        )
        now = time.time()
        for insight_type, data in result.items():
            session.add(
                pi(
                    insight_type=insight_type,
                    period=period,
                    period_start=start,
                    period_end=end,
                    data=data,
                    created_at=now,
                )
            )
        session.add(
            ProcessingJob(
                job_type=JOB_INSIGHTS,
                range_start=start,
                range_end=end,
                started_at=started,
                completed_at=time.time(),
                status=STATUS_SUCCESS,
                rows_processed=0,
                rows_written=len(result),
            )
        )
    return result


def compute_last_closed(
    session: Session, tz: ZoneInfo, period: str, now: float
) -> dict[str, dict[str, Any]]:
    """Compute and store the insights of the last local `period` closed at `now`."""
    current = period_bounds(period, now, tz)[0]
    start, end = period_bounds(period, current - 1, tz)
    return compute_insights(session, start, end, tz, period=period)
