"""Shared test data for the analytics tests: a database, an event writer, a reference.

The reference computes every rollup metric straight from the list of raw
events, with none of the rollup code: the rollups must agree with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
import json
from pathlib import Path
import random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.schema import (
    EVENTS_VIEW_SQL,
    Base,
    Domain,
    EntityRow,
    Event,
    EventTypeRow,
    Integration,
    TrackedEntity,
)

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True, name="auto_enable_custom_integrations")
def no_hass_fixture() -> None:
    """No Home Assistant in the store tests."""


def make_session(path: Path) -> Session:
    """A fresh SQLite database with the schema and the seed view."""
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text(EVENTS_VIEW_SQL))
    return Session(engine)


@pytest.fixture(name="session")
def session_fixture(tmp_path: Path) -> Iterator[Session]:
    s = make_session(tmp_path / "analytics.db")
    yield s
    s.close()
    s.get_bind().dispose()  # type: ignore[union-attr]


@dataclass(frozen=True)
class Ev:
    """A raw event as the reference sees it."""

    integration_id: str
    domain: str
    event_type: str
    ts: float
    entity_id: str | None = None
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class Tracked:
    entity_id: str
    integration_id: str
    domain: str
    first_seen: float
    removed_at: float | None = None


@dataclass
class Writer:
    """Inserts events directly (no engine), creating lookup rows as needed."""

    session: Session
    events: list[Ev] = field(default_factory=list)
    tracked: list[Tracked] = field(default_factory=list)
    _refs: dict[tuple[str, str], int] = field(default_factory=dict)

    def _ref(self, kind: str, key: str, row: dict[str, Any]) -> int:
        if (kind, key) not in self._refs:
            model = {"i": Integration, "d": Domain, "t": EventTypeRow, "e": EntityRow}[kind]
            result = self.session.execute(insert(model).values(**row))
            self._refs[(kind, key)] = result.inserted_primary_key[0]  # type: ignore[index]
        return self._refs[(kind, key)]

    def add(self, *events: Ev) -> None:
        rows = []
        for ev in events:
            rows.append(
                {
                    "integration_ref": self._ref(
                        "i",
                        ev.integration_id,
                        {"integration_id": ev.integration_id, "integration_domain": ev.domain},
                    ),
                    "domain_ref": self._ref("d", ev.domain, {"domain": ev.domain}),
                    "event_type_ref": self._ref("t", ev.event_type, {"event_type": ev.event_type}),
                    "entity_ref": None
                    if ev.entity_id is None
                    else self._ref("e", ev.entity_id, {"entity_id": ev.entity_id}),
                    "timestamp": ev.ts,
                    "details": None if ev.details is None else json.dumps(ev.details),
                    "created_at": ev.ts,
                }
            )
            self.events.append(ev)
        if rows:
            self.session.execute(insert(Event), rows)
        self.session.commit()

    def track(self, *items: Tracked) -> None:
        for t in items:
            self.session.add(
                TrackedEntity(
                    entity_id=t.entity_id,
                    integration_id=t.integration_id,
                    integration_domain=t.domain,
                    platform=t.domain,
                    first_seen=t.first_seen,
                    removed_at=t.removed_at,
                    updated_at=t.first_seen,
                )
            )
            self.tracked.append(t)
        self.session.commit()


def outage(iid: str, dom: str, entity: str, start: float, end: float | None) -> list[Ev]:
    evs = [Ev(iid, dom, "unavailable", start, entity)]
    if end is not None:
        evs.append(Ev(iid, dom, "recovered", end, entity, {"duration_s": end - start}))
    return evs


# --- reference ------------------------------------------------------------------

_COUNTED = {
    "setup_failure": "setup_failures",
    "setup_retry": "setup_retries",
    "reload": "reloads",
    "heal_attempt": "heal_attempts",
    "heal_success": "heal_successes",
    "heal_failure": "heal_failures",
}


def reference_outages(
    events: list[Ev],
) -> list[tuple[str, str | None, float, float | None, bool]]:
    """(integration_id, entity_id, start, end or None, repaired) of every outage.

    `repaired` is False for an outage closed by the listener because its
    entity was removed, disabled or excluded (`closed_by`): no repair. A
    `recovered` row of a renamed entity (`renamed_from`: the old id) ends the
    outage the old id opened, and its own id's if one is open.
    """
    open_: dict[tuple[str, str | None], float] = {}
    done = []
    for ev in sorted(events, key=lambda e: e.ts):  # stable: insertion order on ties
        key = (ev.integration_id, ev.entity_id)
        if ev.event_type == "unavailable" and key not in open_:
            open_[key] = ev.ts
        elif ev.event_type == "recovered":
            details = ev.details or {}
            repaired = not details.get("closed_by")
            ends = [key]
            old = details.get("renamed_from")
            if old is not None and old != ev.entity_id:
                ends.insert(0, (ev.integration_id, old))
            done.extend(
                (*end_key, open_.pop(end_key), ev.ts, repaired)
                for end_key in ends
                if end_key in open_
            )
    done.extend((*key, start, None, False) for key, start in open_.items())
    return done


def reference_metrics(
    events: list[Ev], tracked: list[Tracked], iid: str, p0: float, p1: float
) -> dict[str, Any]:
    """Every rollup metric of integration `iid` over [p0, p1), from raw events."""
    m: dict[str, Any] = dict.fromkeys(
        [
            "total_events",
            "unavailable_events",
            "recovered_events",
            "blips",
            *_COUNTED.values(),
        ],
        0,
    )
    m["unavailable_seconds"] = 0.0
    m["repair_seconds_total"] = 0.0
    for ev in events:
        if ev.integration_id == iid and p0 <= ev.ts < p1:
            m["total_events"] += 1
            if ev.event_type == "blip":
                m["blips"] += (ev.details or {}).get("count", 1)
            elif ev.event_type in _COUNTED:
                m[_COUNTED[ev.event_type]] += 1
    affected = set()
    for oid, entity, start, end, repaired in reference_outages(events):
        if oid != iid:
            continue
        stop = p1 if end is None else end
        if p0 <= start < p1:
            m["unavailable_events"] += 1
        if end is not None and repaired and p0 <= end < p1:
            m["recovered_events"] += 1
            m["repair_seconds_total"] += end - start
        m["unavailable_seconds"] += max(0.0, min(stop, p1) - max(start, p0))
        if start < p1 and (stop > p0 or start >= p0):
            affected.add(entity)
    m["entities_affected"] = len(affected)
    m["tracked_entity_seconds"] = sum(
        max(0.0, min(p1 if t.removed_at is None else t.removed_at, p1) - max(t.first_seen, p0))
        for t in tracked
        if t.integration_id == iid
    )
    tracked_s, unav = m["tracked_entity_seconds"], m["unavailable_seconds"]
    m["availability"] = min(1.0, max(0.0, 1 - unav / tracked_s)) if tracked_s else None
    m["mttr_seconds"] = (
        m["repair_seconds_total"] / m["recovered_events"] if m["recovered_events"] else None
    )
    m["mtbf_seconds"] = (
        max(0.0, tracked_s - unav) / m["unavailable_events"] if m["unavailable_events"] else None
    )
    heals = m["heal_successes"] + m["heal_failures"]
    m["success_rate"] = m["heal_successes"] / heals if heals else None
    return m


def generate(
    writer: Writer,
    start: float,
    end: float,
    *,
    seed: int = 7,
    integrations: int = 4,
    renames: float = 0.0,
) -> None:
    """Random but realistic data: outages of every length, open ones, bursts, heals.

    With `renames` > 0, that share of the repaired outages ends with the entity
    renamed while down: the `recovered` row is under a new id with
    `renamed_from` (as the listener writes it), and the entity's later events
    use the new id. 0 keeps the random stream of the data sets without renames.
    """
    rng = random.Random(seed)
    evs: list[Ev] = []
    for n in range(integrations):
        iid, dom = f"entry{n}", f"dom{n % 3}"
        entities = [f"sensor.{dom}_{n}_{k}" for k in range(5)]
        writer.track(
            *(
                Tracked(
                    e,
                    iid,
                    dom,
                    start - 3600 if k else start + rng.uniform(0, end - start) / 2,
                    end - rng.uniform(0, 86400) if k == 4 else None,
                )
                for k, e in enumerate(entities)
            )
        )
        for base in entities:
            entity, t = base, start + rng.uniform(0, 7200)
            generation = 0
            while t < end:
                down = entity  # the id the outage opens under
                length = rng.choice([30, 400, 3000, 8000, 40000, 150000]) * rng.random()
                stop: float | None = t + length
                if stop is not None and stop >= end:
                    stop = None if rng.random() < 0.5 else end - 1
                evs.extend(outage(iid, dom, entity, t, stop))
                if stop is not None and rng.random() < 0.08:  # entity removed while down
                    evs[-1] = Ev(
                        iid,
                        dom,
                        "recovered",
                        stop,
                        entity,
                        {"duration_s": stop - t, "closed_by": "entity_removed"},
                    )
                elif stop is not None and renames and rng.random() < renames:
                    # Renamed while down: the outage ends under the new id.
                    generation += 1
                    entity = f"{base}_r{generation}"
                    evs[-1] = Ev(
                        iid,
                        dom,
                        "recovered",
                        stop,
                        entity,
                        {"duration_s": stop - t, "renamed_from": down},
                    )
                if rng.random() < 0.1:  # a duplicate announcement while open
                    evs.append(Ev(iid, dom, "unavailable", t + length / 3, down))
                if stop is None:
                    break
                t = stop + rng.expovariate(1 / 20000)
        for _ in range(rng.randint(5, 40)):
            kind = rng.choice(["blip", "setup_failure", "setup_retry", "reload", "heal_attempt"])
            ts = rng.uniform(start, end)
            if kind == "blip":
                evs.append(
                    Ev(iid, dom, "blip", ts, rng.choice(entities), {"count": rng.randint(1, 4)})
                )
            elif kind in ("setup_failure", "setup_retry"):
                # One row per spell, its details rewritten when the spell ended.
                attempts = rng.randint(1, 9)
                details = {"state": kind, "reason": "timeout", "attempts": attempts}
                if rng.random() < 0.8:
                    details |= {"ended": ts + 60 * attempts, "duration_s": 60.0 * attempts}
                    details["outcome"] = "loaded"
                evs.append(Ev(iid, dom, kind, ts, None, details))
            elif kind == "heal_attempt":
                evs.append(Ev(iid, dom, "heal_attempt", ts))
                result = rng.choice(["heal_success", "heal_failure"])
                evs.append(Ev(iid, dom, result, ts + 60))
            else:
                evs.append(Ev(iid, dom, kind, ts))
    evs.sort(key=lambda e: e.ts)
    writer.add(*[e for e in evs if e.ts < end])
