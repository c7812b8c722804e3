"""What was open when observation stopped, read back from the database.

Runs in the writer thread (`store.async_run`). An outage is open from an
entity's `unavailable` row until its next `recovered` row; a failure spell is
open while its row has no `ended` in its details. Both reads are bounded,
whatever the size of the history.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..store.checkpoint import open_outages_at, rollup_frontier
from ..store.outages import OutageKey
from ..store.records import EventType
from ..store.schema import EntityRow, Event as EventRow, EventTypeRow, Integration


@dataclass(frozen=True, slots=True)
class OpenOutage:
    """An outage read back from the database (no `recovered` after it)."""

    entity_id: str
    integration_id: str
    integration_domain: str
    start: float


@dataclass(frozen=True, slots=True)
class OpenSpell:
    """A failure spell read back from the database (row without `ended`)."""

    integration_id: str
    integration_domain: str
    event_type: EventType
    start: float
    state: str
    reason: str | None
    attempts: int


def load_details(raw: str | None) -> dict[str, Any]:
    """Parse a `details` column; a missing or corrupt value reads as empty."""
    try:
        value = json.loads(raw)  # type: ignore[arg-type]  # None: TypeError
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _type_refs(session: Session) -> dict[str, int]:
    return dict(session.execute(select(EventTypeRow.event_type, EventTypeRow.id)).tuples().all())


def query_open_outages(session: Session) -> list[OpenOutage]:
    """Return the outages still open in the database (writer thread).

    Bounded, whatever the size of the history: the open set comes from the
    checkpoint of the latest hourly rollup (outages open at its end, a small
    JSON list) and is brought up to date by replaying only the rows written
    since (a range of the timestamp index). Semantics are the rollup's: an
    outage opens at an entity's `unavailable` row and ends at its next
    `recovered` row; a `recovered` row written under a new entity id after a
    rename (`renamed_from`) also ends the old id's outage. Without any rollup
    yet nothing was purged and the database is young: the outage rows are
    replayed through the event-type index.
    """
    refs = _type_refs(session)
    down_ref = refs.get(EventType.UNAVAILABLE)
    if down_ref is None:
        return []
    up_ref = refs.get(EventType.RECOVERED)
    frontier = rollup_frontier(session)
    columns = select(
        EventRow.integration_ref,
        EventRow.entity_ref,
        EventRow.event_type_ref,
        EventRow.timestamp,
        EventRow.details,
    ).order_by(EventRow.timestamp, EventRow.id)
    outages: dict[OutageKey, float] = {}
    renames: list[tuple[str, float]] = []
    if frontier is None:
        types = [ref for ref in (down_ref, up_ref) if ref is not None]
        recent = columns.where(EventRow.event_type_ref.in_(types))
    else:
        # The checkpoint already has renamed-away outages closed.
        outages = open_outages_at(session, frontier)
        # Filtering the type here (not in SQL) keeps the planner on the
        # timestamp index rather than the low-selectivity event-type index.
        recent = columns.where(EventRow.timestamp >= frontier)
    for iref, eref, tref, ts, details in session.execute(recent):
        if tref == down_ref:
            outages.setdefault((iref, eref), ts)
        elif tref == up_ref:
            outages.pop((iref, eref), None)
            old = load_details(details).get("renamed_from")
            if isinstance(old, str):
                renames.append((old, ts))
    return _resolve(session, outages, renames)


def _resolve(
    session: Session, outages: dict[OutageKey, float], renames: list[tuple[str, float]]
) -> list[OpenOutage]:
    """Entity and integration ids of the open outages (look-up tables, by key)."""
    irefs = {iref for iref, _eref in outages}
    erefs = {eref for _iref, eref in outages if eref is not None}
    integrations = {
        ref: (iid, domain)
        for ref, iid, domain in session.execute(
            select(
                Integration.id, Integration.integration_id, Integration.integration_domain
            ).where(Integration.id.in_(irefs))
        )
    }
    entities: dict[int | None, str] = dict(
        session.execute(select(EntityRow.id, EntityRow.entity_id).where(EntityRow.id.in_(erefs)))
        .tuples()
        .all()
    )
    closed_at: dict[str, float] = {}
    for old, ts in renames:
        closed_at[old] = max(ts, closed_at.get(old, ts))
    found: dict[str, OpenOutage] = {}
    # Oldest first: an entity open under two integrations keeps its latest outage.
    for (iref, eref), start in sorted(outages.items(), key=lambda item: item[1]):
        entity_id = entities.get(eref)
        # A rename moved the outage to, and ended it under, the new id.
        if entity_id is not None and closed_at.get(entity_id, start - 1) < start:
            integration_id, domain = integrations[iref]
            found[entity_id] = OpenOutage(entity_id, integration_id, domain, start)
    return list(found.values())


def query_open_spells(session: Session) -> list[OpenSpell]:
    """Return failure-spell rows not yet closed (no `ended` in details).

    Spell rows are few (one per spell, not per attempt); they are found
    through the event-type index.
    """
    refs = _type_refs(session)
    types = {refs[t]: t for t in (EventType.SETUP_RETRY, EventType.SETUP_FAILURE) if t in refs}
    if not types:
        return []
    rows = session.execute(
        select(
            Integration.integration_id,
            Integration.integration_domain,
            EventRow.event_type_ref,
            EventRow.timestamp,
            EventRow.details,
        )
        .join(Integration, Integration.id == EventRow.integration_ref)
        .where(
            EventRow.event_type_ref.in_(list(types)),
            or_(EventRow.details.is_(None), EventRow.details.not_like('%"ended"%')),
        )
        .order_by(EventRow.timestamp, EventRow.id)
    ).all()
    spells: dict[str, OpenSpell] = {}
    for integration_id, domain, tref, ts, raw in rows:
        details = load_details(raw)
        # The latest open row per entry wins; older ones were orphaned by a crash.
        spells[integration_id] = OpenSpell(
            integration_id,
            domain,
            EventType(types[tref]),
            ts,
            str(details.get("state", "")),
            details.get("reason"),
            int(details.get("attempts", 1)),
        )
    return list(spells.values())
