"""Turn Home Assistant's event stream into reliability events (SPEC.md §2).

`ReliabilityMonitor` watches three sources and hands immutable records to the
storage engine (`store.record` / `store.track_entity`, which never block):

* `state_changed` — entity outages. A bus `event_filter` rejects the ordinary
  value changes in O(1) (two `in` tests on state strings) so Home Assistant
  never builds an `Event` object for them; the handler then does dict look-ups
  only.
* `SIGNAL_CONFIG_ENTRY_CHANGED` — setup failures, retry spells and reloads.
* the entity, device and area registries — attribution and entity context.

Outage life cycle of one entity (state strings `unavailable`, and `unknown` if
`settings.count_unknown`, are "down"; anything else is "real"):

1. real → down while HA runs and the entity's entry is loaded: a *pending*
   outage starts, with a grace timer (`settings.grace_period`).
2. back to real before the timer fires: a *blip*. Blips are counted in memory
   per entity and integration and written aggregated: one `blip` row per entity
   per clock hour, `details={"count": n}`, timestamp = first blip of the hour.
3. the timer fires: the outage is *confirmed* and recorded as `unavailable`
   with its true start (the moment the state went down), and
   `integration_reliability_outage_started` is fired.
4. back to real: `recovered` with `details={"duration_s": …}` and
   `integration_reliability_outage_ended`.

Decisions on noise (each has a test):

* Nothing starts before HA has started (the monitor arms on
  EVENT_HOMEASSISTANT_STARTED), nor while it stops; pending outages are dropped
  on stop; open (confirmed) outages stay open in the database.
* A state that goes down while the entity's config entry is not LOADED
  (unloading, reloading, set-up in progress, disabled) or that carries
  `restored: true` (the placeholder HA writes for an entity its integration no
  longer provides) is not an outage: that is a `reload` of the entry.
* An entity that *appears* already down (old state None) does not start an
  outage: there was no real state to lose.
* Rename: the pending/open outage moves to the new entity id; its `recovered`
  row carries the new id and `details.renamed_from`.
* Removed or disabled entity: a pending outage is dropped (no blip); an open
  outage is closed with a `recovered` row whose details hold
  `{"duration_s": …, "closed_by": "entity_removed" | "entity_disabled"}` — the
  outage was real and keeps its duration, but rollups should not count such a
  row as a repair (exclude rows with `closed_by` from MTTR).
* Entities of this integration's own entry and excluded integrations, domains
  or entity patterns are not attributed at all, so they never get past a dict
  look-up.

Restart: on start the open outages are read from the database
(`query_open_outages`); once HA has started each is closed at the entity's
first real state (`details.restart_gap = true`, duration measured from the
original start) or continues with its original start.

Failure spells (config entries): the first transition of an entry into a
failure state records ONE row — `setup_retry` (SETUP_RETRY) or
`setup_failure` (SETUP_ERROR, FAILED_UNLOAD, MIGRATION_ERROR) — with
`details={"state", "reason", "attempts": 1}`. Further failures in the same
state (HA's retry loop, or a manual reload that fails again) only increment an
attempt counter in memory. When the spell ends (entry LOADED, removed or
disabled) that same row is updated in place to
`{"state", "reason", "attempts": n, "ended": ts, "duration_s": d,
"outcome": "loaded" | "removed" | "disabled" | <new failure state>}`.
So a rollup counts spells by counting `setup_retry` / `setup_failure` rows;
a row without `ended` is a spell still open. A spell open across a restart is
resumed (same row) when the entry is still failing, or closed with
`restart_gap: true`.

Reloads: an entry leaving LOADED (or a failure state) through an unload while
HA runs records `reload`, except when this integration's Healer is reloading
it (that is recorded as `heal_*`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
import json
import logging
from typing import Any, Final

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.const import (
    EVENT_HOMEASSISTANT_STARTED,
    EVENT_HOMEASSISTANT_STOP,
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    CoreState,
    Event,
    EventStateChangedData,
    HassJob,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import entity_sources
from homeassistant.helpers.event import async_call_later, async_track_utc_time_change
from homeassistant.util import dt as dt_util
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .const import EVENT_OUTAGE_ENDED, EVENT_OUTAGE_STARTED
from .settings import ReliabilitySettings
from .store.core import ReliabilityStore
from .store.records import EventRecord, EventType, TrackedEntityRecord
from .store.rollup import OutageKey, open_outages_at, rollup_frontier
from .store.schema import EntityRow, Event as EventRow, EventTypeRow, Integration
from .store.tasks import StoreTask

_LOGGER = logging.getLogger(__name__)

ATTR_RESTORED: Final = "restored"
BLIP_BUCKET_S: Final = 3600

FAILURE_STATES: Final = {
    ConfigEntryState.SETUP_ERROR: EventType.SETUP_FAILURE,
    ConfigEntryState.FAILED_UNLOAD: EventType.SETUP_FAILURE,
    ConfigEntryState.MIGRATION_ERROR: EventType.SETUP_FAILURE,
    ConfigEntryState.SETUP_RETRY: EventType.SETUP_RETRY,
}
_RUNNING: Final = CoreState.running


@dataclass(slots=True)
class _Attribution:
    """Who an entity belongs to."""

    integration_id: str
    integration_domain: str


@dataclass(slots=True)
class _Pending:
    """An entity down for less than the grace period."""

    attribution: _Attribution
    start: float
    cancel: CALLBACK_TYPE


@dataclass(slots=True)
class _Open:
    """A confirmed outage that has not ended."""

    attribution: _Attribution
    start: float
    restored: bool = False
    renamed_from: str | None = None


@dataclass(slots=True)
class _BlipBucket:
    """Blips of one entity in one clock hour, written as one row."""

    attribution: _Attribution
    hour: int
    first: float
    count: int = 0


@dataclass(slots=True)
class _Spell:
    """A config entry failing to set up, however many attempts it takes."""

    integration_domain: str
    event_type: EventType
    start: float
    state: str
    reason: str | None
    attempts: int = 1
    restored: bool = False


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


@dataclass(slots=True)
class _Counters:
    """Live per-integration numbers for the sensors."""

    unavailable: dict[str, int] = field(default_factory=dict)
    blips: dict[str, int] = field(default_factory=dict)


def _now() -> float:
    return dt_util.utcnow().timestamp()


def _iso(ts: float) -> str:
    return dt_util.utc_from_timestamp(ts).isoformat()


def _load_details(raw: str | None) -> dict[str, Any]:
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
            old = _load_details(details).get("renamed_from")
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
        details = _load_details(raw)
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


@dataclass(frozen=True, slots=True)
class CloseSpellRow(StoreTask):
    """Writer-thread task: rewrite a spell's row `details` in place.

    Queued behind the records accepted before it, so the spell's own row is
    already written; a row purged meanwhile is simply not found.
    """

    integration_id: str
    event_type: EventType
    start: float
    details: dict[str, Any]

    def run(self, session: Session) -> None:
        """Update the row (the engine commits)."""
        row = session.execute(
            select(EventRow)
            .join(Integration, Integration.id == EventRow.integration_ref)
            .join(EventTypeRow, EventTypeRow.id == EventRow.event_type_ref)
            .where(
                and_(
                    Integration.integration_id == self.integration_id,
                    EventTypeRow.event_type == str(self.event_type),
                    EventRow.timestamp == self.start,
                )
            )
            .order_by(EventRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is not None:
            row.details = json.dumps(self.details)


class ReliabilityMonitor:
    """Watches the bus and the registries; records outages, blips, spells and reloads."""

    def __init__(
        self,
        hass: HomeAssistant,
        settings: ReliabilitySettings,
        store: ReliabilityStore,
        *,
        own_entry_id: str,
        on_change: Callable[[], None],
    ) -> None:
        self.hass = hass
        self._settings = settings
        self._store = store
        self._own_entry_id = own_entry_id
        self._on_change = on_change
        self._down: frozenset[str] = (
            frozenset({STATE_UNAVAILABLE, STATE_UNKNOWN})
            if settings.count_unknown
            else frozenset({STATE_UNAVAILABLE})
        )
        # entity_id -> attribution, or None for an entity we deliberately ignore
        # (own entry, excluded): a miss is then a single dict look-up too.
        self._attr: dict[str, _Attribution | None] = {}
        self._domains: dict[str, str] = {}
        self._pending: dict[str, _Pending] = {}
        # Pending outages whose state just left the state machine: a rename
        # removes the old id's state before the registry announces the rename.
        self._vanished: dict[str, _Pending] = {}
        self._open: dict[str, _Open] = {}
        self._blips: dict[str, _BlipBucket] = {}
        self._counters = _Counters()
        self._spells: dict[str, _Spell] = {}
        self._entry_states: dict[str, ConfigEntryState] = {}
        self._healing: set[str] = set()
        self._unsubs: list[CALLBACK_TYPE] = []
        self._unsub_started: CALLBACK_TYPE | None = None
        self._armed = False

    # ------------------------------------------------------------ public API

    async def async_start(self) -> None:
        """Load open outages/spells, build the caches and start listening."""
        try:
            outages = await self._store.async_run(query_open_outages)
            spells = await self._store.async_run(query_open_spells)
        except Exception:
            _LOGGER.warning(
                "Could not read the outages and failure spells open before the restart; "
                "they are not resumed",
                exc_info=True,
            )
            outages, spells = [], []
        for outage in outages:
            attribution = _Attribution(outage.integration_id, outage.integration_domain)
            self._open[outage.entity_id] = _Open(attribution, outage.start, restored=True)
            self._domains[outage.integration_id] = outage.integration_domain
            self._count(attribution.integration_id, 1)
        for spell in spells:
            self._spells[spell.integration_id] = _Spell(
                spell.integration_domain,
                spell.event_type,
                spell.start,
                spell.state,
                spell.reason,
                spell.attempts,
                restored=True,
            )
            self._domains[spell.integration_id] = spell.integration_domain
        self._build_cache()
        for entry in self.hass.config_entries.async_entries():
            self._entry_states[entry.entry_id] = entry.state
        hass = self.hass
        self._unsubs += [
            async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._async_entry_changed),
            hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, self._async_entity_registry),
            hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, self._async_device_registry),
            hass.bus.async_listen(ar.EVENT_AREA_REGISTRY_UPDATED, self._async_area_registry),
            hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._async_ha_stop),
            async_track_utc_time_change(hass, self._async_flush_blips, minute=0, second=5),
        ]
        if hass.state is _RUNNING:
            self._arm()
        else:
            self._unsub_started = hass.bus.async_listen_once(
                EVENT_HOMEASSISTANT_STARTED, self._async_started
            )
        self._notify()

    async def async_stop(self) -> None:
        """Remove every listener and timer; write the blips counted so far."""
        self._armed = False
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._unsub_started is not None:
            self._unsub_started()
            self._unsub_started = None
        for pending in self._pending.values():
            pending.cancel()
        self._pending.clear()
        self._write_blips(only_before_hour=None)

    def unavailable_now(self) -> dict[str, int]:
        """Integration id -> entities in a confirmed outage right now."""
        return {k: v for k, v in self._counters.unavailable.items() if v > 0}

    def problem_integrations(self) -> set[str]:
        """Integration ids with an open outage or a failing set-up now."""
        return set(self.unavailable_now()) | set(self._spells)

    def integration_domains(self) -> dict[str, str]:
        """Integration id -> domain, for every integration seen."""
        return dict(self._domains)

    def blips_counted(self) -> dict[str, int]:
        """Integration id -> blips counted since start (live, before rows are written)."""
        return dict(self._counters.blips)

    def open_outages(self, integration_id: str | None = None) -> dict[str, float]:
        """Entity id -> start (epoch s) of confirmed outages, optionally of one integration."""
        return {
            entity_id: outage.start
            for entity_id, outage in self._open.items()
            if integration_id is None or outage.attribution.integration_id == integration_id
        }

    def down_entities(self, integration_id: str) -> set[str]:
        """Entities of an integration in a pending or confirmed outage."""
        down = set(self.open_outages(integration_id))
        down.update(
            entity_id
            for entity_id, pending in self._pending.items()
            if pending.attribution.integration_id == integration_id
        )
        return down

    def problem_since(self) -> dict[str, float]:
        """Integration id -> start of its oldest open outage or failure spell."""
        since: dict[str, float] = {}
        for outage in self._open.values():
            key = outage.attribution.integration_id
            since[key] = min(outage.start, since.get(key, outage.start))
        for entry_id, spell in self._spells.items():
            since[entry_id] = min(spell.start, since.get(entry_id, spell.start))
        return since

    def is_down(self, state: State | None) -> bool:
        """Whether a state counts as down under the current settings."""
        return state is None or state.state in self._down

    @callback
    def begin_heal(self, entry_id: str) -> None:
        """Mark a reload as done by the Healer, so it is not recorded as `reload`."""
        self._healing.add(entry_id)

    @callback
    def end_heal(self, entry_id: str) -> None:
        """End the mark set by `begin_heal`."""
        self._healing.discard(entry_id)

    # ------------------------------------------------------------ arming

    @callback
    def _async_started(self, _event: Event) -> None:
        self._unsub_started = None  # a one-time listener is gone once it fired
        self._arm()

    @callback
    def _arm(self) -> None:
        """Start watching states; settle outages and spells carried over a restart."""
        self._armed = True
        self._unsubs.append(
            self.hass.bus.async_listen(
                EVENT_STATE_CHANGED, self._async_state_changed, event_filter=self._filter
            )
        )
        now = _now()
        # Every open outage here was read back from the database.
        for entity_id in list(self._open):
            state = self.hass.states.get(entity_id)
            if state is not None and state.state not in self._down:
                # It came back while HA was down or starting: close it at the
                # moment the real state was set.
                self._close(entity_id, state.last_changed_timestamp, restart_gap=True)
            elif state is None and er.async_get(self.hass).async_get(entity_id) is None:
                self._close(entity_id, now, closed_by="entity_removed", restart_gap=True)
        for entry_id, spell in list(self._spells.items()):
            entry = self.hass.config_entries.async_get_entry(entry_id)
            if entry is None:
                self._close_spell(entry_id, now, "removed")
            elif entry.state is ConfigEntryState.LOADED and spell.restored:
                self._close_spell(entry_id, now, "loaded")
            elif entry.disabled_by is not None:
                self._close_spell(entry_id, now, "disabled")
        # Entries already failing before we were set up (we may load after them).
        for entry in self.hass.config_entries.async_entries():
            if entry.state in FAILURE_STATES and entry.entry_id not in self._spells:
                self._entry_failed(entry, now)
        self._notify()

    @callback
    def _async_ha_stop(self, _event: Event) -> None:
        """HA is stopping: entities going down now is not an outage."""
        self._armed = False
        for pending in self._pending.values():
            pending.cancel()
        self._pending.clear()
        self._write_blips(only_before_hour=None)

    # ------------------------------------------------------------ attribution

    def _monitors(self, integration_id: str, domain: str, entity_id: str) -> bool:
        settings = self._settings
        if integration_id == self._own_entry_id or settings.excludes_entity(entity_id):
            return False
        return settings.monitors(integration_id, domain)

    def _attribution_of(self, entry: er.RegistryEntry) -> _Attribution | None:
        integration_id = entry.config_entry_id or entry.platform
        if not self._monitors(integration_id, entry.platform, entry.entity_id):
            return None
        return _Attribution(integration_id, entry.platform)

    def _build_cache(self) -> None:
        """Attribute every registered entity once; record their context."""
        self._attr.clear()
        for entry in er.async_get(self.hass).entities.values():
            attribution = self._attribution_of(entry)
            self._attr[entry.entity_id] = attribution
            if attribution is not None and entry.disabled_by is None:
                self._domains[attribution.integration_id] = attribution.integration_domain
                self._track(entry)

    def _attribute(self, entity_id: str) -> _Attribution | None:
        """Cached attribution; entities outside the registry via `entity_sources`."""
        try:
            return self._attr[entity_id]
        except KeyError:
            pass
        info = entity_sources(self.hass).get(entity_id)
        attribution: _Attribution | None = None
        if info is not None:
            domain = info["domain"]
            integration_id = info.get("config_entry") or domain
            if self._monitors(integration_id, domain, entity_id):
                attribution = _Attribution(integration_id, domain)
                self._domains[integration_id] = domain
        self._attr[entity_id] = attribution
        return attribution

    def _track(self, entry: er.RegistryEntry, removed_at: float | None = None) -> None:
        """Queue an upsert of the entity's context (device, area, class, platform)."""
        attribution = self._attr.get(entry.entity_id)
        if attribution is None:
            return
        device_name: str | None = None
        area_id = entry.area_id
        if entry.device_id is not None:
            device = dr.async_get(self.hass).async_get(entry.device_id)
            if device is not None:
                device_name = device.name_by_user or device.name
                area_id = area_id or device.area_id
        area_name: str | None = None
        if area_id is not None:
            area = ar.async_get(self.hass).async_get_area(area_id)
            area_name = area.name if area is not None else None
        self._store.track_entity(
            TrackedEntityRecord(
                entity_id=entry.entity_id,
                integration_id=attribution.integration_id,
                integration_domain=attribution.integration_domain,
                platform=entry.platform,
                device_id=entry.device_id,
                device_name=device_name,
                area=area_name,
                device_class=entry.device_class or entry.original_device_class,
                first_seen=_now(),
                removed_at=removed_at,
            )
        )

    # ------------------------------------------------------------ state changes

    @callback
    def _filter(self, data: EventStateChangedData) -> bool:
        """O(1) bus filter: only a change into or out of a down state passes.

        Adds and removals (a None state) pass too: they are rare, and a renamed
        entity's first real state must reach us to close its moved outage.
        """
        new = data["new_state"]
        old = data["old_state"]
        if new is None or old is None:
            return True
        down = self._down
        return (new.state in down) is not (old.state in down)

    @callback
    def _async_state_changed(self, event: Event[EventStateChangedData]) -> None:
        """Handle a transition into or out of a down state (dict look-ups only)."""
        if not self._armed or self.hass.state is not _RUNNING:
            return
        data = event.data
        entity_id = data["entity_id"]
        new = data["new_state"]
        if new is None:
            # The state left the state machine (removal, rename, unload of a
            # YAML platform): an unconfirmed outage is dropped, unless the
            # registry announces next that this was a rename.
            pending = self._pending.pop(entity_id, None)
            if pending is not None:
                pending.cancel()
                self._vanished[entity_id] = pending
            return
        down = self._down
        if new.state not in down:
            if entity_id in self._open:
                self._close(entity_id, new.last_changed_timestamp)
            elif entity_id in self._pending:
                self._blip(entity_id, new.last_changed_timestamp)
            return
        old = data["old_state"]
        if (
            old is None
            or old.state in down
            or entity_id in self._open
            or entity_id in self._pending
            or new.attributes.get(ATTR_RESTORED)
        ):
            return
        attribution = self._attribute(entity_id)
        if attribution is None or not self._integration_loaded(attribution):
            return
        self._pending[entity_id] = _Pending(
            attribution,
            new.last_changed_timestamp,
            async_call_later(
                self.hass,
                max(0.0, new.last_changed_timestamp + self._settings.grace_period - _now()),
                self._confirm_job_for(entity_id),
            ),
        )

    def _confirm_job_for(self, entity_id: str) -> HassJob[[datetime], None]:
        @callback
        def _grace_over(_now_dt: datetime) -> None:
            self._async_confirm(entity_id)

        # A @callback job: it runs in the event loop, never in the executor.
        return HassJob(
            _grace_over, f"integration_reliability grace {entity_id}", cancel_on_shutdown=True
        )

    def _integration_loaded(self, attribution: _Attribution) -> bool:
        entry = self.hass.config_entries.async_get_entry(attribution.integration_id)
        if entry is not None:
            return entry.state is ConfigEntryState.LOADED
        # No config entry (YAML platform): loaded when its domain is.
        return attribution.integration_domain in self.hass.config.components

    @callback
    def _async_confirm(self, entity_id: str) -> None:
        """The grace period elapsed: a pending outage becomes an outage."""
        # Dropping a pending outage cancels its timer: it is always there.
        pending = self._pending.pop(entity_id)
        if self.hass.state is not _RUNNING:
            return  # stopping, before our stop listener ran
        attribution = pending.attribution
        self._open[entity_id] = _Open(attribution, pending.start)
        self._count(attribution.integration_id, 1)
        self._store.record(
            EventRecord(
                attribution.integration_id,
                attribution.integration_domain,
                EventType.UNAVAILABLE,
                pending.start,
                entity_id,
                {"grace_s": self._settings.grace_period},
            )
        )
        self.hass.bus.async_fire(
            EVENT_OUTAGE_STARTED,
            {
                "integration_id": attribution.integration_id,
                "integration_domain": attribution.integration_domain,
                "entity_id": entity_id,
                "entity_ids": [entity_id],
                "start": _iso(pending.start),
            },
        )
        self._notify()

    def _close(
        self,
        entity_id: str,
        end: float,
        *,
        closed_by: str | None = None,
        restart_gap: bool = False,
    ) -> None:
        """End a confirmed outage: `recovered` row and `outage_ended` event."""
        outage = self._open.pop(entity_id)
        attribution = outage.attribution
        duration = max(0.0, end - outage.start)
        details: dict[str, Any] = {"duration_s": round(duration, 3)}
        if closed_by is not None:
            details["closed_by"] = closed_by
        if restart_gap or outage.restored:
            details["restart_gap"] = True
        if outage.renamed_from is not None:
            details["renamed_from"] = outage.renamed_from
        self._count(attribution.integration_id, -1)
        self._store.record(
            EventRecord(
                attribution.integration_id,
                attribution.integration_domain,
                EventType.RECOVERED,
                end,
                entity_id,
                details,
            )
        )
        self.hass.bus.async_fire(
            EVENT_OUTAGE_ENDED,
            {
                "integration_id": attribution.integration_id,
                "integration_domain": attribution.integration_domain,
                "entity_id": entity_id,
                "entity_ids": [entity_id],
                "start": _iso(outage.start),
                "end": _iso(end),
                "duration_s": details["duration_s"],
                "closed_by": closed_by,
            },
        )
        self._notify()

    def _drop_pending(self, entity_id: str) -> None:
        pending = self._pending.pop(entity_id, None)
        if pending is not None:
            pending.cancel()

    def _blip(self, entity_id: str, end: float) -> None:
        """Back before the grace period: count a blip (written aggregated)."""
        pending = self._pending.pop(entity_id)
        pending.cancel()
        attribution = pending.attribution
        hour = int(pending.start // BLIP_BUCKET_S)
        bucket = self._blips.get(entity_id)
        if bucket is not None and bucket.hour != hour:
            self._write_bucket(entity_id, bucket)
            bucket = None
        if bucket is None:
            bucket = self._blips[entity_id] = _BlipBucket(attribution, hour, pending.start)
        bucket.count += 1
        blips = self._counters.blips
        blips[attribution.integration_id] = blips.get(attribution.integration_id, 0) + 1

    def _write_bucket(self, entity_id: str, bucket: _BlipBucket) -> None:
        self._store.record(
            EventRecord(
                bucket.attribution.integration_id,
                bucket.attribution.integration_domain,
                EventType.BLIP,
                bucket.first,
                entity_id,
                {"count": bucket.count},
            )
        )

    @callback
    def _async_flush_blips(self, now: datetime) -> None:
        """Hourly: write the buckets of hours that have ended."""
        self._write_blips(only_before_hour=int(now.timestamp() // BLIP_BUCKET_S))

    def _write_blips(self, only_before_hour: int | None) -> None:
        for entity_id, bucket in list(self._blips.items()):
            if only_before_hour is None or bucket.hour < only_before_hour:
                del self._blips[entity_id]
                self._write_bucket(entity_id, bucket)

    def _count(self, integration_id: str, delta: int) -> None:
        counts = self._counters.unavailable
        counts[integration_id] = counts.get(integration_id, 0) + delta

    def _notify(self) -> None:
        try:
            self._on_change()
        except Exception:
            _LOGGER.exception("on_change callback failed")

    # ------------------------------------------------------------ registries

    @callback
    def _async_entity_registry(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        """Keep attribution current; outages follow renames, end on removal."""
        try:
            self._entity_registry_updated(event.data)
        finally:
            self._vanished.clear()

    def _entity_registry_updated(self, data: er.EventEntityRegistryUpdatedData) -> None:
        action = data["action"]
        entity_id = data["entity_id"]
        registry = er.async_get(self.hass)
        if action == "remove":
            self._drop_pending(entity_id)
            attribution = self._attr.pop(entity_id, None)
            if entity_id in self._open:
                self._close(entity_id, _now(), closed_by="entity_removed")
            if attribution is not None:
                self._store.track_entity(
                    TrackedEntityRecord(
                        entity_id=entity_id,
                        integration_id=attribution.integration_id,
                        integration_domain=attribution.integration_domain,
                        platform=attribution.integration_domain,
                        removed_at=_now(),
                    )
                )
            return
        entry = registry.async_get(entity_id)
        if entry is None:
            return
        if data["action"] == "update" and "old_entity_id" in data:
            self._rename(data["old_entity_id"], entity_id)
        attribution = self._attribution_of(entry)
        self._attr[entity_id] = attribution
        if attribution is None:
            self._drop_pending(entity_id)
            if entity_id in self._open:
                self._close(entity_id, _now(), closed_by="entity_excluded")
            return
        self._domains[attribution.integration_id] = attribution.integration_domain
        if entry.disabled_by is not None:
            self._drop_pending(entity_id)
            if entity_id in self._open:
                self._close(entity_id, _now(), closed_by="entity_disabled")
            return
        self._track(entry)

    def _rename(self, old_id: str, new_id: str) -> None:
        self._attr.pop(old_id, None)
        pending = self._pending.pop(old_id, None) or self._vanished.pop(old_id, None)
        if pending is not None:
            pending.cancel()
            self._pending[new_id] = _Pending(
                pending.attribution,
                pending.start,
                async_call_later(
                    self.hass,
                    max(0.0, pending.start + self._settings.grace_period - _now()),
                    self._confirm_job_for(new_id),
                ),
            )
        outage = self._open.pop(old_id, None)
        if outage is not None:
            outage.renamed_from = outage.renamed_from or old_id
            self._open[new_id] = outage
        bucket = self._blips.pop(old_id, None)
        if bucket is not None:
            self._write_bucket(old_id, bucket)

    @callback
    def _async_device_registry(self, event: Event[dr.EventDeviceRegistryUpdatedData]) -> None:
        """A device renamed or moved: refresh its entities' context."""
        data = event.data
        if data["action"] != "update":
            return
        registry = er.async_get(self.hass)
        for entry in er.async_entries_for_device(
            registry, data["device_id"], include_disabled_entities=False
        ):
            self._track(entry)

    @callback
    def _async_area_registry(self, event: Event[ar.EventAreaRegistryUpdatedData]) -> None:
        """An area renamed: refresh the context of entities in it."""
        data = event.data
        if data["action"] != "update":
            return
        area_id = data["area_id"]
        ent_reg = er.async_get(self.hass)
        seen: set[str] = set()
        for entry in er.async_entries_for_area(ent_reg, area_id):
            seen.add(entry.entity_id)
            self._track(entry)
        for device in dr.async_entries_for_area(dr.async_get(self.hass), area_id):
            for entry in er.async_entries_for_device(ent_reg, device.id):
                if entry.entity_id not in seen:
                    self._track(entry)

    # ------------------------------------------------------------ config entries

    @callback
    def _async_entry_changed(self, change: ConfigEntryChange, entry: ConfigEntry) -> None:
        """Record set-up failure spells and reloads from entry state transitions."""
        entry_id = entry.entry_id
        if entry_id == self._own_entry_id:
            return
        if change is ConfigEntryChange.REMOVED:
            self._entry_states.pop(entry_id, None)
            if entry_id in self._spells:
                self._close_spell(entry_id, _now(), "removed")
            return
        previous = self._entry_states.get(entry_id)
        state = entry.state
        self._entry_states[entry_id] = state
        if previous is state or self.hass.state in (CoreState.stopping, CoreState.final_write):
            return
        if not self._monitors(entry_id, entry.domain, ""):
            return
        self._domains[entry_id] = entry.domain
        now = _now()
        if state in FAILURE_STATES:
            self._entry_failed(entry, now)
        elif state is ConfigEntryState.LOADED:
            if entry_id in self._spells:
                self._close_spell(entry_id, now, "loaded")
        elif (
            state is ConfigEntryState.UNLOAD_IN_PROGRESS
            or (state is ConfigEntryState.NOT_LOADED and previous in FAILURE_STATES)
        ) and (entry_id not in self._healing and self.hass.state is _RUNNING):
            self._store.record(
                EventRecord(
                    entry_id,
                    entry.domain,
                    EventType.RELOAD,
                    now,
                    None,
                    {"from_state": previous.value if previous else None},
                )
            )
        if (
            state is ConfigEntryState.NOT_LOADED
            and entry.disabled_by is not None
            and entry_id in self._spells
        ):
            self._close_spell(entry_id, now, "disabled")

    def _entry_failed(self, entry: ConfigEntry, now: float) -> None:
        """One more failure: open a spell, or count an attempt in the open one."""
        entry_id = entry.entry_id
        event_type = FAILURE_STATES[entry.state]
        state = entry.state.value
        spell = self._spells.get(entry_id)
        if spell is not None and spell.event_type is event_type:
            spell.attempts += 1
            spell.state = state
            spell.reason = entry.reason or spell.reason
            return
        if spell is not None:
            self._close_spell(entry_id, now, state)
        self._spells[entry_id] = _Spell(entry.domain, event_type, now, state, entry.reason)
        self._store.record(
            EventRecord(
                entry_id,
                entry.domain,
                event_type,
                now,
                None,
                {"state": state, "reason": entry.reason, "attempts": 1},
            )
        )
        self._notify()

    def _close_spell(self, entry_id: str, now: float, outcome: str) -> None:
        """End a spell: rewrite its row with the attempt count and duration."""
        spell = self._spells.pop(entry_id)
        details: dict[str, Any] = {
            "state": spell.state,
            "reason": spell.reason,
            "attempts": spell.attempts,
            "ended": now,
            "duration_s": round(max(0.0, now - spell.start), 3),
            "outcome": outcome,
        }
        if spell.restored:
            details["restart_gap"] = True
        # Fire and forget, in order with the records: nothing left running at stop.
        self._store.queue_task(CloseSpellRow(entry_id, spell.event_type, spell.start, details))
        self._notify()
