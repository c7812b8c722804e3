"""Config entries failing to set up, and being reloaded.

The first transition of an entry into a failure state records ONE row —
`setup_retry` (SETUP_RETRY) or `setup_failure` (SETUP_ERROR, FAILED_UNLOAD,
MIGRATION_ERROR) — with `details={"state", "reason", "attempts": 1}`.
Further failures in the same state (HA's retry loop, or a manual reload that
fails again) only increment an attempt counter in memory. When the spell
ends (entry LOADED, removed or disabled) that same row is updated in place to
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
from dataclasses import dataclass
import json
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry, ConfigEntryChange, ConfigEntryState
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.util import dt as dt_util
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..store.core import ReliabilityStore
from ..store.records import EventRecord, EventType
from ..store.schema import Event as EventRow, EventTypeRow, Integration
from ..store.sinks import note_rewritten_event
from ..store.tasks import StoreTask
from .attribution import Attributor
from .restore import OpenSpell

FAILURE_STATES: Final = {
    ConfigEntryState.SETUP_ERROR: EventType.SETUP_FAILURE,
    ConfigEntryState.FAILED_UNLOAD: EventType.SETUP_FAILURE,
    ConfigEntryState.MIGRATION_ERROR: EventType.SETUP_FAILURE,
    ConfigEntryState.SETUP_RETRY: EventType.SETUP_RETRY,
}


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
        """Update the row (the engine commits); a second sink gets it again."""
        found = session.execute(
            select(EventRow, Integration.integration_domain)
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
        ).one_or_none()
        if found is not None:
            row, domain = found
            row.details = json.dumps(self.details)
            note_rewritten_event(
                session,
                EventRecord(
                    self.integration_id, domain, self.event_type, self.start, None, self.details
                ),
            )


class SpellTracker:
    """Failure spells and reloads of the config entries we monitor."""

    def __init__(
        self,
        hass: HomeAssistant,
        store: ReliabilityStore,
        attributor: Attributor,
        *,
        own_entry_id: str,
        notify: Callable[[], None],
    ) -> None:
        self._hass = hass
        self._store = store
        self._attributor = attributor
        self._own_entry_id = own_entry_id
        self._notify = notify
        self._spells: dict[str, _Spell] = {}
        self._entry_states: dict[str, ConfigEntryState] = {}
        self._healing: set[str] = set()

    # ------------------------------------------------------------ reads

    def failing(self) -> set[str]:
        """Entry ids in a failure spell now."""
        return set(self._spells)

    def failing_since(self) -> dict[str, float]:
        """Entry id -> start of its open failure spell."""
        return {entry_id: spell.start for entry_id, spell in self._spells.items()}

    # ------------------------------------------------------------ life cycle

    def resume(self, spells: list[OpenSpell]) -> None:
        """Take over the spells left open in the database; note every entry's state."""
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
            self._attributor.seen(spell.integration_id, spell.integration_domain)
        for entry in self._hass.config_entries.async_entries():
            self._entry_states[entry.entry_id] = entry.state

    def settle(self, now: float) -> None:
        """HA runs: end resumed spells that are over; open those we did not see start."""
        for entry_id, spell in list(self._spells.items()):
            entry = self._hass.config_entries.async_get_entry(entry_id)
            if entry is None:
                self._close(entry_id, now, "removed")
            elif entry.state is ConfigEntryState.LOADED and spell.restored:
                self._close(entry_id, now, "loaded")
            elif entry.disabled_by is not None:
                self._close(entry_id, now, "disabled")
        # Entries already failing before we were set up (we may load after them).
        for entry in self._hass.config_entries.async_entries():
            if entry.state in FAILURE_STATES and entry.entry_id not in self._spells:
                self._failed(entry, now)

    def begin_heal(self, entry_id: str) -> None:
        """Mark a reload as done by the Healer, so it is not recorded as `reload`."""
        self._healing.add(entry_id)

    def end_heal(self, entry_id: str) -> None:
        """End the mark set by `begin_heal`."""
        self._healing.discard(entry_id)

    # ------------------------------------------------------------ transitions

    def entry_changed(self, change: ConfigEntryChange, entry: ConfigEntry) -> None:
        """Record set-up failure spells and reloads from entry state transitions."""
        entry_id = entry.entry_id
        if entry_id == self._own_entry_id:
            return
        hass = self._hass
        if change is ConfigEntryChange.REMOVED:
            self._entry_states.pop(entry_id, None)
            if entry_id in self._spells:
                self._close(entry_id, dt_util.utcnow().timestamp(), "removed")
            return
        previous = self._entry_states.get(entry_id)
        state = entry.state
        self._entry_states[entry_id] = state
        if previous is state or hass.state in (CoreState.stopping, CoreState.final_write):
            return
        if not self._attributor.monitors(entry_id, entry.domain):
            return
        self._attributor.seen(entry_id, entry.domain)
        now = dt_util.utcnow().timestamp()
        if state in FAILURE_STATES:
            self._failed(entry, now)
        elif state is ConfigEntryState.LOADED:
            if entry_id in self._spells:
                self._close(entry_id, now, "loaded")
        elif (
            state is ConfigEntryState.UNLOAD_IN_PROGRESS
            or (state is ConfigEntryState.NOT_LOADED and previous in FAILURE_STATES)
        ) and (entry_id not in self._healing and hass.state is CoreState.running):
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
            self._close(entry_id, now, "disabled")

    def _failed(self, entry: ConfigEntry, now: float) -> None:
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
            self._close(entry_id, now, state)
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

    def _close(self, entry_id: str, now: float, outcome: str) -> None:
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
