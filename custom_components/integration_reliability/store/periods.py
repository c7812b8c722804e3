"""The local time grid: hours, days, ISO weeks and months of a time zone.

Every boundary is a UTC epoch float. Hours follow the local hour grid of the
time zone: the UTC grid shifted by the sub-hour part of the offset, so the
days of a +5:30 or +5:45 zone are whole hours. Days, weeks (from Monday) and
months start at local midnight, so a DST day has 23 or 25 hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
import math
from typing import Final
from zoneinfo import ZoneInfo

PERIOD_HOUR: Final = "hour"
PERIOD_DAY: Final = "day"
PERIOD_WEEK: Final = "week"
PERIOD_MONTH: Final = "month"
PERIODS: Final = (PERIOD_HOUR, PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH)
COARSE_PERIODS: Final = (PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH)

HOUR: Final = 3600.0


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


def _local_midnight(day: date, tz: ZoneInfo) -> float:
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


def next_midnight(ts: float, tz: ZoneInfo) -> float:
    """The first local midnight after `ts`."""
    return period_bounds(PERIOD_DAY, ts, tz)[1]
