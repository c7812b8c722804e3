"""The InfluxDB export inside Home Assistant, against a real InfluxDB 1.x."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import contextlib
from datetime import timedelta
import itertools
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import area_registry as ar, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from sqlalchemy import text

from custom_components.integration_reliability.capture.spells import CloseSpellRow
from custom_components.integration_reliability.const import (
    CONF_DB_URL,
    CONF_INFLUXDB_CREATE_DATABASE,
    CONF_INFLUXDB_DATABASE,
    CONF_INFLUXDB_ENABLED,
    CONF_INFLUXDB_EXPORT,
    CONF_INFLUXDB_PASSWORD,
    CONF_INFLUXDB_RETENTION_POLICY,
    CONF_INFLUXDB_URL,
    CONF_INFLUXDB_USERNAME,
    DOMAIN,
)
from custom_components.integration_reliability.coordinator import (
    IntegrationReliabilityConfigEntry,
)
from custom_components.integration_reliability.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.integration_reliability.export.manager import InfluxExport
from custom_components.integration_reliability.store.records import EventType
from tests.flaky import FlakyIntegration

from .influxd import ADMIN, InfluxServer

_names = itertools.count()
SECTIONS = ("monitoring", "healing", "retention", "database")


def _influx_options(server: InfluxServer, **extra: Any) -> dict[str, Any]:
    return {
        CONF_INFLUXDB_ENABLED: True,
        CONF_INFLUXDB_URL: server.url,
        CONF_INFLUXDB_DATABASE: f"ha_{next(_names)}",
        CONF_INFLUXDB_USERNAME: ADMIN[0],
        CONF_INFLUXDB_PASSWORD: ADMIN[1],
        **extra,
    }


type SetUp = Callable[..., Awaitable[IntegrationReliabilityConfigEntry]]


@pytest.fixture
async def set_up(hass: HomeAssistant, tmp_path: Path) -> AsyncGenerator[SetUp]:
    """Set up our entry with the given options; unloaded at the end."""
    entries: list[MockConfigEntry] = []
    await async_setup_component(hass, "homeassistant", {})

    async def _set_up(**options: Any) -> IntegrationReliabilityConfigEntry:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Integration Reliability",
            options={CONF_DB_URL: f"sqlite:///{tmp_path / 'ir.db'}", **options},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        entries.append(entry)
        return entry  # type: ignore[return-value]

    yield _set_up
    for entry in entries:
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)


def _export(entry: IntegrationReliabilityConfigEntry) -> InfluxExport:
    export = entry.runtime_data.export
    assert export is not None
    return export


async def _unload(hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry) -> None:
    """Unloading commits the engine, then writes what the export has queued."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def _wait_exported(hass: HomeAssistant, export: InfluxExport, count: int) -> None:
    """Let the flush interval pass until `count` points are written (bounded)."""
    await _wait_for(hass, export, lambda: export.stats.exported >= count)


async def _wait_written(hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry) -> None:
    """Once the engine committed what came before: until the export's queue is empty."""
    await entry.runtime_data.store.async_flush()
    export = _export(entry)
    await _wait_for(hass, export, lambda: export.stats.queued == 0)


async def _wait_for(
    hass: HomeAssistant, export: InfluxExport, condition: Callable[[], bool]
) -> None:
    """Fire the timers (flush interval, back-off, the sensor's cooldown) until `condition()`.

    Bounded; between rounds it waits for the export's next change, or at most
    0.1 s for a write to the real server to come back. Each round moves 6 s
    ahead: less than the request timeout, which would otherwise fire too.
    """
    changed = asyncio.Event()
    remove = export.async_add_listener(changed.set)
    try:
        async with asyncio.timeout(15):
            while not condition():
                changed.clear()
                async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=6))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.1):
                        await changed.wait()
    finally:
        remove()


async def _record(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, "record_event", data, blocking=True)


# ---------------------------------------------------------------- options form


async def _options_form(
    hass: HomeAssistant, influxdb: dict[str, Any]
) -> tuple[MockConfigEntry, dict[str, Any]]:
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "custom_components.integration_reliability.async_setup_entry",
            lambda *_: asyncio.sleep(0, True),
        )
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {**{name: {} for name in SECTIONS}, "influxdb": influxdb}
        )
    return entry, dict(result)


async def test_form_creates_database_and_tiers(hass: HomeAssistant, influxd: InfluxServer) -> None:
    options = _influx_options(influxd)
    entry, result = await _options_form(hass, {**options, CONF_INFLUXDB_URL: f" {influxd.url} "})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_INFLUXDB_URL] == influxd.url
    assert entry.options[CONF_INFLUXDB_ENABLED] is True
    database = options[CONF_INFLUXDB_DATABASE]
    names = [row[0] for row in influxd.query("SHOW DATABASES")[0]["values"]]
    assert database in names
    policies = {
        row[0] for row in influxd.query(f'SHOW RETENTION POLICIES ON "{database}"')[0]["values"]
    }
    assert {"raw_data_policy", "hourly_summary_policy", "daily_summary_policy"} <= policies


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({CONF_INFLUXDB_URL: "http://127.0.0.1:9"}, "influxdb_unreachable"),
        ({CONF_INFLUXDB_URL: "not a url"}, "influxdb_invalid_url"),
        ({CONF_INFLUXDB_PASSWORD: "wrong"}, "influxdb_unauthorized"),
        (
            {CONF_INFLUXDB_USERNAME: "reader", CONF_INFLUXDB_PASSWORD: "reader-pw"},
            "influxdb_forbidden",
        ),
        ({CONF_INFLUXDB_CREATE_DATABASE: False}, "influxdb_database_not_found"),
        (
            {CONF_INFLUXDB_CREATE_DATABASE: False, CONF_INFLUXDB_DATABASE: "existing"},
            "influxdb_retention_policy_not_found",
        ),
        ({CONF_INFLUXDB_RETENTION_POLICY: "no_such_policy"}, "influxdb_retention_policy_not_found"),
        ({"influxdb_api_version": "2"}, "influxdb_incomplete"),
    ],
)
async def test_form_says_why_it_cannot_connect(
    hass: HomeAssistant, influxd: InfluxServer, change: dict[str, Any], error: str
) -> None:
    influxd.query('CREATE DATABASE "existing"')
    influxd.query("CREATE USER reader WITH PASSWORD 'reader-pw'", allow_existing=True)
    influxd.query('GRANT READ ON "existing" TO reader')
    influx = {**_influx_options(influxd), **change}
    if change.get(CONF_INFLUXDB_USERNAME) == "reader":
        influx[CONF_INFLUXDB_DATABASE] = "existing"
        influx[CONF_INFLUXDB_CREATE_DATABASE] = False
    entry, result = await _options_form(hass, influx)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert entry.options == {}


async def test_form_off_needs_no_server(hass: HomeAssistant) -> None:
    entry, result = await _options_form(
        hass, {CONF_INFLUXDB_ENABLED: False, CONF_INFLUXDB_URL: "http://127.0.0.1:9"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_INFLUXDB_ENABLED] is False


# ------------------------------------------------------------------- the export


async def test_every_event_type_as_a_point(
    hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp
) -> None:
    options = _influx_options(influxd)
    database = options[CONF_INFLUXDB_DATABASE]
    flaky = FlakyIntegration(hass, "flaky")
    target = await flaky.async_add_entry(1)
    entity_id = flaky.entity_ids(target)[0]
    area = ar.async_get(hass).async_create("Living room, 1st floor")
    er.async_get(hass).async_update_entity(entity_id, area_id=area.id)
    entry = await set_up(**options)
    base = dt_util.parse_datetime("2026-10-01T12:00:00+00:00")
    assert base is not None
    details: dict[str, dict[str, Any]] = {
        "unavailable": {"grace_s": 60},
        "recovered": {"duration_s": 125.5},
        "blip": {"count": 7},
        "setup_failure": {"state": "setup_error", "reason": 'Bad "auth"', "attempts": 3},
        "setup_retry": {
            "state": "setup_retry",
            "reason": "timeout",
            "attempts": 12,
            "duration_s": 600,
        },
        "reload": {"from_state": "loaded"},
        "heal_attempt": {"trigger": "auto", "entities_affected": 1},
        "heal_success": {"trigger": "auto", "seconds_to_recover": 4.5, "entities_recovered": 1},
        "heal_failure": {"trigger": "auto", "error": "entry is setup_retry"},
    }
    for offset, (event_type, extra) in enumerate(details.items()):
        await _record(
            hass,
            integration=target.entry_id,
            event_type=event_type,
            entity_id=entity_id,
            timestamp=(base + timedelta(seconds=offset, microseconds=700_000)).isoformat(),
            details=extra,
        )
    await entry.runtime_data.store.async_flush()
    await _wait_exported(hass, _export(entry), len(details))

    rows = influxd.rows('SELECT * FROM "raw_data_policy"."integration_reliability"', database)
    by_type = {row["event_type"]: row for row in rows}
    assert set(by_type) == set(details)
    for offset, event_type in enumerate(details):
        row = by_type[event_type]
        # The event's own time, in whole seconds.
        assert row["time"] == f"2026-10-01T12:00:{offset:02d}Z"
        assert row["integration_id"] == target.entry_id
        assert row["integration_domain"] == "flaky"
        assert row["integration_name"] == target.title
        assert row["entity_id"] == entity_id
        assert row["device_class"] == "temperature"
        assert row["area"] == "Living room, 1st floor"
        assert row["value"] == 1
    assert by_type["blip"]["count"] == 7
    assert by_type["unavailable"]["count"] == 1
    assert by_type["recovered"]["duration_s"] == 125.5
    assert by_type["setup_failure"]["attempts"] == 3
    assert by_type["setup_failure"]["reason"] == 'Bad "auth"'
    assert by_type["setup_retry"]["duration_s"] == 600
    assert by_type["heal_success"]["duration_s"] == 4.5
    assert by_type["heal_failure"]["error"] == "entry is setup_retry"
    assert by_type["heal_attempt"]["entities_affected"] == 1

    state = hass.states.get("sensor.integration_reliability_influxdb_exported_points")
    assert state is not None
    assert state.state == str(len(details))
    assert state.attributes["dropped"] == 0
    assert state.attributes["status"] == "ok"


async def test_export_off_by_default(hass: HomeAssistant, set_up: SetUp) -> None:
    entry = await set_up()
    assert entry.runtime_data.export is None
    assert hass.states.get("sensor.integration_reliability_influxdb_exported_points") is None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "export", {}, blocking=True, return_response=True)
    assert err.value.translation_key == "export_not_enabled"


async def test_one_retention_policy_of_the_users(
    hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp
) -> None:
    options = _influx_options(influxd, **{CONF_INFLUXDB_RETENTION_POLICY: "mine"})
    database = options[CONF_INFLUXDB_DATABASE]
    influxd.query(f'CREATE DATABASE "{database}"')
    influxd.query(f'CREATE RETENTION POLICY "mine" ON "{database}" DURATION 30d REPLICATION 1')
    entry = await set_up(**options)
    await _record(hass, integration="homeassistant", event_type="reload")
    await entry.runtime_data.store.async_flush()
    await _unload(hass, entry)
    assert len(influxd.rows('SELECT * FROM "mine"."integration_reliability"', database)) == 1


async def test_backfill_action(hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp) -> None:
    """History recorded before the export was on reaches InfluxDB."""
    options = _influx_options(influxd, **{CONF_INFLUXDB_EXPORT: [], "influxdb_batch_size": 25})
    database = options[CONF_INFLUXDB_DATABASE]
    entry = await set_up(**options)
    # Within the raw tier's 365 days: InfluxDB refuses points older than their policy keeps.
    start = dt_util.start_of_local_day(dt_util.now() - timedelta(days=60))
    for day in range(0, 60, 5):
        await _record(
            hass,
            integration="homeassistant",
            event_type="reload",
            timestamp=(start + timedelta(days=day, hours=3)).isoformat(),
        )
    await entry.runtime_data.store.async_flush()
    assert _export(entry).stats.exported == 0  # nothing is exported live

    end = start + timedelta(days=60)
    await hass.services.async_call(
        DOMAIN,
        "aggregate",
        {"start": start.isoformat(), "end": end.isoformat()},
        blocking=True,
        return_response=True,
    )
    response = await hass.services.async_call(
        DOMAIN,
        "export",
        {"start": start.isoformat(), "end": end.isoformat(), "data": ["events", "rollups"]},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    exported = response["exported"]
    assert exported["events"] == 12

    events = influxd.rows('SELECT * FROM "raw_data_policy"."integration_reliability"', database)
    assert len(events) == 12
    hourly = influxd.rows('SELECT * FROM "hourly_summary_policy"."integration_metrics"', database)
    daily = influxd.rows('SELECT * FROM "daily_summary_policy"."integration_metrics"', database)
    assert {row["period"] for row in hourly} == {"hour"}
    assert {row["period"] for row in daily} <= {"day", "week", "month"}

    def rollup_counts(session: Any) -> dict[str, int]:
        return dict(
            session.execute(
                text(
                    "SELECT period, count(*) FROM integration_metrics"
                    " WHERE period_start >= :a AND period_start < :b GROUP BY period"
                ),
                {"a": start.timestamp(), "b": end.timestamp()},
            ).all()
        )

    counts = await entry.runtime_data.store.async_run(rollup_counts)
    assert len(hourly) == counts.get("hour", 0)
    assert len(daily) == sum(counts.get(p, 0) for p in ("day", "week", "month"))
    assert exported["rollups"] == sum(counts.values())
    assert sum(row["reloads"] for row in hourly) == 12

    def job(session: Any) -> Any:
        return session.execute(
            text(
                "SELECT status, rows_processed, rows_written FROM processing_jobs"
                " WHERE job_type = 'influxdb_export'"
            )
        ).one()

    status, processed, written = await entry.runtime_data.store.async_run(job)
    assert (status, processed, written) == (
        "success",
        12 + sum(counts.values()),
        exported["events"] + exported["rollups"],
    )

    # Exporting the same range again overwrites the same points.
    await hass.services.async_call(
        DOMAIN,
        "export",
        {"start": start.isoformat(), "end": end.isoformat(), "data": ["events"]},
        blocking=True,
        return_response=True,
    )
    assert (
        len(influxd.rows('SELECT * FROM "raw_data_policy"."integration_reliability"', database))
        == 12
    )


async def test_backfill_bad_input_and_failure(
    hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp
) -> None:
    entry = await set_up(**_influx_options(influxd))
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "export", {"data": ["states"]}, blocking=True, return_response=True
        )
    assert err.value.translation_key == "invalid_export_data"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "export",
            {"start": "2026-01-02T00:00:00", "end": "2026-01-01T00:00:00"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "end_before_start"

    await _record(hass, integration="homeassistant", event_type="reload")
    await entry.runtime_data.store.async_flush()
    # The server refuses (its database is dropped and may not be created).
    export = _export(entry)
    influxd.query(f'DROP DATABASE "{export.settings.database}"')
    export.writer._prepare = None
    export.writer._prepared = True
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            DOMAIN, "export", {"data": ["events"]}, blocking=True, return_response=True
        )
    assert failed.value.translation_key == "export_failed"

    def job(session: Any) -> Any:
        return session.execute(
            text("SELECT status, error FROM processing_jobs WHERE job_type = 'influxdb_export'")
        ).one()

    status, error = await entry.runtime_data.store.async_run(job)
    assert status == "failed"
    assert "database not found" in error


async def test_refused_write_raises_a_repair_issue_until_fixed(
    hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp
) -> None:
    options = _influx_options(
        influxd,
        **{
            CONF_INFLUXDB_USERNAME: "writer",
            CONF_INFLUXDB_PASSWORD: "writer-pw",
            CONF_INFLUXDB_CREATE_DATABASE: False,
        },
    )
    database = options[CONF_INFLUXDB_DATABASE]
    influxd.query(f'CREATE DATABASE "{database}"')
    for tier, duration in (
        ("raw_data_policy", "365d"),
        ("hourly_summary_policy", "730d"),
        ("daily_summary_policy", "2555d"),
    ):
        influxd.query(
            f'CREATE RETENTION POLICY "{tier}" ON "{database}" DURATION {duration} REPLICATION 1'
        )
    influxd.query("CREATE USER writer WITH PASSWORD 'writer-pw'", allow_existing=True)
    entry = await set_up(**options)
    export = _export(entry)
    await _record(hass, integration="homeassistant", event_type="reload")
    await entry.runtime_data.store.async_flush()

    await _wait_for(
        hass,
        export,
        lambda: ir.async_get(hass).async_get_issue(DOMAIN, "influxdb_unauthorized") is not None,
    )
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "influxdb_unauthorized")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["target"] == database
    assert "not authorized to write" in issue.translation_placeholders["error"]

    influxd.query(f'GRANT WRITE ON "{database}" TO writer')
    await _wait_exported(hass, export, 1)
    assert ir.async_get(hass).async_get_issue(DOMAIN, "influxdb_unauthorized") is None


async def test_rollups_exported_and_overwritten_when_recomputed(
    hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp
) -> None:
    options = _influx_options(influxd, **{CONF_INFLUXDB_EXPORT: ["rollups"]})
    database = options[CONF_INFLUXDB_DATABASE]
    entry = await set_up(**options)
    hour = dt_util.utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
    span = {"start": hour.isoformat(), "end": (hour + timedelta(hours=1)).isoformat()}

    async def _reloads(count: int) -> None:
        for minute in range(count):
            await _record(
                hass,
                integration="homeassistant",
                event_type="reload",
                timestamp=(hour + timedelta(minutes=minute)).isoformat(),
            )
        await entry.runtime_data.store.async_flush()
        await hass.services.async_call(
            DOMAIN, "aggregate", {**span, "periods": ["hour"]}, blocking=True, return_response=True
        )

    def _hourly() -> list[dict[str, Any]]:
        return influxd.rows(
            'SELECT * FROM "hourly_summary_policy"."integration_metrics"'
            f" WHERE time = {int(hour.timestamp())}s",
            database,
        )

    await _reloads(2)
    await _wait_written(hass, entry)
    points = _hourly()
    assert [(p["integration_id"], p["period"], p["reloads"]) for p in points] == [
        ("homeassistant", "hour", 2)
    ]
    # Late events: the hour is recomputed, and its point overwritten (same series and time).
    await _reloads(5)
    await _wait_written(hass, entry)
    points = _hourly()
    assert [(p["integration_id"], p["reloads"], p["total_events"]) for p in points] == [
        ("homeassistant", 7, 7)
    ]
    # Events are not exported: only rollups were chosen.
    assert influxd.query("SHOW MEASUREMENTS", database)[0]["values"] == [["integration_metrics"]]


async def test_a_closed_failure_spell_rewrites_its_point(
    hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp
) -> None:
    """The spell's row gets its attempts and duration when it ends; so does its point."""
    options = _influx_options(influxd)
    database = options[CONF_INFLUXDB_DATABASE]
    entry = await set_up(**options)
    start = dt_util.utcnow().replace(microsecond=0) - timedelta(hours=1)
    await _record(
        hass,
        integration="homeassistant",
        event_type="setup_retry",
        timestamp=start.isoformat(),
        details={"state": "setup_retry", "reason": "timeout", "attempts": 1},
    )
    await _wait_written(hass, entry)
    store = entry.runtime_data.store
    store.queue_task(
        CloseSpellRow(
            "homeassistant",
            EventType.SETUP_RETRY,
            start.timestamp(),
            {"state": "setup_retry", "reason": "timeout", "attempts": 9, "duration_s": 3600.0},
        )
    )
    await _wait_written(hass, entry)
    (point,) = influxd.rows('SELECT * FROM "raw_data_policy"."integration_reliability"', database)
    assert (point["attempts"], point["duration_s"], point["reason"]) == (9, 3600.0, "timeout")


async def test_home_assistant_stop_writes_what_is_queued(
    hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp
) -> None:
    """Home Assistant cancels background tasks before its final write: the export still flushes."""
    options = _influx_options(influxd)
    database = options[CONF_INFLUXDB_DATABASE]
    entry = await set_up(**options)
    for minute in range(3):
        await _record(
            hass,
            integration="homeassistant",
            event_type="reload",
            timestamp=(dt_util.utcnow() - timedelta(minutes=minute)).isoformat(),
        )
    assert _export(entry).stats.exported == 0
    await hass.async_stop()
    assert (
        len(influxd.rows('SELECT * FROM "raw_data_policy"."integration_reliability"', database))
        == 3
    )


async def test_diagnostics_show_the_counters_without_secrets(
    hass: HomeAssistant, influxd: InfluxServer, set_up: SetUp
) -> None:
    entry = await set_up(**_influx_options(influxd, influxdb_token="t0ken"))
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["influxdb_export"]["exported"] == 0
    assert diagnostics["influxdb_export"]["state"] == "ok"
    options = diagnostics["options"]
    for key in (
        CONF_INFLUXDB_URL,
        CONF_INFLUXDB_USERNAME,
        CONF_INFLUXDB_PASSWORD,
        "influxdb_token",
    ):
        assert options[key] == "**REDACTED**"
