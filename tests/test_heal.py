"""Healer with a real store, a real monitor and the `flaky` test integration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import timedelta
import itertools
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.integration_reliability.capture.monitor import ReliabilityMonitor
from custom_components.integration_reliability.const import DOMAIN
from custom_components.integration_reliability.heal import (
    Healer,
    HealOutcome,
    HealRefused,
)
from custom_components.integration_reliability.settings import ReliabilitySettings
from custom_components.integration_reliability.store.core import ReliabilityStore

from .flaky import FlakyIntegration
from .test_listener import new_store, rows

type MakeHealer = Callable[..., Any]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncGenerator[ReliabilityStore]:
    store = new_store(tmp_path / "reliability.db")
    store.start()
    await store.async_wait_ready()
    yield store
    await store.async_stop()


@pytest.fixture
async def make_healer(hass: HomeAssistant, store: ReliabilityStore) -> AsyncGenerator[MakeHealer]:
    started: list[tuple[ReliabilityMonitor, Healer]] = []

    async def _make(
        settings: ReliabilitySettings | None = None,
    ) -> tuple[ReliabilityMonitor, Healer]:
        settings = settings or ReliabilitySettings(heal_verify_seconds=60)
        monitor = ReliabilityMonitor(
            hass, settings, store, own_entry_id="own_entry", on_change=lambda: None
        )
        await monitor.async_start()
        healer = Healer(hass, settings, store, monitor, own_entry_id="own_entry")
        await healer.async_start()
        started.append((monitor, healer))
        return monitor, healer

    yield _make
    for monitor, healer in started:
        await healer.async_stop()
        await monitor.async_stop()


async def settle(hass: HomeAssistant) -> None:
    """Let background heals run until they wait for something (no sleeps in time)."""
    for _ in range(30):
        await hass.async_block_till_done()
        await asyncio.sleep(0)


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await settle(hass)


async def heal_in_background(
    hass: HomeAssistant, healer: Healer, entry_id: str, **kwargs: Any
) -> asyncio.Task[HealOutcome]:
    task = hass.async_create_background_task(healer.async_heal(entry_id, **kwargs), "heal test")
    await settle(hass)
    return task


async def test_heal_success(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(5)
    monitor, healer = await make_healer()
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 120)
    assert monitor.unavailable_now() == {entry.entry_id: 5}

    outcome = await healer.async_heal(entry.entry_id)  # the reload brings them back

    assert outcome.success
    assert (outcome.entities_affected, outcome.entities_recovered) == (5, 5)
    assert outcome.seconds_to_recover == pytest.approx(0, abs=1)
    assert outcome.error is None
    assert outcome.to_dict()["integration_domain"] == "zigbee"
    assert monitor.unavailable_now() == {}
    attempts = await rows(store, "heal_attempt")
    assert len(attempts) == 1
    assert attempts[0]["details"]["trigger"] == "service"
    assert attempts[0]["details"]["entities_affected"] == 5
    success = await rows(store, "heal_success")
    assert success[0]["details"]["entities_recovered"] == 5
    assert await rows(store, "heal_failure") == []
    # The heal's reload is not a user reload.
    assert await rows(store, "reload") == []
    assert len(await rows(store, "recovered")) == 5


async def test_heal_failure_entities_stay_down(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(3)
    monitor, healer = await make_healer()
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 120)
    zigbee.start_unavailable[entry.entry_id] = True  # the device is really gone
    task = await heal_in_background(hass, healer, entry.entry_id)
    assert not task.done()
    await advance(hass, freezer, 61)
    outcome = await task
    assert not outcome.success
    assert outcome.entities_recovered == 0
    assert outcome.entities_affected == 3
    assert outcome.seconds_to_recover is None
    assert outcome.error == "3 of 3 entities still down"
    failure = await rows(store, "heal_failure")
    assert failure[0]["details"]["error"] == "3 of 3 entities still down"
    assert failure[0]["details"]["entry_state"] == "loaded"
    assert monitor.unavailable_now() == {entry.entry_id: 3}


async def test_heal_failure_setup_error_and_recovery_later(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    """An entry in setup_error (HA never retries it): heal fails, then succeeds."""
    broken = FlakyIntegration(hass, "broken")
    _, healer = await make_healer()
    entry = await broken.async_add_entry(1, setup=False)
    broken.fail_setup(entry, "error")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    task = await heal_in_background(hass, healer, entry.entry_id)
    await advance(hass, freezer, 61)
    outcome = await task
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith("entry is setup_error")
    broken.fail_setup(entry, None)
    outcome = await healer.async_heal(entry.entry_id)
    assert outcome.success
    assert entry.state is ConfigEntryState.LOADED
    spell = (await rows(store, "setup_failure"))[0]["details"]
    assert spell["attempts"] == 2
    assert spell["outcome"] == "loaded"
    assert await rows(store, "reload") == []


async def test_breaker_opens_repair_issue_and_closes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    broken = FlakyIntegration(hass, "broken")
    _, healer = await make_healer(
        ReliabilitySettings(heal_breaker_failures=2, heal_verify_seconds=10)
    )
    entry = await broken.async_add_entry(1, setup=False, title="Broken cloud")
    broken.fail_setup(entry, "error")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    issues = ir.async_get(hass)
    for attempt in range(2):
        assert not healer.breaker_open(entry.entry_id)
        task = await heal_in_background(hass, healer, entry.entry_id)
        await advance(hass, freezer, 11)
        assert not (await task).success, attempt
    assert healer.breaker_open(entry.entry_id)
    issue = issues.async_get_issue(DOMAIN, f"heal_breaker_open_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "heal_breaker_open"
    assert issue.translation_placeholders == {"integration": "Broken cloud"}
    assert len(await rows(store, "heal_failure")) == 2

    broken.fail_setup(entry, None)
    assert (await healer.async_heal(entry.entry_id)).success
    assert not healer.breaker_open(entry.entry_id)
    assert issues.async_get_issue(DOMAIN, f"heal_breaker_open_{entry.entry_id}") is None


async def test_refusals(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    own = await zigbee.async_add_entry(1, entry_id="own_entry")
    never = FlakyIntegration(hass, "never")
    never_entry = await never.async_add_entry(1)
    _, healer = await make_healer(
        ReliabilitySettings(never_heal=frozenset({"never"}), heal_verify_seconds=30)
    )

    async def refused(entry_id: str) -> str:
        with pytest.raises(HealRefused) as err:
            await healer.async_heal(entry_id)
        return err.value.reason

    assert await refused(own.entry_id) == "own_entry"
    assert await refused("no_such_entry") == "unknown_entry"
    assert await refused(never_entry.entry_id) == "never_heal"
    hass.set_state(CoreState.starting)
    assert await refused(entry.entry_id) == "not_running"
    hass.set_state(CoreState.stopping)
    assert await refused(entry.entry_id) == "not_running"
    hass.set_state(CoreState.running)

    # Two heals of one entry at once: the second is refused.
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 61)
    zigbee.start_unavailable[entry.entry_id] = True
    first = await heal_in_background(hass, healer, entry.entry_id)
    assert not first.done()
    assert await refused(entry.entry_id) == "already_running"
    await advance(hass, freezer, 31)
    assert not (await first).success
    assert len(await rows(store, "heal_attempt")) == 1


async def test_user_reload_is_a_reload_heal_is_not(
    hass: HomeAssistant,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    _, healer = await make_healer()
    await healer.async_heal(entry.entry_id)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert len(await rows(store, "reload")) == 1
    assert len(await rows(store, "heal_success")) == 1


async def test_auto_heal_threshold_rate_limit_and_backoff(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    await make_healer(
        ReliabilitySettings(
            auto_heal=True,
            heal_threshold_minutes=5,
            heal_max_per_hour=3,
            heal_breaker_failures=10,
            heal_verify_seconds=20,
        )
    )
    zigbee.go_unavailable(entry)
    zigbee.start_unavailable[entry.entry_id] = True  # heals cannot fix it
    await advance(hass, freezer, 61)
    for _ in range(7):  # 3.5 minutes later: below the 5-minute threshold
        await advance(hass, freezer, 30)
    assert await rows(store, "heal_attempt") == []
    for _ in range(120):  # one hour in 30 s steps
        await advance(hass, freezer, 30)
    attempts = await rows(store, "heal_attempt")
    assert len(attempts) == 3  # heal_max_per_hour
    assert all(row["details"]["trigger"] == "auto" for row in attempts)
    gaps = [b["timestamp"] - a["timestamp"] for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 60 + 20  # back-off 60 s after the verification window
    assert gaps[1] >= 120 + 20  # doubled
    assert len(await rows(store, "heal_failure")) == 3


async def test_auto_heal_fixes_setup_retry_and_skips_never_heal(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    cloud = FlakyIntegration(hass, "cloud_thing")
    never = FlakyIntegration(hass, "never")
    _, _healer = await make_healer(
        ReliabilitySettings(
            auto_heal=True,
            heal_threshold_minutes=1,
            never_heal=frozenset({"never"}),
            heal_verify_seconds=20,
        )
    )
    entry = await cloud.async_add_entry(1, setup=False)
    never_entry = await never.async_add_entry(1, setup=False)
    cloud.fail_setup(entry, "error")
    never.fail_setup(never_entry, "error")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.config_entries.async_setup(never_entry.entry_id)
    await hass.async_block_till_done()
    cloud.fail_setup(entry, None)  # it would work now, but HA never retries setup_error
    for _ in range(6):
        await advance(hass, freezer, 30)
    assert entry.state is ConfigEntryState.LOADED
    assert never_entry.state is ConfigEntryState.SETUP_ERROR
    success = await rows(store, "heal_success")
    assert [row["integration_id"] for row in success] == [entry.entry_id]
    assert success[0]["details"]["trigger"] == "auto"


async def test_auto_heal_off_by_default(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    await make_healer()
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 3600)
    assert await rows(store, "heal_attempt") == []
    assert timedelta(minutes=ReliabilitySettings().heal_threshold_minutes) == timedelta(minutes=5)
    async_fire_time_changed(hass)
