"""Shared fixtures."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
import logging
from pathlib import Path
import shutil
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.integration_reliability.const import CONF_DB_URL, DOMAIN

from .flaky import FlakyIntegration

# The test harness logs every SQL statement (for the recorder's tests); ours
# run millions, and their logs would drown the output and the CPU.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom integrations in every test."""


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """The SQLite file of the integration under test."""
    return tmp_path / "integration_reliability.db"


@pytest.fixture
def mock_config_entry(db_file: Path) -> MockConfigEntry:
    """Our config entry, on a database of its own in tmp_path."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JIRTESTENTRY0000000000000",
        title="Integration Reliability",
        options={CONF_DB_URL: f"sqlite:///{db_file}"},
    )


@pytest.fixture
async def flaky(hass: HomeAssistant) -> FlakyIntegration:
    """A real test integration whose entities fail on command."""
    return FlakyIntegration(hass, "flaky")


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """Set up Integration Reliability after Home Assistant has started."""
    await async_setup_component(hass, "homeassistant", {})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    yield mock_config_entry
    if mock_config_entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
def e2e_config(tmp_path: Path) -> Path:
    """A copy of the dev config with the integration linked in."""
    config = tmp_path / "config"
    (config / "custom_components").mkdir(parents=True)
    shutil.copy(ROOT / "config" / "configuration.yaml", config / "configuration.yaml")
    (config / "custom_components" / DOMAIN).symlink_to(
        ROOT / "custom_components" / DOMAIN, target_is_directory=True
    )
    return config


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)
