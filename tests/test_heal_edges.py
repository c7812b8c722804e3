"""Less common paths of the Healer: each asserts what a user would see."""

from __future__ import annotations

import asyncio

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.integration_reliability.const import DOMAIN
from custom_components.integration_reliability.settings import ReliabilitySettings
from custom_components.integration_reliability.store.core import ReliabilityStore

from .flaky import FlakyIntegration
from .test_heal import MakeHealer, advance, heal_in_background, make_healer, store
from .test_listener import rows

__all__ = ["make_healer", "store"]


async def test_heal_of_an_entry_that_cannot_be_unloaded(
    hass: HomeAssistant, store: ReliabilityStore, make_healer: MakeHealer
) -> None:
    stuck = FlakyIntegration(hass, "stuck")
    entry = await stuck.async_add_entry(1)
    _, healer = await make_healer()
    stuck.fail_unload(entry)
    first = await healer.async_heal(entry.entry_id)
    assert entry.state is ConfigEntryState.FAILED_UNLOAD
    assert first.error == "entry is failed_unload: Unload failed"
    # HA refuses to touch an entry that failed to unload: the heal says why.
    second = await healer.async_heal(entry.entry_id)
    assert not second.success
    assert second.error is not None
    assert second.error.startswith("OperationNotAllowed:")
    failures = await rows(store, "heal_failure")
    assert [row["details"]["error"] for row in failures] == [first.error, second.error]


async def test_heal_waits_for_entities_to_come_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(2)
    _, healer = await make_healer()
    zigbee.go_unavailable(entry)
    await advance(hass, freezer, 61)
    zigbee.start_unavailable[entry.entry_id] = True  # the mesh needs a moment
    task = await heal_in_background(hass, healer, entry.entry_id)
    await advance(hass, freezer, 10)
    assert not task.done()
    zigbee.recover(entry)
    zigbee.sensors(entry)[0].set_value(5.0)  # more changes after the last recovery
    outcome = await task
    assert outcome.success
    assert outcome.entities_recovered == 2
    assert outcome.seconds_to_recover == pytest.approx(10, abs=1)
    [success] = await rows(store, "heal_success")
    assert success["details"]["seconds_to_recover"] == outcome.seconds_to_recover


async def test_heal_of_an_entry_retrying_setup_succeeds_in_the_window(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    cloud = FlakyIntegration(hass, "cloud")
    _, healer = await make_healer()
    entry = await cloud.async_add_entry(1, setup=False)
    cloud.fail_setup(entry, "not_ready")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    task = await heal_in_background(hass, healer, entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert not task.done()
    cloud.fail_setup(entry, None)
    for _ in range(6):
        await advance(hass, freezer, 5)
    outcome = await task
    assert outcome.success
    assert entry.state is ConfigEntryState.LOADED
    assert len(await rows(store, "heal_success")) == 1


async def test_auto_heal_waits_for_ha_to_run_and_stops_cleanly(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    settings = ReliabilitySettings(auto_heal=True, heal_threshold_minutes=1, heal_verify_seconds=60)
    monitor, healer = await make_healer(settings)
    zigbee.go_unavailable(entry)
    zigbee.start_unavailable[entry.entry_id] = True
    await advance(hass, freezer, 61)
    hass.set_state(CoreState.starting)
    for _ in range(6):
        await advance(hass, freezer, 30)
    assert await rows(store, "heal_attempt") == []
    hass.set_state(CoreState.running)
    await advance(hass, freezer, 30)
    assert len(await rows(store, "heal_attempt")) == 1
    # Unloading us in the middle of the verification: no outcome, nothing left running.
    await healer.async_stop()
    await advance(hass, freezer, 120)
    assert await rows(store, "heal_success") == []
    assert await rows(store, "heal_failure") == []
    assert monitor.unavailable_now() == {entry.entry_id: 1}


async def test_auto_heal_gives_up_after_the_breaker_opens(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1, title="Zigbee stick")
    await make_healer(
        ReliabilitySettings(
            auto_heal=True,
            heal_threshold_minutes=1,
            heal_breaker_failures=2,
            heal_max_per_hour=10,
            heal_verify_seconds=20,
        )
    )
    zigbee.go_unavailable(entry)
    zigbee.start_unavailable[entry.entry_id] = True
    for _ in range(4 * 120):  # four hours
        await advance(hass, freezer, 30)
    assert len(await rows(store, "heal_attempt")) == 2
    assert len(await rows(store, "heal_failure")) == 2
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"heal_breaker_open_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"integration": "Zigbee stick"}


async def test_auto_heal_rate_limit_is_a_sliding_hour(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    zigbee = FlakyIntegration(hass, "zigbee")
    entry = await zigbee.async_add_entry(1)
    await make_healer(
        ReliabilitySettings(
            auto_heal=True,
            heal_threshold_minutes=1,
            heal_max_per_hour=1,
            heal_breaker_failures=10,
            heal_verify_seconds=20,
        )
    )
    zigbee.go_unavailable(entry)
    zigbee.start_unavailable[entry.entry_id] = True
    for _ in range(2 * 60 + 20):  # 70 minutes
        await advance(hass, freezer, 30)
    attempts = await rows(store, "heal_attempt")
    assert len(attempts) == 2
    assert attempts[1]["timestamp"] - attempts[0]["timestamp"] == pytest.approx(3600, abs=31)


async def test_auto_heal_leaves_yaml_platforms_alone(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    """No config entry to reload: an outage of a YAML platform is never auto-healed."""
    legacy = FlakyIntegration(hass, "legacy")
    monitor, _ = await make_healer(
        ReliabilitySettings(auto_heal=True, heal_threshold_minutes=1, heal_verify_seconds=20)
    )
    for sensor in await legacy.async_setup_yaml(1):
        sensor.set_available(False)
    for _ in range(20):
        await advance(hass, freezer, 30)
    assert monitor.unavailable_now() == {"legacy": 1}
    assert await rows(store, "heal_attempt") == []


async def test_heal_cancelled_during_the_reload(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    store: ReliabilityStore,
    make_healer: MakeHealer,
) -> None:
    """Unloading us mid-reload: the reload finishes, and is still not a user reload."""
    slow = FlakyIntegration(hass, "slow")
    entry = await slow.async_add_entry(1)
    _, healer = await make_healer()
    gate = slow.hold_setup(entry)
    task = hass.async_create_background_task(healer.async_heal(entry.entry_id), "heal test")
    for _ in range(20):  # not block_till_done: the reload waits for the gate
        await asyncio.sleep(0)
    assert entry.state is ConfigEntryState.SETUP_IN_PROGRESS
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    gate.set()
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await rows(store, "reload") == []
    assert len(await rows(store, "heal_attempt")) == 1
    assert await rows(store, "heal_failure") == []
