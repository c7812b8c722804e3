"""Repair issues for integrations that keep failing, and their fix flow."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from sqlalchemy.orm import Session

from custom_components.integration_reliability.const import (
    CONF_DB_URL,
    CONF_DEGRADED_OUTAGES_PER_DAY,
    CONF_EXCLUDE_INTEGRATIONS,
    DOMAIN,
    EVENT_DEGRADED,
)
from custom_components.integration_reliability.store.schema import PatternInsight

from .flaky import FlakyIntegration


@pytest.fixture
def mock_config_entry(db_file: Path) -> MockConfigEntry:
    """Degraded after two outages in a day."""
    return MockConfigEntry(
        domain=DOMAIN,
        options={CONF_DB_URL: f"sqlite:///{db_file}", CONF_DEGRADED_OUTAGES_PER_DAY: 2},
    )


async def _two_outages(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    flaky: FlakyIntegration,
    freezer: FrozenDateTimeFactory,
) -> MockConfigEntry:
    freezer.move_to("2026-11-02 10:00:00+00:00")
    wifi = await flaky.async_add_entry(count=2, title="Wi-Fi plugs")
    flaky.go_unavailable(wifi)
    freezer.tick(timedelta(minutes=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    flaky.recover(wifi)
    await entry.runtime_data.store.async_flush()
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    return wifi


async def _fix(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, issue_id: str, step: str
) -> dict[str, Any]:
    # A token issued at the frozen time: the fixture's one is from the real clock.
    user = await hass.auth.async_create_user("fixer", group_ids=["system-admin"])
    refresh_token = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    client = await hass_client(hass.auth.async_create_access_token(refresh_token))
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == HTTPStatus.OK
    flow = await response.json()
    assert flow["type"] == "menu"
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"next_step_id": step}
    )
    assert response.status == HTTPStatus.OK
    result: dict[str, Any] = await response.json()
    return result


async def test_degraded_issue_event_and_reload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    flaky: FlakyIntegration,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    events = async_capture_events(hass, EVENT_DEGRADED)
    wifi = await _two_outages(hass, init_integration, flaky, freezer)

    issue = issue_registry.async_get_issue(DOMAIN, f"degraded_{wifi.entry_id}")
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["outages"] == "2"
    # No insights computed yet: the evidence says so instead of guessing.
    assert issue.translation_placeholders["time_of_day"] == "no time of day stands out yet"
    assert issue.translation_placeholders["correlated"] == "none found"
    assert [e.data["integration_id"] for e in events] == [wifi.entry_id]

    result = await _fix(hass, hass_client, f"degraded_{wifi.entry_id}", "reload")
    assert result["type"] == "create_entry"
    page = await hass.services.async_call(
        DOMAIN,
        "get_events",
        {"event_types": ["heal_success", "heal_failure"]},
        blocking=True,
        return_response=True,
    )
    assert [e["event_type"] for e in page["events"]] == ["heal_success"]

    # A day without outages clears the issue.
    freezer.tick(timedelta(days=2))
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, f"degraded_{wifi.entry_id}") is None


async def test_degraded_fix_flow_ignore(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    flaky: FlakyIntegration,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    wifi = await _two_outages(hass, init_integration, flaky, freezer)
    result = await _fix(hass, hass_client, f"degraded_{wifi.entry_id}", "ignore")
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    # Only this entry: other entries of the same integration stay monitored.
    assert init_integration.options[CONF_EXCLUDE_INTEGRATIONS] == [wifi.entry_id]


async def test_degraded_issue_shows_time_of_day_and_partners(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    flaky: FlakyIntegration,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    freezer.move_to("2026-11-02 10:00:00+00:00")
    router = await flaky.async_add_entry(count=1, title="Router plugs")
    wifi_id = "01JWIFIENTRY00000000000000"
    now = dt_util.utcnow().timestamp()

    def _store_insights(session: Session) -> None:
        for insight_type, data in (
            (
                "time_of_day",
                {
                    "findings": [
                        {
                            "integration_id": wifi_id,
                            "finding": "most outages start between 03:00 and 04:00",
                        }
                    ]
                },
            ),
            (
                "correlation",
                {
                    "pairs": [
                        {"integrations": [router.entry_id, wifi_id], "domains": ["flaky", "flaky"]}
                    ]
                },
            ),
        ):
            session.add(
                PatternInsight(
                    insight_type=insight_type,
                    period="day",
                    period_start=now - 86400,
                    period_end=now,
                    data=data,
                    created_at=now,
                )
            )
        session.commit()

    await init_integration.runtime_data.store.async_run(_store_insights)
    wifi = await flaky.async_add_entry(count=2, title="Wi-Fi plugs", entry_id=wifi_id)
    flaky.go_unavailable(wifi)
    freezer.tick(timedelta(minutes=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await init_integration.runtime_data.store.async_flush()
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    issue = issue_registry.async_get_issue(DOMAIN, f"degraded_{wifi_id}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["time_of_day"] == (
        "most outages start between 03:00 and 04:00"
    )
    assert issue.translation_placeholders["correlated"] == "Router plugs"
