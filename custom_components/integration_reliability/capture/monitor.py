"""The monitor: Home Assistant's event stream in, reliability records out.

`ReliabilityMonitor` wires three sources to the parts of `capture/` and hands
immutable records to the storage engine (`store.record` / `store.track_entity`,
which never block):

* `state_changed` — entity outages. A bus `event_filter` rejects the ordinary
  value changes in O(1) (two `in` tests on state strings) so Home Assistant
  never builds an `Event` object for them; the handler then does dict
  look-ups only: filter -> transition (`OutageTracker`) -> record.
* `SIGNAL_CONFIG_ENTRY_CHANGED` — setup failures, retry spells and reloads
  (`SpellTracker`).
* the entity, device and area registries — attribution and entity context
  (`Attributor`); a rename, removal or exclusion moves or ends an outage.

State strings `unavailable`, and `unknown` if `settings.count_unknown`, are
"down"; anything else is "real". Decisions on noise (each has a test):

* Nothing starts before HA has started (the monitor arms on
  EVENT_HOMEASSISTANT_STARTED), nor while it stops; pending outages are dropped
  on stop; open (confirmed) outages stay open in the database.
* A state that goes down while the entity's config entry is not LOADED
  (unloading, reloading, set-up in progress, disabled) or that carries
  `restored: true` (the placeholder HA writes for an entity its integration no
  longer provides) is not an outage: that is a `reload` of the entry.
* An entity that *appears* already down (old state None) does not start an
  outage: there was no real state to lose.
* Entities of this integration's own entry and excluded integrations, domains
  or entity patterns are not attributed at all, so they never get past a dict
  look-up.

Restart: on start the open outages and spells are read from the database
(`restore`); once HA has started each outage is closed at the entity's first
real state (`details.restart_gap = true`, duration measured from the original
start) or continues with its original start.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import Final

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
from homeassistant.helpers.event import async_track_utc_time_change
from homeassistant.util import dt as dt_util

from ..settings import ReliabilitySettings
from ..store.core import ReliabilityStore
from .attribution import ENDED_REMOVED, Attribution, Attributor
from .outages import OutageTracker
from .restore import query_open_outages, query_open_spells
from .spells import SpellTracker

_LOGGER = logging.getLogger(__name__)

ATTR_RESTORED: Final = "restored"
_RUNNING: Final = CoreState.running


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
        self._store = store
        self._on_change = on_change
        self._down: frozenset[str] = (
            frozenset({STATE_UNAVAILABLE, STATE_UNKNOWN})
            if settings.count_unknown
            else frozenset({STATE_UNAVAILABLE})
        )
        self._attributor = Attributor(hass, settings, store, own_entry_id=own_entry_id)
        self._outages = OutageTracker(hass, settings, store, notify=self._notify)
        self._spells = SpellTracker(
            hass, store, self._attributor, own_entry_id=own_entry_id, notify=self._notify
        )
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
        self._outages.resume(outages)
        for outage in outages:
            self._attributor.seen(outage.integration_id, outage.integration_domain)
        self._spells.resume(spells)
        self._attributor.build()
        hass = self.hass
        self._unsubs += [
            async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._async_entry_changed),
            hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, self._async_entity_registry),
            hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, self._async_device_registry),
            hass.bus.async_listen(ar.EVENT_AREA_REGISTRY_UPDATED, self._async_area_registry),
            hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._async_ha_stop),
            async_track_utc_time_change(hass, self._outages.async_flush_blips, minute=0, second=5),
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
        self._outages.drop_pending()
        self._outages.write_blips()

    def unavailable_now(self) -> dict[str, int]:
        """Integration id -> entities in a confirmed outage right now."""
        return self._outages.unavailable_now()

    def problem_integrations(self) -> set[str]:
        """Integration ids with an open outage or a failing set-up now."""
        return set(self.unavailable_now()) | self._spells.failing()

    def integration_domains(self) -> dict[str, str]:
        """Integration id -> domain, for every integration seen."""
        return dict(self._attributor.domains)

    def blips_counted(self) -> dict[str, int]:
        """Integration id -> blips counted since start (live, before rows are written)."""
        return self._outages.blips_counted()

    def open_outages(self, integration_id: str | None = None) -> dict[str, float]:
        """Entity id -> start (epoch s) of confirmed outages, optionally of one integration."""
        return self._outages.open_outages(integration_id)

    def down_entities(self, integration_id: str) -> set[str]:
        """Entities of an integration in a pending or confirmed outage."""
        return self._outages.down_entities(integration_id)

    def problem_since(self) -> dict[str, float]:
        """Integration id -> start of its oldest open outage or failure spell."""
        since = self._outages.open_since()
        for entry_id, start in self._spells.failing_since().items():
            since[entry_id] = min(start, since.get(entry_id, start))
        return since

    def is_down(self, state: State | None) -> bool:
        """Whether a state counts as down under the current settings."""
        return state is None or state.state in self._down

    @callback
    def begin_heal(self, entry_id: str) -> None:
        """Mark a reload as done by the Healer, so it is not recorded as `reload`."""
        self._spells.begin_heal(entry_id)

    @callback
    def end_heal(self, entry_id: str) -> None:
        """End the mark set by `begin_heal`."""
        self._spells.end_heal(entry_id)

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
        outages = self._outages
        registry = er.async_get(self.hass)
        # Every open outage here was read back from the database.
        for entity_id in outages.restored_entities():
            state = self.hass.states.get(entity_id)
            if state is not None and state.state not in self._down:
                # It came back while HA was down or starting: close it at the
                # moment the real state was set.
                outages.close(entity_id, state.last_changed_timestamp, restart_gap=True)
            elif state is None and registry.async_get(entity_id) is None:
                outages.ended(entity_id, ENDED_REMOVED, restart_gap=True)
        self._spells.settle(dt_util.utcnow().timestamp())
        self._notify()

    @callback
    def _async_ha_stop(self, _event: Event) -> None:
        """HA is stopping: entities going down now is not an outage."""
        self._armed = False
        self._outages.drop_pending()
        self._outages.write_blips()

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
        outages = self._outages
        if new is None:
            # The state left the state machine (removal, rename, unload of a
            # YAML platform): an unconfirmed outage is dropped, unless the
            # registry announces next that this was a rename.
            outages.vanished(entity_id)
            return
        down = self._down
        if new.state not in down:
            outages.came_back(entity_id, new.last_changed_timestamp)
            return
        old = data["old_state"]
        if (
            old is None
            or old.state in down
            or outages.tracks(entity_id)
            or new.attributes.get(ATTR_RESTORED)
        ):
            return
        attribution = self._attributor.get(entity_id)
        if attribution is None or not self._integration_loaded(attribution):
            return
        outages.went_down(entity_id, attribution, new.last_changed_timestamp)

    def _integration_loaded(self, attribution: Attribution) -> bool:
        entry = self.hass.config_entries.async_get_entry(attribution.integration_id)
        if entry is not None:
            return entry.state is ConfigEntryState.LOADED
        # No config entry (YAML platform): loaded when its domain is.
        return attribution.integration_domain in self.hass.config.components

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
            verdict = self._attributor.entity_updated(event.data)
            entity_id = event.data["entity_id"]
            if verdict.renamed_from is not None:
                self._outages.renamed(verdict.renamed_from, entity_id)
            if verdict.ended_by is not None:
                self._outages.ended(entity_id, verdict.ended_by)
        finally:
            self._outages.forget_vanished()

    @callback
    def _async_device_registry(self, event: Event[dr.EventDeviceRegistryUpdatedData]) -> None:
        self._attributor.device_updated(event.data)

    @callback
    def _async_area_registry(self, event: Event[ar.EventAreaRegistryUpdatedData]) -> None:
        self._attributor.area_updated(event.data)

    # ------------------------------------------------------------ config entries

    @callback
    def _async_entry_changed(self, change: ConfigEntryChange, entry: ConfigEntry) -> None:
        self._spells.entry_changed(change, entry)
