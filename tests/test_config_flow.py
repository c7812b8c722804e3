"""Config, options and reconfigure flows."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.integration_reliability.const import (
    CONF_DB_URL,
    CONF_EXCLUDE_ENTITY_PATTERNS,
    CONF_EXCLUDE_INTEGRATIONS,
    CONF_GRACE_PERIOD,
    CONF_INCLUDE_INTEGRATIONS,
    DOMAIN,
)


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep the flows from starting the whole integration."""
    with patch(
        "custom_components.integration_reliability.async_setup_entry", return_value=True
    ) as mock:
        yield mock


@pytest.fixture
async def known_integrations(hass: HomeAssistant) -> None:
    """Installed integrations the selectors can offer."""
    MockConfigEntry(domain="sun", entry_id="01JSUNENTRY000000000000000", title="Sun").add_to_hass(
        hass
    )


def _form(
    *,
    monitoring: dict[str, Any] | None = None,
    database: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "monitoring": monitoring or {},
        "healing": {},
        "retention": {},
        "database": database or {},
        "influxdb": {},
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_step_creates_the_entry(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Integration Reliability"
    assert result["data"] == {}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_only_one_instance(hass: HomeAssistant) -> None:
    MockConfigEntry(domain=DOMAIN).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


@pytest.mark.usefixtures("mock_setup_entry", "known_integrations")
async def test_options_flow_saves_settings(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _form(
            monitoring={
                CONF_EXCLUDE_INTEGRATIONS: ["sun", "01JSUNENTRY000000000000000"],
                CONF_EXCLUDE_ENTITY_PATTERNS: ["sensor.*_battery", "light.kitchen_?"],
                CONF_GRACE_PERIOD: 30.0,
            },
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # A domain (all its entries) and a single config entry.
    assert entry.options[CONF_EXCLUDE_INTEGRATIONS] == ["sun", "01JSUNENTRY000000000000000"]
    assert entry.options[CONF_EXCLUDE_ENTITY_PATTERNS] == ["sensor.*_battery", "light.kitchen_?"]
    # Whole numbers stay whole numbers, not the selector's floats.
    assert entry.options[CONF_GRACE_PERIOD] == 30
    assert isinstance(entry.options[CONF_GRACE_PERIOD], int)
    assert CONF_DB_URL not in entry.options


@pytest.mark.usefixtures("mock_setup_entry", "known_integrations")
@pytest.mark.parametrize(
    ("monitoring", "database", "error"),
    [
        ({CONF_INCLUDE_INTEGRATIONS: ["no_such_integration"]}, {}, "unknown_integration"),
        ({CONF_EXCLUDE_ENTITY_PATTERNS: ["not a pattern"]}, {}, "invalid_entity_pattern"),
        ({CONF_EXCLUDE_ENTITY_PATTERNS: ["sensor.[abc"]}, {}, "invalid_entity_pattern"),
        ({CONF_EXCLUDE_ENTITY_PATTERNS: ["sensor.a]b["]}, {}, "invalid_entity_pattern"),
        ({}, {CONF_DB_URL: "ftp://example.invalid/db"}, "unsupported_engine"),
        ({}, {CONF_DB_URL: "not a url"}, "invalid_url"),
    ],
)
async def test_options_flow_rejects_bad_input_then_recovers(
    hass: HomeAssistant,
    monitoring: dict[str, Any],
    database: dict[str, Any],
    error: str,
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, options={CONF_GRACE_PERIOD: 90})
    entry.add_to_hass(hass)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _form(monitoring=monitoring, database=database)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert entry.options == {CONF_GRACE_PERIOD: 90}

    # The form shows what was entered; the user corrects it.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _form(monitoring={CONF_INCLUDE_INTEGRATIONS: ["sun"], CONF_EXCLUDE_ENTITY_PATTERNS: []}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_INCLUDE_INTEGRATIONS] == ["sun"]


@pytest.mark.usefixtures("mock_setup_entry", "known_integrations")
async def test_options_flow_accepts_a_reachable_database(
    hass: HomeAssistant, tmp_path: Any
) -> None:
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _form(database={CONF_DB_URL: f"  {url} "})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_DB_URL] == url


@pytest.mark.usefixtures("mock_setup_entry", "known_integrations")
async def test_reconfigure_flow(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, options={CONF_GRACE_PERIOD: 90})
    entry.add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(monitoring={CONF_EXCLUDE_INTEGRATIONS: ["nope"]})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown_integration"}
    assert entry.options == {CONF_GRACE_PERIOD: 90}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(monitoring={CONF_EXCLUDE_INTEGRATIONS: ["sun"]})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.options[CONF_EXCLUDE_INTEGRATIONS] == ["sun"]
    # Settings left alone keep their current values.
    assert entry.options[CONF_GRACE_PERIOD] == 90
