"""Actions: happy paths and every kind of bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import sqlite3
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)

from custom_components.integration_reliability.const import DOMAIN

from .flaky import FlakyIntegration

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _event_count(db_file: Path) -> int:
    with sqlite3.connect(db_file) as conn:
        row = conn.execute("SELECT count(*) FROM integration_reliability").fetchone()
    return int(row[0])


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True, **kwargs
    )


@pytest.fixture
async def history(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    flaky: FlakyIntegration,
    freezer: FrozenDateTimeFactory,
) -> MockConfigEntry:
    """Two outages of one flaky entry, recorded and rolled up."""
    freezer.move_to(START)
    zigbee = await flaky.async_add_entry(count=2, title="Zigbee")
    for _ in range(2):
        flaky.go_unavailable(zigbee, 1)
        freezer.tick(timedelta(minutes=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        flaky.recover(zigbee, 1)
        freezer.tick(timedelta(minutes=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    await init_integration.runtime_data.store.async_flush()
    freezer.move_to(START + timedelta(hours=3))
    await _call(
        hass,
        "aggregate",
        {"start": START - timedelta(hours=1), "end": START + timedelta(hours=2)},
    )
    return zigbee


async def test_get_metrics(hass: HomeAssistant, history: MockConfigEntry) -> None:
    response = await _call(
        hass,
        "get_metrics",
        {
            "integrations": [history.entry_id],
            "period": "hour",
            "start": START - timedelta(hours=1),
            "end": START + timedelta(hours=2),
        },
    )
    rows = response["metrics"]
    assert sum(row["unavailable_events"] for row in rows) == 2
    hour = next(row for row in rows if row["unavailable_events"])
    assert hour["integration_id"] == history.entry_id
    assert hour["integration_domain"] == "flaky"
    assert hour["unavailable_seconds"] == pytest.approx(600)
    assert hour["mttr_seconds"] == pytest.approx(300)
    # Nothing was healed: no rate at all, not 100 %.
    assert hour["success_rate"] is None
    assert datetime.fromisoformat(hour["period_start"]).utcoffset() is not None


async def test_get_events_pages(hass: HomeAssistant, history: MockConfigEntry) -> None:
    first = await _call(hass, "get_events", {"domains": ["flaky"], "limit": 3})
    assert len(first["events"]) == 3
    assert first["next_cursor"]
    second = await _call(
        hass, "get_events", {"domains": ["flaky"], "limit": 3, "cursor": first["next_cursor"]}
    )
    assert len(second["events"]) == 1
    assert second["next_cursor"] is None
    kinds = [e["event_type"] for e in first["events"] + second["events"]]
    assert sorted(kinds) == ["recovered", "recovered", "unavailable", "unavailable"]

    only = await _call(hass, "get_events", {"event_types": ["recovered"], "limit": 10})
    assert {e["event_type"] for e in only["events"]} == {"recovered"}


async def test_record_event(
    hass: HomeAssistant, init_integration: MockConfigEntry, db_file: Path
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "record_event",
        {
            "integration": "homeassistant",
            "event_type": "reload",
            "details": {"note": "router rebooted"},
            "timestamp": "2026-11-01T03:00:00+01:00",
        },
        blocking=True,
    )
    await init_integration.runtime_data.store.async_flush()
    with sqlite3.connect(db_file) as conn:
        row = conn.execute(
            "SELECT integration_domain, event_type, timestamp, details FROM integration_reliability"
        ).fetchone()
    assert row[:3] == ("homeassistant", "reload", 1793498400.0)
    assert "router rebooted" in row[3]


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        ("get_metrics", {"integrations": ["nope"]}, "unknown_integration"),
        ("get_metrics", {"domains": ["nope"]}, "unknown_integration"),
        ("get_metrics", {"period": "year"}, "invalid_period"),
        (
            "get_metrics",
            {"start": "2026-11-02T00:00:00+00:00", "end": "2026-11-01T00:00:00+00:00"},
            "end_before_start",
        ),
        (
            "get_metrics",
            {"period": "hour", "start": "2020-01-01T00:00:00+00:00"},
            "hourly_range_too_long",
        ),
        ("get_events", {"event_types": ["exploded"]}, "invalid_event_type"),
        ("get_events", {"limit": 0}, "invalid_limit"),
        ("get_events", {"limit": 5000}, "invalid_limit"),
        ("get_events", {"cursor": "garbage"}, "invalid_cursor"),
        ("get_insights", {"insight_type": "astrology"}, "invalid_insight_type"),
        ("purge", {"keep_days": 0}, "invalid_keep_days"),
        ("aggregate", {"periods": ["decade"]}, "invalid_period"),
        ("heal", {"integration": "nope"}, "unknown_integration"),
        (
            "aggregate",
            {"start": "2026-11-02T00:00:00+00:00", "end": "2026-11-01T00:00:00+00:00"},
            "end_before_start",
        ),
    ],
)
async def test_bad_input_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, service, data)
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"integration": "nope", "event_type": "reload"}, "unknown_integration"),
        ({"integration": "homeassistant", "event_type": "exploded"}, "invalid_event_type"),
        (
            {"integration": "homeassistant", "event_type": "reload", "details": [1, 2]},
            "details_not_mapping",
        ),
        (
            {"integration": "homeassistant", "event_type": "reload", "details": "text"},
            "details_not_mapping",
        ),
        (
            {
                "integration": "homeassistant",
                "event_type": "reload",
                "details": {"blob": "x" * 17000},
            },
            "details_too_large",
        ),
    ],
)
async def test_record_event_bad_input_changes_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    db_file: Path,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "record_event", data, blocking=True)
    assert err.value.translation_key == key
    await init_integration.runtime_data.store.async_flush()
    assert _event_count(db_file) == 0


async def test_admin_actions_need_an_admin(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_read_only_user: MockUser
) -> None:
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "purge",
            {"keep_days": 30},
            blocking=True,
            return_response=True,
            context=Context(user_id=hass_read_only_user.id),
        )


async def test_actions_need_a_loaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "get_metrics", {})
    assert err.value.translation_key == "not_loaded"


async def test_purge_and_insights(hass: HomeAssistant, history: MockConfigEntry) -> None:
    insights = await _call(hass, "get_insights", {"refresh": True, "period": "day"})
    assert {i["insight_type"] for i in insights["insights"]} == {
        "top_failures",
        "time_of_day",
        "correlation",
    }


async def test_purge_keep_days(
    hass: HomeAssistant,
    history: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    db_file: Path,
) -> None:
    assert _event_count(db_file) == 4
    freezer.move_to(START + timedelta(days=3))
    # Raw events are purged only once the rollups no longer need them.
    await _call(hass, "aggregate", {})
    response = await _call(hass, "purge", {"keep_days": 1})
    assert sum(response["removed"].values()) >= 4
    assert _event_count(db_file) == 0


async def test_aggregate_days_from_hourly_rows(
    hass: HomeAssistant, history: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(START + timedelta(days=3))
    response = await _call(
        hass,
        "aggregate",
        {"periods": ["day"], "start": START - timedelta(days=1), "end": START + timedelta(days=2)},
    )
    assert set(response["computed"]) == {"day"}
    assert response["computed"]["day"]["rows_written"] >= 1
    metrics = await _call(
        hass,
        "get_metrics",
        {
            "integrations": [history.entry_id],
            "period": "day",
            "start": START - timedelta(days=1),
            "end": START + timedelta(days=2),
        },
    )
    assert sum(row["unavailable_events"] for row in metrics["metrics"]) == 2
    assert sum(row["unavailable_seconds"] for row in metrics["metrics"]) == pytest.approx(600)
