"""How event rows are read as outages: lookups, renames, repairs, blips, replay.

The pairing rules themselves are defined in `metrics`; this module holds the
small helpers every computation shares (the hourly slice, the checkpoint
replay, the coarse periods and the live tail) so that each applies them the
same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
import json
from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .records import EventType
from .schema import Base, EntityRow, Event, EventTypeRow, Integration

_EVENTS_TABLE: Final = Base.metadata.tables[Event.__tablename__]
_INTEGRATIONS_TABLE: Final = Base.metadata.tables[Integration.__tablename__]
_TYPES_TABLE: Final = Base.metadata.tables[EventTypeRow.__tablename__]
_ENTITIES_TABLE: Final = Base.metadata.tables[EntityRow.__tablename__]

# (integration_ref, entity_ref): entity refs are only unique within an event.
OutageKey = tuple[int, int | None]


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


def renamed_from(details: str | None) -> str | None:
    """The old entity id a `recovered` row closes after a rename, if any."""
    if not details or "renamed_from" not in details:
        return None
    try:
        old = json.loads(details).get("renamed_from")
    except (ValueError, AttributeError):
        return None
    return old if isinstance(old, str) and old else None


def recovery_keys(
    iref: int, eref: int | None, details: str | None, lookups: Lookups
) -> tuple[OutageKey, ...]:
    """The outages a `recovered` row ends: the old id's first after a rename, then its own.

    The old id's ref must have been looked up (`Lookups.resolve_entities`).
    """
    old = renamed_from(details)
    if old is not None:
        old_ref = lookups.entity_refs.get(old)
        if old_ref is not None and old_ref != eref:
            return ((iref, old_ref), (iref, eref))
    return ((iref, eref),)


def resolve_renames(
    session: Session, lookups: Lookups, rows: Iterable[tuple[int | None, str | None]]
) -> None:
    """Look up the old ids named by the rename recoveries among (type ref, details) rows."""
    recovered = lookups.type_refs.get(EventType.RECOVERED)
    names = [
        name
        for tref, details in rows
        if tref == recovered and (name := renamed_from(details)) is not None
    ]
    if names:
        lookups.resolve_entities(session, names)


def closed_without_repair(details: str | None) -> bool:
    """Whether a `recovered` row only closed the outage (entity removed / disabled / excluded)."""
    if not details or "closed_by" not in details:
        return False
    try:
        return bool(json.loads(details).get("closed_by"))
    except (ValueError, AttributeError):
        return False


def blip_count(details: str | None) -> int:
    """Blips one `blip` row stands for (`details.count`, at least 1)."""
    if details:
        try:
            count = json.loads(details).get("count", 1)
        except (ValueError, AttributeError):
            return 1
        if isinstance(count, int) and count > 0:
            return count
    return 1


_E = _EVENTS_TABLE.c


def replay_open_at(session: Session, ts: float, lookups: Lookups) -> dict[OutageKey, float]:
    """Outages open at `ts`, replayed from raw history (only without a checkpoint)."""
    unavailable = lookups.type_refs.get(EventType.UNAVAILABLE)
    recovered = lookups.type_refs.get(EventType.RECOVERED)
    open_outages: dict[OutageKey, float] = {}
    if recovered is not None:
        # The old ids of renames, first: no look-up while the replay streams.
        renamed = session.execute(
            select(_E.details).where(
                _E.event_type_ref == recovered,
                _E.timestamp < ts,
                _E.details.like("%renamed_from%"),
            )
        ).scalars()
        resolve_renames(session, lookups, [(recovered, details) for details in renamed])
    rows = session.execute(
        select(_E.integration_ref, _E.entity_ref, _E.event_type_ref, _E.timestamp, _E.details)
        .where(_E.timestamp < ts, _E.event_type_ref.in_([unavailable, recovered]))
        .order_by(_E.timestamp, _E.id)
    )
    for iref, eref, tref, ets, details in rows:
        if tref == unavailable:
            open_outages.setdefault((iref, eref), ets)
        else:
            for key in recovery_keys(iref, eref, details, lookups):
                open_outages.pop(key, None)
    return open_outages
