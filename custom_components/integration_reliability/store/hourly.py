"""Hourly rollup rows of a slice of hours, from the raw events and a checkpoint.

One pass over the slice's events in (timestamp, id) order: outages open at
the slice start come from the checkpoint, outages are paired per entity as
`metrics` defines, and each outage is split across the hours it overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .metrics import derive_metrics, empty_row
from .outages import (
    Lookups,
    OutageKey,
    blip_count,
    closed_without_repair,
    recovery_keys,
    resolve_renames,
)
from .periods import HOUR, PERIOD_HOUR
from .records import EventType
from .schema import Base, Event
from .tracked import TrackedGrid

_EVENTS_TABLE: Final = Base.metadata.tables[Event.__tablename__]

_TYPE_COUNTER: Final[dict[str, str]] = {
    EventType.SETUP_FAILURE: "setup_failures",
    EventType.SETUP_RETRY: "setup_retries",
    EventType.RELOAD: "reloads",
    EventType.HEAL_ATTEMPT: "heal_attempts",
    EventType.HEAL_SUCCESS: "heal_successes",
    EventType.HEAL_FAILURE: "heal_failures",
}


@dataclass(slots=True)
class _HourAcc:
    counts: dict[str, float] = field(default_factory=dict)
    affected: set[OutageKey] = field(default_factory=set)

    def add(self, name: str, value: float = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


_E = _EVENTS_TABLE.c
_SLICE_EVENTS_SQL: Final = (
    select(_E.timestamp, _E.event_type_ref, _E.integration_ref, _E.entity_ref, _E.details)
    .where(_E.timestamp >= bindparam("a"), _E.timestamp < bindparam("b"))
    .order_by(_E.timestamp, _E.id)
)


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
    resolve_renames(session, lookups, ((tref, details) for _, tref, _, _, details in events))
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
            for key in recovery_keys(iref, eref, details, lookups):
                start = open_outages.pop(key, None)
                if start is not None:
                    outage_interval(key, start, ets)
                    if not closed_without_repair(details):
                        hour.add("recovered_events")
                        hour.add("repair_seconds_total", ets - start)
        elif etype == EventType.BLIP:
            hour.add("blips", blip_count(details))
        elif etype in _TYPE_COUNTER:
            hour.add(_TYPE_COUNTER[etype])
    for key, start in open_outages.items():
        outage_interval(key, start, b)

    grid = TrackedGrid(session, a, b) if accs else None
    rows = []
    for (iref, idx), hour in sorted(accs.items()):
        iid, dom = lookups.integrations[iref]
        h0 = a + idx * HOUR
        row = empty_row(iid, dom, PERIOD_HOUR, h0, h0 + HOUR)
        row.update(hour.counts)
        row["entities_affected"] = len(hour.affected)
        assert grid is not None
        row["tracked_entity_seconds"] = grid.seconds(iid, h0, min(h0 + HOUR, b))
        derive_metrics(row)
        rows.append(row)
    return rows, len(events)
