"""Heal: reload a failing config entry and verify that it recovered.

A heal records `heal_attempt`, calls `hass.config_entries.async_reload`, then
waits at most `settings.heal_verify_seconds` for the entry to be LOADED and
every entity that was down when the heal started to show a real state again.
The outcome is recorded as `heal_success` or `heal_failure` with the evidence
in `details` (`entities_affected`, `entities_recovered`, `seconds_to_recover`,
`error`, `entry_state`, `trigger`).

Rules:
* never this integration's own entry, never while HA starts or stops, never
  two heals of one entry at once, never an entry in `settings.never_heal`
  (by entry id or domain): `async_heal` raises `HealRefused(reason)`;
* the reload a heal does is announced to the monitor (`begin_heal`) so it is
  recorded as `heal_*`, not as a user `reload`;
* auto-heal (`settings.auto_heal`, off by default) checks every
  `AUTO_HEAL_CHECK_S` the integrations with a problem (open outage or failure
  spell) older than `heal_threshold_minutes`; at most `heal_max_per_hour`
  attempts per entry in any hour, and after a failed heal it backs off
  exponentially (`BACKOFF_BASE_S * 2**(failures-1)`, capped at an hour);
* after `heal_breaker_failures` consecutive failed heals the breaker opens:
  no more auto-heals for that entry and a repair issue
  (`heal_breaker_open`, placeholder `integration`) is raised. A successful heal
  (e.g. one started by hand) closes the breaker and deletes the issue.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
import logging
import time
from typing import Any, Final

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    CoreState,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import (
    async_call_later,
    async_track_state_change_event,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util

from .capture.monitor import ReliabilityMonitor
from .const import DOMAIN
from .settings import ReliabilitySettings
from .store.core import ReliabilityStore
from .store.records import EventRecord, EventType

_LOGGER = logging.getLogger(__name__)

AUTO_HEAL_CHECK_S: Final = 30
BACKOFF_BASE_S: Final = 60
BACKOFF_MAX_S: Final = 3600
ISSUE_BREAKER: Final = "heal_breaker_open"
_FINAL_FAILURES: Final = frozenset(
    {
        ConfigEntryState.SETUP_ERROR,
        ConfigEntryState.MIGRATION_ERROR,
        ConfigEntryState.FAILED_UNLOAD,
        ConfigEntryState.NOT_LOADED,
    }
)

# HealRefused reasons (translation keys, prefixed by the service's error key).
REFUSED_OWN_ENTRY: Final = "own_entry"
REFUSED_NOT_RUNNING: Final = "not_running"
REFUSED_ALREADY_RUNNING: Final = "already_running"
REFUSED_UNKNOWN_ENTRY: Final = "unknown_entry"
REFUSED_NEVER_HEAL: Final = "never_heal"


class HealRefused(Exception):  # noqa: N818 - the name is the agreed contract
    """A heal that must not run; `reason` is a translation key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class HealOutcome:
    """What one heal did and the evidence for it."""

    integration_id: str
    integration_domain: str
    success: bool
    entities_recovered: int
    entities_affected: int
    seconds_to_recover: float | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome as a service response."""
        return asdict(self)


@dataclass(slots=True)
class _EntryHealth:
    """Auto-heal book-keeping of one entry."""

    attempts: deque[float]
    failures: int = 0
    last_end: float = 0.0
    breaker_open: bool = False


def _issue_id(entry_id: str) -> str:
    return f"{ISSUE_BREAKER}_{entry_id}"


class Healer:
    """Reloads failing entries on request or automatically, and verifies them."""

    def __init__(
        self,
        hass: HomeAssistant,
        settings: ReliabilitySettings,
        store: ReliabilityStore,
        monitor: ReliabilityMonitor,
        *,
        own_entry_id: str,
    ) -> None:
        self.hass = hass
        self._settings = settings
        self._store = store
        self._monitor = monitor
        self._own_entry_id = own_entry_id
        self._running: set[str] = set()
        self._health: dict[str, _EntryHealth] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubs: list[CALLBACK_TYPE] = []

    async def async_start(self) -> None:
        """Start the auto-heal check when it is enabled.

        The breaker's count lives in memory and starts closed: an issue saying
        auto-heal gave up, left from before, would no longer be true.
        """
        registry = ir.async_get(self.hass)
        for domain, issue_id in list(registry.issues):
            if domain == DOMAIN and issue_id.startswith(f"{ISSUE_BREAKER}_"):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        if self._settings.auto_heal:
            self._unsubs.append(
                async_track_time_interval(
                    self.hass,
                    self._async_check,
                    timedelta(seconds=AUTO_HEAL_CHECK_S),
                    name="integration_reliability auto-heal",
                    cancel_on_shutdown=True,
                )
            )

    async def async_stop(self) -> None:
        """Stop the check and cancel running verifications."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def breaker_open(self, entry_id: str) -> bool:
        """Whether auto-heal gave up on an entry."""
        health = self._health.get(entry_id)
        return health is not None and health.breaker_open

    # ------------------------------------------------------------ auto-heal

    @callback
    def _async_check(self, _now: datetime) -> None:
        """Start heals for integrations whose problem lasted the threshold."""
        if self.hass.state is not CoreState.running:
            return
        now = time.time()
        threshold = self._settings.heal_threshold_minutes * 60
        for integration_id, since in self._monitor.problem_since().items():
            if now - since < threshold:
                continue
            entry = self._may_auto_heal(integration_id, now)
            if entry is None:
                continue
            # Marked running now, in this callback: no refusal can come later.
            self._running.add(integration_id)
            task = self.hass.async_create_background_task(
                self._async_heal_marked(entry, "auto"),
                f"integration_reliability auto-heal {integration_id}",
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _may_auto_heal(self, entry_id: str, now: float) -> ConfigEntry | None:
        """The entry to auto-heal now, or None (refused, rate-limited, backing off)."""
        entry = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.disabled_by is not None:
            return None
        if self._refusal(entry_id, entry) is not None:
            return None
        health = self._health.get(entry_id)
        if health is None:
            return entry
        if health.breaker_open:
            return None
        while health.attempts and health.attempts[0] <= now - 3600:
            health.attempts.popleft()
        if len(health.attempts) >= self._settings.heal_max_per_hour:
            return None
        if health.failures:
            backoff = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (health.failures - 1))
            if now - health.last_end < backoff:
                return None
        return entry

    # ------------------------------------------------------------ heal

    def _refusal(self, entry_id: str, entry: ConfigEntry | None) -> str | None:
        if entry_id == self._own_entry_id:
            return REFUSED_OWN_ENTRY
        if entry is None:
            return REFUSED_UNKNOWN_ENTRY
        if self.hass.state is not CoreState.running:
            return REFUSED_NOT_RUNNING
        if entry_id in self._running:
            return REFUSED_ALREADY_RUNNING
        never = self._settings.never_heal
        if entry_id in never or entry.domain in never:
            return REFUSED_NEVER_HEAL
        return None

    async def async_heal(self, entry_id: str, *, trigger: str = "service") -> HealOutcome:
        """Reload `entry_id`, verify it recovered, record and return the outcome."""
        entry = self.hass.config_entries.async_get_entry(entry_id)
        reason = self._refusal(entry_id, entry)
        if reason is not None:
            raise HealRefused(reason)
        assert entry is not None
        self._running.add(entry_id)
        return await self._async_heal_marked(entry, trigger)

    async def _async_heal_marked(self, entry: ConfigEntry, trigger: str) -> HealOutcome:
        """Heal an entry already marked running; unmark it when done."""
        try:
            return await self._async_heal(entry, trigger)
        finally:
            self._running.discard(entry.entry_id)

    async def _async_heal(self, entry: ConfigEntry, trigger: str) -> HealOutcome:
        entry_id = entry.entry_id
        domain = entry.domain
        affected = sorted(self._monitor.down_entities(entry_id))
        started = time.time()
        health = self._health.setdefault(entry_id, _EntryHealth(deque()))
        health.attempts.append(started)
        self._store.record(
            EventRecord(
                entry_id,
                domain,
                EventType.HEAL_ATTEMPT,
                dt_util.utcnow().timestamp(),
                None,
                {
                    "trigger": trigger,
                    "entities_affected": len(affected),
                    "entry_state": entry.state.value,
                },
            )
        )
        error: str | None = None
        self._monitor.begin_heal(entry_id)
        reload = self.hass.async_create_task(
            self.hass.config_entries.async_reload(entry_id),
            f"integration_reliability heal reload {entry_id}",
        )
        try:
            # Shielded: cancelling the heal (unload) must not cut a reload in
            # half and leave the entry in an unknown state.
            await asyncio.shield(reload)
        except asyncio.CancelledError:
            # The reload goes on without us: it stays a heal until it ends.
            reload.add_done_callback(lambda _: self._monitor.end_heal(entry_id))
            raise
        except Exception as err:  # a failing integration may raise anything
            error = f"{type(err).__name__}: {err}"
        self._monitor.end_heal(entry_id)
        recovered_at: float | None = None
        if entry.state not in _FINAL_FAILURES:
            # setup_retry may still succeed inside the window; the final
            # failure states are never retried by HA, so there is nothing to wait for.
            recovered_at = await self._async_verify(entry, affected, started)
        recovered = sum(
            1
            for entity_id in affected
            if not self._monitor.is_down(self.hass.states.get(entity_id))
        )
        loaded = entry.state is ConfigEntryState.LOADED
        success = loaded and recovered == len(affected)
        if not loaded and error is None:
            error = f"entry is {entry.state.value}" + (f": {entry.reason}" if entry.reason else "")
        elif loaded and not success and error is None:
            error = f"{len(affected) - recovered} of {len(affected)} entities still down"
        seconds = round(recovered_at - started, 3) if success and recovered_at else None
        outcome = HealOutcome(
            integration_id=entry_id,
            integration_domain=domain,
            success=success,
            entities_recovered=recovered,
            entities_affected=len(affected),
            seconds_to_recover=seconds,
            error=None if success else error,
        )
        details = {
            "trigger": trigger,
            "entities_affected": len(affected),
            "entities_recovered": recovered,
            "seconds_to_recover": seconds,
            "error": outcome.error,
            "entry_state": entry.state.value,
        }
        self._store.record(
            EventRecord(
                entry_id,
                domain,
                EventType.HEAL_SUCCESS if success else EventType.HEAL_FAILURE,
                dt_util.utcnow().timestamp(),
                None,
                details,
            )
        )
        self._after(entry, health, success)
        return outcome

    def _after(self, entry: ConfigEntry, health: _EntryHealth, success: bool) -> None:
        """Update back-off and the circuit breaker."""
        health.last_end = time.time()
        if success:
            health.failures = 0
            if health.breaker_open:
                health.breaker_open = False
                ir.async_delete_issue(self.hass, DOMAIN, _issue_id(entry.entry_id))
            return
        health.failures += 1
        if health.failures >= self._settings.heal_breaker_failures and not health.breaker_open:
            health.breaker_open = True
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                _issue_id(entry.entry_id),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_BREAKER,
                translation_placeholders={"integration": entry.title or entry.domain},
            )

    async def _async_verify(
        self, entry: ConfigEntry, affected: list[str], started: float
    ) -> float | None:
        """Wait until the entry is loaded and `affected` are up; return when (or None)."""
        hass = self.hass
        loop = hass.loop
        done: asyncio.Future[float | None] = loop.create_future()

        @callback
        def _check(*_: Any) -> None:
            if done.done():
                return
            if entry.state is ConfigEntryState.LOADED and all(
                not self._monitor.is_down(hass.states.get(entity_id)) for entity_id in affected
            ):
                done.set_result(time.time())

        @callback
        def _timeout(_now: datetime) -> None:
            if not done.done():
                done.set_result(None)

        @callback
        def _entry_changed(_change: ConfigEntryChange, changed: ConfigEntry) -> None:
            if changed.entry_id == entry.entry_id:
                _check()

        @callback
        def _state_changed(_event: Event[EventStateChangedData]) -> None:
            _check()

        unsubs = [
            async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, _entry_changed),
            async_call_later(
                hass, max(0.0, started + self._settings.heal_verify_seconds - time.time()), _timeout
            ),
        ]
        if affected:
            unsubs.append(async_track_state_change_event(hass, affected, _state_changed))
        try:
            _check()
            return await done
        finally:
            for unsub in unsubs:
                unsub()
