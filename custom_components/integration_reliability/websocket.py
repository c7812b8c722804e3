"""Websocket commands behind the Reliability panel and card.

Every command is readable by any logged-in user; `heal` and `purge` change
things and need an administrator (checked here, on the server). Types are
checked by the schemas; meaning (known integration, range, time zone) in the
handlers, answered with a translated error that changes nothing. Data comes
from the store's panel queries (rollups plus the live tail), run in the
writer thread.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from functools import partial, wraps
from typing import Any, Final
from zoneinfo import ZoneInfo

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import (
    ERR_HOME_ASSISTANT_ERROR,
    ERR_INVALID_FORMAT,
)
from homeassistant.components.websocket_api.decorators import (
    async_response,
    require_admin,
    websocket_command,
)
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.loader import async_get_integrations
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import DOMAIN, SIGNAL_DATA_UPDATED
from .coordinator import IntegrationReliabilityConfigEntry, loaded_entries
from .heal import HealRefused
from .store import panel_queries, queries, storage
from .store.records import EventType

# Ranges the panel offers; "custom" takes `start` (and `end`, default now).
RANGES: Final = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "1y": timedelta(days=365),
}
RANGE_CUSTOM: Final = "custom"
DEFAULT_RANGE: Final = "30d"
# Availability over time: days over 90 days, hours over 48 hours.
DAYS_SPAN: Final = timedelta(days=90)
HOURS_SPAN: Final = timedelta(hours=48)
MAX_EVENTS_LIMIT: Final = 500
ENGINE_GROWTH_DAYS: Final = 30
ENGINE_JOBS: Final = 25

# Keys as the websocket schemas type them (str | vol.Marker).
_RANGE_SCHEMA: Final[dict[str | vol.Marker, Any]] = {
    vol.Optional("range", default=DEFAULT_RANGE): cv.string,
    vol.Optional("start"): cv.datetime,
    vol.Optional("end"): cv.datetime,
    vol.Optional("time_zone"): cv.string,
}

type _Handler = Callable[
    [HomeAssistant, ActiveConnection, dict[str, Any]],
    Coroutine[Any, Any, None],
]


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def _answered(handler: _Handler) -> _Handler:
    """Send our errors as translated websocket errors (no error log: bad input is normal)."""

    @wraps(handler)
    async def _async_wrapper(
        hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
    ) -> None:
        try:
            await handler(hass, connection, msg)
        except HomeAssistantError as err:
            if err.translation_key is None:
                raise
            code = (
                ERR_INVALID_FORMAT
                if isinstance(err, ServiceValidationError)
                else ERR_HOME_ASSISTANT_ERROR
            )
            connection.send_error(
                msg["id"],
                code,
                str(err),
                translation_key=err.translation_key,
                translation_domain=err.translation_domain,
                translation_placeholders=err.translation_placeholders,
            )

    return _async_wrapper


def _entry(hass: HomeAssistant) -> IntegrationReliabilityConfigEntry:
    if not (entries := loaded_entries(hass)):
        raise _invalid("not_loaded")
    return entries[0]


def _time_zone(hass: HomeAssistant, msg: dict[str, Any]) -> ZoneInfo:
    """The user's time zone (the panel sends its profile's choice), else the server's."""
    name = msg.get("time_zone") or hass.config.time_zone
    tz = dt_util.get_time_zone(name)
    if not isinstance(tz, ZoneInfo):
        raise _invalid("invalid_time_zone", time_zone=name)
    return tz


def _as_utc(value: datetime, tz: ZoneInfo) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return dt_util.as_utc(value).timestamp()


def _range(msg: dict[str, Any], tz: ZoneInfo) -> tuple[float, float]:
    """The asked range as (start, end); `end` is now unless a custom range ends earlier."""
    now = dt_util.utcnow().timestamp()
    name = msg["range"]
    if name == RANGE_CUSTOM:
        if "start" not in msg:
            raise _invalid("custom_range_needs_start")
        start = _as_utc(msg["start"], tz)
        end = min(now, _as_utc(msg["end"], tz)) if "end" in msg else now
        if end <= start:
            raise _invalid("end_before_start")
        return start, end
    if name not in RANGES:
        raise _invalid("invalid_range", value=name, allowed=", ".join([*RANGES, RANGE_CUSTOM]))
    return now - RANGES[name].total_seconds(), now


async def _async_known_integration(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry, integration_id: str
) -> None:
    """Refuse an integration that is neither monitored, installed nor in the database."""
    if integration_id in entry.runtime_data.monitor.integration_domains():
        return
    if hass.config_entries.async_get_entry(integration_id) is not None:
        return
    if not await entry.runtime_data.store.async_run(
        partial(panel_queries.is_recorded, integration_id=integration_id)
    ):
        raise _invalid("unknown_integration", integration=integration_id)


async def _async_names(hass: HomeAssistant, integrations: dict[str, str]) -> dict[str, str]:
    """Display names: the entry's title, else the integration's name (never a raw domain)."""
    domains = sorted(set(integrations.values()))
    found = await async_get_integrations(hass, domains)
    by_domain = {
        domain: integration.name
        for domain, integration in found.items()
        if not isinstance(integration, BaseException)
    }
    names = {}
    for iid, domain in integrations.items():
        entry = hass.config_entries.async_get_entry(iid)
        names[iid] = entry.title if entry is not None else by_domain.get(domain, domain)
    return names


def _status(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry, integration_id: str
) -> dict[str, Any]:
    """Status now: the config entry's state first, then the monitor's open outages."""
    monitor = entry.runtime_data.monitor
    down = monitor.unavailable_now().get(integration_id, 0)
    since = monitor.problem_since().get(integration_id)
    target = hass.config_entries.async_get_entry(integration_id)
    status, reason = "ok", None
    if target is not None:
        reason = target.reason
        if target.state is ConfigEntryState.SETUP_RETRY:
            status = "setup_retry"
        elif target.state in (
            ConfigEntryState.SETUP_ERROR,
            ConfigEntryState.MIGRATION_ERROR,
            ConfigEntryState.FAILED_UNLOAD,
        ):
            status = "setup_error"
        elif target.state is not ConfigEntryState.LOADED:
            status = "not_loaded"
    if status == "ok" and down:
        status = "outage"
    return {"status": status, "reason": reason, "since": since, "entities_down": down}


def _can_heal(hass: HomeAssistant, integration_id: str) -> bool:
    return hass.config_entries.async_get_entry(integration_id) is not None


# --- commands -------------------------------------------------------------------


@websocket_command({vol.Required("type"): f"{DOMAIN}/overview", **_RANGE_SCHEMA})
@async_response
@_answered
async def ws_overview(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Every monitored integration over the range, ranked worst first."""
    entry = _entry(hass)
    tz = _time_zone(hass, msg)
    start, now = _range(msg, tz)
    result = await entry.runtime_data.store.async_run(
        partial(panel_queries.overview, start=start, now=now, tz=tz)
    )
    rows = result["integrations"]
    names = await _async_names(hass, {r["integration_id"]: r["integration_domain"] for r in rows})
    for row in rows:
        row["name"] = names[row["integration_id"]]
        row.update(_status(hass, entry, row["integration_id"]))
    rows.sort(key=_worst_first)
    result["totals"]["problems_now"] = sum(1 for r in rows if r["status"] != "ok")
    result["time_zone"] = str(tz)
    connection.send_result(msg["id"], result)


# A setup failing now without any measured availability ranks as the worst.
_FAILING: Final = frozenset({"setup_error", "setup_retry"})


def _worst_first(row: dict[str, Any]) -> tuple[Any, ...]:
    """Lowest availability first; more unavailable time and outages break ties."""
    availability = row["availability"]
    if availability is None:
        availability = 0.0 if row["status"] in _FAILING else 2.0
    return (
        availability,
        -(row["unavailable_seconds"] or 0.0),
        -(row["unavailable_events"] or 0),
        row["name"].casefold(),
    )


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/integration",
        vol.Required("integration_id"): cv.string,
        **_RANGE_SCHEMA,
    }
)
@async_response
@_answered
async def ws_integration(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """One integration: its figures over the range and its availability over time."""
    entry = _entry(hass)
    iid = msg["integration_id"]
    await _async_known_integration(hass, entry, iid)
    tz = _time_zone(hass, msg)
    start, now = _range(msg, tz)
    store = entry.runtime_data.store
    summary = await store.async_run(
        partial(panel_queries.overview, start=start, now=now, tz=tz, integration_ids=[iid])
    )
    days = await store.async_run(
        partial(
            panel_queries.availability_series,
            integration_id=iid,
            period=panel_queries.PERIOD_DAY,
            start=now - DAYS_SPAN.total_seconds(),
            now=now,
            tz=tz,
        )
    )
    hours = await store.async_run(
        partial(
            panel_queries.availability_series,
            integration_id=iid,
            period=panel_queries.PERIOD_HOUR,
            start=now - HOURS_SPAN.total_seconds(),
            now=now,
            tz=tz,
        )
    )
    row = next(iter(summary["integrations"]), None)
    domain = (
        row["integration_domain"]
        if row
        else entry.runtime_data.monitor.integration_domains().get(iid, iid)
    )
    names = await _async_names(hass, {iid: domain})
    connection.send_result(
        msg["id"],
        {
            "integration_id": iid,
            "integration_domain": domain,
            "name": names[iid],
            **_status(hass, entry, iid),
            "can_heal": _can_heal(hass, iid),
            "start": summary["start"],
            "end": summary["end"],
            "metrics": row,
            "days": days,
            "hours": hours,
            "time_zone": str(tz),
        },
    )


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/timeline",
        vol.Required("integration_id"): cv.string,
        **_RANGE_SCHEMA,
    }
)
@async_response
@_answered
async def ws_timeline(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Outages of one integration over the range, with heals and reloads."""
    entry = _entry(hass)
    await _async_known_integration(hass, entry, msg["integration_id"])
    start, end = _range(msg, _time_zone(hass, msg))
    result = await entry.runtime_data.store.async_run(
        partial(
            panel_queries.outage_timeline,
            integration_id=msg["integration_id"],
            start=start,
            end=end,
        )
    )
    connection.send_result(msg["id"], {"start": start, "end": end, **result})


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/heatmap",
        vol.Optional("integration_id"): cv.string,
        **_RANGE_SCHEMA,
    }
)
@async_response
@_answered
async def ws_heatmap(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """7 x 24 outage starts (local weekday x hour) of one integration or all."""
    entry = _entry(hass)
    iid = msg.get("integration_id")
    if iid is not None:
        await _async_known_integration(hass, entry, iid)
    tz = _time_zone(hass, msg)
    start, end = _range(msg, tz)
    result = await entry.runtime_data.store.async_run(
        partial(panel_queries.heatmap, start=start, end=end, tz=tz, integration_id=iid)
    )
    connection.send_result(msg["id"], {"start": start, "end": end, "time_zone": str(tz), **result})


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/correlation",
        vol.Required("integration_id"): cv.string,
        **_RANGE_SCHEMA,
    }
)
@async_response
@_answered
async def ws_correlation(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Integrations failing together with this one (lift, support, p-value)."""
    entry = _entry(hass)
    iid = msg["integration_id"]
    await _async_known_integration(hass, entry, iid)
    start, end = _range(msg, _time_zone(hass, msg))
    partners = await entry.runtime_data.store.async_run(
        partial(panel_queries.failing_together, integration_id=iid, start=start, end=end)
    )
    names = await _async_names(
        hass, {p["integration_id"]: p["integration_domain"] for p in partners}
    )
    for partner in partners:
        partner["name"] = names[partner["integration_id"]]
    connection.send_result(msg["id"], {"start": start, "end": end, "partners": partners})


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/spells",
        vol.Required("integration_id"): cv.string,
        **_RANGE_SCHEMA,
    }
)
@async_response
@_answered
async def ws_spells(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Failure spells of one integration over the range, with their reasons."""
    entry = _entry(hass)
    iid = msg["integration_id"]
    await _async_known_integration(hass, entry, iid)
    start, end = _range(msg, _time_zone(hass, msg))
    spells = await entry.runtime_data.store.async_run(
        partial(panel_queries.failure_spells, integration_id=iid, start=start, end=end)
    )
    connection.send_result(msg["id"], {"start": start, "end": end, "spells": spells})


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/events",
        vol.Optional("integration_id"): cv.string,
        vol.Optional("event_types"): [cv.string],
        vol.Optional("entity_id"): cv.string,
        vol.Optional("limit", default=50): vol.Coerce(int),
        vol.Optional("cursor"): cv.string,
        **_RANGE_SCHEMA,
    }
)
@async_response
@_answered
async def ws_events(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Raw events, newest first, with filters and keyset paging (`cursor`)."""
    entry = _entry(hass)
    iid = msg.get("integration_id")
    if iid is not None:
        await _async_known_integration(hass, entry, iid)
    for event_type in msg.get("event_types", []):
        if event_type not in tuple(EventType):
            raise _invalid(
                "invalid_event_type", value=event_type, allowed=", ".join(tuple(EventType))
            )
    if not 1 <= msg["limit"] <= MAX_EVENTS_LIMIT:
        raise _invalid("invalid_limit", maximum=str(MAX_EVENTS_LIMIT))
    try:
        after = queries.decode_cursor(msg["cursor"]) if "cursor" in msg else None
    except ValueError as err:
        raise _invalid("invalid_cursor") from err
    start, end = _range(msg, _time_zone(hass, msg))
    page = await entry.runtime_data.store.async_run(
        partial(
            queries.get_events,
            integration_ids=[iid] if iid else None,
            event_types=msg.get("event_types"),
            entity_ids=[msg["entity_id"]] if msg.get("entity_id") else None,
            start=start,
            end=end,
            limit=msg["limit"],
            after=after,
        )
    )
    connection.send_result(msg["id"], {"events": page.events, "next_cursor": page.next_cursor})


@websocket_command({vol.Required("type"): f"{DOMAIN}/engine", vol.Optional("time_zone"): cv.string})
@async_response
@_answered
async def ws_engine(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """The engine's health: database size and growth, queue, drops, recent jobs."""
    entry = _entry(hass)
    tz = _time_zone(hass, msg)
    store = entry.runtime_data.store
    now = dt_util.utcnow().timestamp()
    storage_info = await store.async_run(partial(storage.storage_stats, now=now))
    growth = await store.async_run(
        partial(
            panel_queries.daily_events,
            start=now - ENGINE_GROWTH_DAYS * 86400,
            now=now,
            tz=tz,
        )
    )
    jobs = await store.async_run(partial(queries.recent_jobs, limit=ENGINE_JOBS))
    stats = store.stats
    connection.send_result(
        msg["id"],
        {
            "backend": storage_info["backend"],
            "database_bytes": storage_info["database_bytes"],
            "growth_bytes_per_day": storage_info["growth_bytes_per_day"],
            "events_per_day": storage_info["events_per_day"],
            "tables": storage_info["tables"],
            "daily_events": growth,
            "queue_depth": stats.queue_depth,
            "dropped_records": stats.dropped_records,
            "committed_records": stats.committed_records,
            "last_commit": stats.last_commit,
            "schema_version": stats.schema_version,
            "running": stats.running,
            "jobs": jobs,
        },
    )


@websocket_command(
    {vol.Required("type"): f"{DOMAIN}/heal", vol.Required("integration_id"): cv.string}
)
@require_admin
@async_response
@_answered
async def ws_heal(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Reload an integration and verify it recovered (administrators only)."""
    entry = _entry(hass)
    target = hass.config_entries.async_get_entry(msg["integration_id"])
    if target is None:
        raise _invalid("unknown_integration", integration=msg["integration_id"])
    try:
        outcome = await entry.runtime_data.healer.async_heal(target.entry_id, trigger="panel")
    except HealRefused as err:
        raise _invalid(f"heal_refused_{err.reason}", integration=target.title) from err
    connection.send_result(msg["id"], outcome.to_dict())


@websocket_command(
    {vol.Required("type"): f"{DOMAIN}/purge", vol.Optional("keep_days"): vol.Coerce(int)}
)
@require_admin
@async_response
@_answered
async def ws_purge(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Apply retention now, or keep only `keep_days` of raw events (administrators only)."""
    entry = _entry(hass)
    keep_days = msg.get("keep_days")
    if keep_days is not None and not 1 <= keep_days <= 36500:
        raise _invalid("invalid_keep_days")
    removed = await entry.runtime_data.analytics.async_purge(keep_days)
    connection.send_result(msg["id"], {"removed": removed})


@websocket_command({vol.Required("type"): f"{DOMAIN}/subscribe"})
@callback
def ws_subscribe(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Push an event whenever new data is committed (and when the entry loads or unloads)."""

    @callback
    def _forward(reason: str) -> None:
        connection.send_message(
            event_message(msg["id"], {"reason": reason, "at": dt_util.utcnow().timestamp()})
        )

    connection.subscriptions[msg["id"]] = async_dispatcher_connect(
        hass, SIGNAL_DATA_UPDATED, _forward
    )
    connection.send_result(msg["id"], {"loaded": bool(loaded_entries(hass))})


COMMANDS: Final = (
    ws_overview,
    ws_integration,
    ws_timeline,
    ws_heatmap,
    ws_correlation,
    ws_spells,
    ws_events,
    ws_engine,
    ws_heal,
    ws_purge,
    ws_subscribe,
)


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    """Register the commands (once, in `async_setup`; each checks the entry is loaded)."""
    for command in COMMANDS:
        async_register_command(hass, command)
