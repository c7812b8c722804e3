"""The panel's websocket commands, on seeded history rolled up by the engine."""

from __future__ import annotations

from datetime import timedelta
import math
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.integration_reliability.const import DOMAIN
from custom_components.integration_reliability.panel import (
    CARD_FILE,
    PANEL_FILE,
    PANEL_URL_PATH,
    STATIC_URL,
)

from .panel_seed import CLUSTER_DAYS, CLUSTER_HOUR, ORDER, Seed, seed


def _expected_availability(data: Seed, iid: str, start: float, end: float) -> float:
    """Availability over [start, end) counted from the seeded outages (3 entities each)."""
    began: dict[str | None, float] = {}
    down = 0.0
    for event in data.events:
        if event.integration_id != iid:
            continue
        if event.event_type == "unavailable":
            began[event.entity_id] = event.timestamp
        elif event.event_type == "recovered":
            a = began.pop(event.entity_id)
            down += max(0.0, min(end, event.timestamp) - max(start, a))
    return 1 - down / (3 * (end - start))


@pytest.fixture
async def seeded(hass: HomeAssistant, init_integration: MockConfigEntry) -> Seed:
    """The seeded history recorded through the engine and rolled up to now."""
    now = dt_util.utcnow()
    data = seed(now)
    runtime = init_integration.runtime_data
    for record in data.tracked:
        assert runtime.store.track_entity(record)
    for event in data.events:
        assert runtime.store.record(event)
    start = (now - timedelta(days=31)).timestamp()
    await runtime.analytics.async_backfill(start, now.timestamp(), ["hour"])
    return data


async def _call(ws: Any, **message: Any) -> dict[str, Any]:
    await ws.send_json_auto_id(message)
    reply: dict[str, Any] = await ws.receive_json()
    assert reply.get("success") is not None, reply
    return reply


async def test_overview_ranks_worst_first_with_exact_figures(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, seeded: Seed
) -> None:
    """Every seeded integration, worst first; outages and downtime match the seed."""
    ws = await hass_ws_client(hass)
    reply = await _call(ws, type=f"{DOMAIN}/overview", range="30d")
    assert reply["success"], reply
    rows = reply["result"]["integrations"]
    assert [row["integration_id"] for row in rows] == list(ORDER)
    by_id = {row["integration_id"]: row for row in rows}
    tracked = 3 * 30 * 86400.0  # three entities, the whole range (tracked since 30 d)
    for iid in ORDER:
        assert by_id[iid]["unavailable_events"] == seeded.outages[iid]
        assert by_id[iid]["unavailable_seconds"] == pytest.approx(seeded.outage_seconds[iid])
        # The range starts at its first whole hour: tracked time is a bit under 30 days.
        expected = 1 - seeded.outage_seconds[iid] / tracked
        assert by_id[iid]["availability"] == pytest.approx(expected, abs=2e-5)
    zha = by_id["zha"]
    assert zha["mttr_seconds"] == pytest.approx(20 * 60)
    assert (zha["heal_attempts"], zha["heal_successes"], zha["success_rate"]) == (1, 1, 1.0)
    assert zha["name"] == "Zigbee Home Automation"  # the integration's name, not its domain
    assert zha["status"] == "ok"
    # Each window starts at its first whole hour and ends now.
    end = reply["result"]["end"]
    for name, days in (("24h", 1), ("7d", 7), ("30d", 30)):
        start = math.ceil((end - days * 86400) / 3600) * 3600
        expected = _expected_availability(seeded, "zha", start, end)
        assert zha["windows"][name] == pytest.approx(expected, abs=1e-9), name
    assert zha["windows"]["7d"] < 1.0
    # The sparkline has one point per day, today's computed so far.
    assert len(zha["sparkline"]) == 30 or len(zha["sparkline"]) == 31
    assert zha["sparkline"][-1] == pytest.approx(1.0)
    assert min(v for v in zha["sparkline"] if v is not None) < 1.0
    totals = reply["result"]["totals"]
    assert totals["outages"] == sum(seeded.outages.values())
    assert totals["integrations"] == len(ORDER)


async def test_heatmap_shows_the_03_00_cluster(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, seeded: Seed
) -> None:
    """Outage starts per weekday and local hour; the user's time zone moves them."""
    ws = await hass_ws_client(hass)
    reply = await _call(
        ws, type=f"{DOMAIN}/heatmap", integration_id="zha", range="30d", time_zone="UTC"
    )
    assert reply["success"], reply
    result = reply["result"]
    assert result["peak_hour"] == CLUSTER_HOUR
    assert result["by_hour"][CLUSTER_HOUR] == 2 * CLUSTER_DAYS == result["outages"]
    assert sum(map(sum, result["grid"])) == result["outages"]
    shifted = await _call(
        ws, type=f"{DOMAIN}/heatmap", integration_id="zha", range="30d", time_zone="Asia/Tokyo"
    )
    assert shifted["result"]["peak_hour"] == CLUSTER_HOUR + 9
    everyone = await _call(ws, type=f"{DOMAIN}/heatmap", range="30d")
    assert everyone["result"]["outages"] == sum(seeded.outages.values())


async def test_integration_timeline_spells_and_events(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, seeded: Seed
) -> None:
    """One integration's page: availability series, outages, spells, paged events."""
    ws = await hass_ws_client(hass)
    detail = (await _call(ws, type=f"{DOMAIN}/integration", integration_id="hue", range="30d"))[
        "result"
    ]
    assert detail["name"] == "Philips Hue"
    assert len(detail["days"]) in (90, 91)
    assert len(detail["hours"]) in (48, 49)
    assert detail["days"][-1]["partial"] is True
    low = [p for p in detail["days"] if p["availability"] is not None and p["availability"] < 1]
    assert len(low) == seeded.outages["hue"]

    timeline = (await _call(ws, type=f"{DOMAIN}/timeline", integration_id="zha", range="7d"))[
        "result"
    ]
    assert {o["entity_id"] for o in timeline["outages"]} == {"sensor.zha_0", "sensor.zha_1"}
    assert all(o["duration_s"] == pytest.approx(1200) for o in timeline["outages"])
    assert [m["event_type"] for m in timeline["markers"]] == ["heal_attempt", "heal_success"]

    spells = (await _call(ws, type=f"{DOMAIN}/spells", integration_id="hue", range="30d"))[
        "result"
    ]["spells"]
    assert [(s["reason"], s["attempts"]) for s in spells] == [("Bridge not reachable", 4)]

    first = (await _call(ws, type=f"{DOMAIN}/events", integration_id="zha", range="30d", limit=5))[
        "result"
    ]
    second = (
        await _call(
            ws,
            type=f"{DOMAIN}/events",
            integration_id="zha",
            range="30d",
            limit=5,
            cursor=first["next_cursor"],
        )
    )["result"]
    assert len(first["events"]) == len(second["events"]) == 5
    assert first["events"][-1]["timestamp"] >= second["events"][0]["timestamp"]
    assert not {e["id"] for e in first["events"]} & {e["id"] for e in second["events"]}
    only = (
        await _call(
            ws,
            type=f"{DOMAIN}/events",
            integration_id="zha",
            range="30d",
            event_types=["heal_success"],
        )
    )["result"]
    assert [e["event_type"] for e in only["events"]] == ["heal_success"]


async def test_engine_page(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, seeded: Seed
) -> None:
    """Database size, queue, drops and the recent jobs (the backfill among them)."""
    ws = await hass_ws_client(hass)
    result = (await _call(ws, type=f"{DOMAIN}/engine"))["result"]
    assert result["backend"] == "sqlite"
    assert result["database_bytes"] > 0
    assert result["dropped_records"] == 0
    assert result["committed_records"] >= len(seeded.events)
    assert any(job["job_type"] == "rollup_hour" for job in result["jobs"])
    assert len(result["daily_events"]) in (30, 31)


@pytest.mark.parametrize(
    ("message", "key", "text"),
    [
        ({"type": f"{DOMAIN}/overview", "range": "2w"}, "invalid_range", "Unknown range 2w"),
        ({"type": f"{DOMAIN}/overview", "range": "custom"}, "custom_range_needs_start", "start"),
        (
            {
                "type": f"{DOMAIN}/overview",
                "range": "custom",
                "start": "2026-03-09T00:00:00",
                "end": "2026-03-08T00:00:00",
            },
            "end_before_start",
            "after its start",
        ),
        (
            {"type": f"{DOMAIN}/overview", "time_zone": "Mars/Olympus"},
            "invalid_time_zone",
            "Mars/Olympus",
        ),
        (
            {"type": f"{DOMAIN}/timeline", "integration_id": "nope"},
            "unknown_integration",
            "nope",
        ),
        (
            {"type": f"{DOMAIN}/events", "event_types": ["exploded"]},
            "invalid_event_type",
            "exploded",
        ),
        ({"type": f"{DOMAIN}/events", "cursor": "garbage"}, "invalid_cursor", "cursor"),
        ({"type": f"{DOMAIN}/events", "limit": 0}, "invalid_limit", "500"),
    ],
)
async def test_validation_errors_are_translated(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    message: dict[str, Any],
    key: str,
    text: str,
) -> None:
    """Bad input: a translated message with its key, nothing else happens."""
    ws = await hass_ws_client(hass)
    reply = await _call(ws, **message)
    assert not reply["success"]
    error = reply["error"]
    assert error["translation_key"] == key
    assert error["translation_domain"] == DOMAIN
    assert text in error["message"]
    assert error["message"] != key


async def test_heal_and_purge_need_an_administrator(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
    init_integration: MockConfigEntry,
) -> None:
    """A non-admin user reads everything but cannot heal or purge (checked on the server)."""
    target = MockConfigEntry(domain="hue", title="Hue bridge")
    target.add_to_hass(hass)
    user_ws = await hass_ws_client(hass, hass_read_only_access_token)
    assert (await _call(user_ws, type=f"{DOMAIN}/overview"))["success"]
    for message in (
        {"type": f"{DOMAIN}/heal", "integration_id": target.entry_id},
        {"type": f"{DOMAIN}/purge", "keep_days": 1},
    ):
        reply = await _call(user_ws, **message)
        assert not reply["success"]
        assert reply["error"]["code"] == "unauthorized"
    admin_ws = await hass_ws_client(hass)
    reply = await _call(admin_ws, type=f"{DOMAIN}/heal", integration_id=init_integration.entry_id)
    assert reply["error"]["translation_key"] == "heal_refused_own_entry"
    reply = await _call(admin_ws, type=f"{DOMAIN}/purge")
    assert reply["success"], reply
    assert "removed" in reply["result"]


async def test_empty_database(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, init_integration: MockConfigEntry
) -> None:
    """A fresh install answers every view, with nothing in it."""
    ws = await hass_ws_client(hass)
    overview = await _call(ws, type=f"{DOMAIN}/overview", range="1y")
    assert overview["success"], overview
    assert overview["result"]["integrations"] == []
    assert overview["result"]["totals"]["outages"] == 0
    assert overview["result"]["totals"]["availability"] is None
    heatmap = (await _call(ws, type=f"{DOMAIN}/heatmap", range="24h"))["result"]
    assert (heatmap["outages"], heatmap["peak_hour"]) == (0, None)
    events = (await _call(ws, type=f"{DOMAIN}/events"))["result"]
    assert events == {"events": [], "next_cursor": None}
    assert (await _call(ws, type=f"{DOMAIN}/engine"))["success"]


async def test_not_loaded(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> None:
    """Without our entry every command says so, translated."""
    assert await async_setup_component(hass, DOMAIN, {})
    ws = await hass_ws_client(hass)
    reply = await _call(ws, type=f"{DOMAIN}/overview")
    assert reply["error"]["translation_key"] == "not_loaded"


async def test_subscription_pushes_after_commits(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """A subscriber hears when new data was committed and when the entry unloads."""
    ws = await hass_ws_client(hass)
    reply = await _call(ws, type=f"{DOMAIN}/subscribe")
    assert reply["result"] == {"loaded": True}
    data = seed(dt_util.utcnow())
    runtime = init_integration.runtime_data
    for record in data.tracked:
        runtime.store.track_entity(record)
    runtime.store.record(data.events[-1])
    await runtime.store.async_run(lambda _session: None)  # committed
    await runtime.coordinator.async_refresh()
    pushed = await ws.receive_json()
    assert pushed["type"] == "event"
    assert pushed["event"]["reason"] == "data"
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    pushed = await ws.receive_json()
    assert pushed["event"]["reason"] == "unloaded"


async def test_panel_and_card_are_registered_and_served(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Sidebar panel for every user, bundles served cache-busted, card in the resources."""
    assert await async_setup_component(hass, "frontend", {})
    await async_setup_component(hass, "homeassistant", {})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    panels = hass.data["frontend_panels"]
    panel = panels[PANEL_URL_PATH]
    assert panel.sidebar_title == "Reliability"
    assert panel.require_admin is False
    module_url = panel.config["_panel_custom"]["module_url"]
    assert module_url.startswith(f"{STATIC_URL}/{PANEL_FILE}?v=0.1.0-")
    client = await hass_client()
    response = await client.get(module_url)
    assert response.status == 200
    assert "integration-reliability-panel" in await response.text()
    resources = hass.data["lovelace"].resources
    urls = [item["url"] for item in resources.async_items()]
    assert [url.split("?")[0] for url in urls] == [f"{STATIC_URL}/{CARD_FILE}"]
    # A reload keeps one resource and the panel.
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert len(resources.async_items()) == 1
    assert PANEL_URL_PATH in hass.data["frontend_panels"]
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert PANEL_URL_PATH not in hass.data["frontend_panels"]
    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    assert resources.async_items() == []
