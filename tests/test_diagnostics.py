"""Diagnostics and system health."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    get_system_health_info,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.integration_reliability.const import CONF_DB_URL, DOMAIN


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    # The database URL can hold a password: never in diagnostics.
    assert diagnostics["options"][CONF_DB_URL] == "**REDACTED**"
    assert diagnostics["engine"]["running"] is True
    assert diagnostics["storage"]["tables"]["ir_events"]["rows"] == 0
    assert diagnostics["storage"]["database_bytes"] > 0
    # Sizes depend on the SQLite build; the structure and counts do not.
    storage = diagnostics["storage"]
    for volatile in ("database_bytes", "tiers", "growth_bytes_per_day"):
        storage.pop(volatile)
    storage["tables"] = {name: table["rows"] for name, table in storage["tables"].items()}
    diagnostics["engine"].pop("last_commit")
    assert diagnostics["engine"].pop("journal").endswith("integration_reliability.journal")
    diagnostics["snapshot"].pop("database_size")
    assert diagnostics == snapshot


async def test_system_health(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    assert await async_setup_component(hass, "system_health", {})
    await hass.async_block_till_done()
    info = await get_system_health_info(hass, DOMAIN)
    assert info["loaded"] is True
    assert info["dropped_records"] == 0
    assert info["schema_version"] is not None
    assert "sqlite" in info["database"]
