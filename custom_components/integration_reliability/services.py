"""Actions: metrics, events, insights, aggregation, purge, heal, record_event, export."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from functools import partial
import json
from typing import Any, Final

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import DOMAIN, EXPORT_EVENTS, EXPORT_ROLLUPS
from .coordinator import IntegrationReliabilityConfigEntry, loaded_entries
from .export.writer import ExportFailedError
from .heal import HealRefused
from .store import queries
from .store.records import EventRecord, EventType

SERVICE_GET_METRICS: Final = "get_metrics"
SERVICE_GET_EVENTS: Final = "get_events"
SERVICE_GET_INSIGHTS: Final = "get_insights"
SERVICE_AGGREGATE: Final = "aggregate"
SERVICE_PURGE: Final = "purge"
SERVICE_HEAL: Final = "heal"
SERVICE_RECORD_EVENT: Final = "record_event"
SERVICE_EXPORT: Final = "export"

ATTR_INTEGRATIONS: Final = "integrations"
ATTR_DOMAINS: Final = "domains"
ATTR_PERIOD: Final = "period"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_EVENT_TYPES: Final = "event_types"
ATTR_ENTITY_IDS: Final = "entity_ids"
ATTR_PERIODS: Final = "periods"
ATTR_LIMIT: Final = "limit"
ATTR_CURSOR: Final = "cursor"
ATTR_INSIGHT_TYPE: Final = "insight_type"
ATTR_REFRESH: Final = "refresh"
ATTR_KEEP_DAYS: Final = "keep_days"
ATTR_REPACK: Final = "repack"
ATTR_INTEGRATION: Final = "integration"
ATTR_EVENT_TYPE: Final = "event_type"
ATTR_ENTITY_ID: Final = "entity_id"
ATTR_TIMESTAMP: Final = "timestamp"
ATTR_DETAILS: Final = "details"
ATTR_DATA: Final = "data"

PERIODS: Final = ("hour", "day", "week", "month")
INSIGHT_TYPES: Final = ("top_failures", "time_of_day", "correlation")
EXPORT_DATA: Final = (EXPORT_EVENTS, EXPORT_ROLLUPS)
MAX_DETAILS_BYTES: Final = 16 * 1024
MAX_EVENTS_LIMIT: Final = 1000
DEFAULT_EVENTS_LIMIT: Final = 100
DEFAULT_METRICS_SPAN: Final = timedelta(days=7)

# Types are checked by the schemas; meaning (ranges, known integrations,
# sizes) is checked in the handlers so each error gets its own message.
_INTEGRATION_FILTER = {
    vol.Optional(ATTR_INTEGRATIONS): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional(ATTR_DOMAINS): vol.All(cv.ensure_list, [cv.string]),
}
_RANGE = {
    vol.Optional(ATTR_START): cv.datetime,
    vol.Optional(ATTR_END): cv.datetime,
}
GET_METRICS_SCHEMA: Final = vol.Schema(
    {**_INTEGRATION_FILTER, **_RANGE, vol.Optional(ATTR_PERIOD, default="day"): cv.string}
)
GET_EVENTS_SCHEMA: Final = vol.Schema(
    {
        **_INTEGRATION_FILTER,
        **_RANGE,
        vol.Optional(ATTR_EVENT_TYPES): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_ENTITY_IDS): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_LIMIT, default=DEFAULT_EVENTS_LIMIT): vol.Coerce(int),
        vol.Optional(ATTR_CURSOR): cv.string,
    }
)
GET_INSIGHTS_SCHEMA: Final = vol.Schema(
    {
        vol.Optional(ATTR_INSIGHT_TYPE): cv.string,
        vol.Optional(ATTR_PERIOD, default="day"): cv.string,
        vol.Optional(ATTR_REFRESH, default=False): cv.boolean,
    }
)
AGGREGATE_SCHEMA: Final = vol.Schema(
    {**_RANGE, vol.Optional(ATTR_PERIODS): vol.All(cv.ensure_list, [cv.string])}
)
EXPORT_SCHEMA: Final = vol.Schema(
    {**_RANGE, vol.Optional(ATTR_DATA): vol.All(cv.ensure_list, [cv.string])}
)
PURGE_SCHEMA: Final = vol.Schema(
    {vol.Optional(ATTR_KEEP_DAYS): vol.Coerce(int), vol.Optional(ATTR_REPACK, default=False): bool}
)
HEAL_SCHEMA: Final = vol.Schema({vol.Required(ATTR_INTEGRATION): cv.string})
RECORD_EVENT_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_INTEGRATION): cv.string,
        vol.Required(ATTR_EVENT_TYPE): cv.string,
        vol.Optional(ATTR_ENTITY_ID): cv.entity_id,
        vol.Optional(ATTR_TIMESTAMP): cv.datetime,
        vol.Optional(ATTR_DETAILS): object,
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def _loaded_entry(hass: HomeAssistant) -> IntegrationReliabilityConfigEntry:
    if not (entries := loaded_entries(hass)):
        raise _invalid("not_loaded")
    return entries[0]


def _as_utc(value: datetime) -> datetime:
    """Naive datetimes from the UI are in Home Assistant's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(value)


def _open_range(call: ServiceCall) -> tuple[float | None, float | None]:
    """The range asked for; either end may be open."""
    start = call.data.get(ATTR_START)
    end = call.data.get(ATTR_END)
    start_ts = _as_utc(start).timestamp() if start else None
    end_ts = _as_utc(end).timestamp() if end else None
    if start_ts is not None and end_ts is not None and end_ts <= start_ts:
        raise _invalid("end_before_start")
    return start_ts, end_ts


def _bounded_range(call: ServiceCall, default_span: timedelta) -> tuple[float, float]:
    """The range asked for; `end` defaults to now, `start` to `default_span` before it."""
    start_ts, end_ts = _open_range(call)
    if end_ts is None:
        end_ts = dt_util.utcnow().timestamp()
        if start_ts is not None and end_ts <= start_ts:
            raise _invalid("end_before_start")
    if start_ts is None:
        start_ts = end_ts - default_span.total_seconds()
    return start_ts, end_ts


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return dt_util.as_local(dt_util.utc_from_timestamp(timestamp)).isoformat()


def _resolve_integrations(
    hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry, call: ServiceCall
) -> tuple[list[str], list[str]]:
    """Validate the integration filter: config entry ids and domains."""
    integration_ids: list[str] = call.data.get(ATTR_INTEGRATIONS, [])
    domains: list[str] = call.data.get(ATTR_DOMAINS, [])
    known_domains = set(entry.runtime_data.monitor.integration_domains().values())
    for integration_id in integration_ids:
        if (
            hass.config_entries.async_get_entry(integration_id) is None
            and integration_id not in entry.runtime_data.monitor.integration_domains()
        ):
            raise _invalid("unknown_integration", integration=integration_id)
    for domain in domains:
        if domain not in known_domains and not hass.config_entries.async_entries(domain):
            raise _invalid("unknown_integration", integration=domain)
    return integration_ids, domains


def _choice(value: str, allowed: tuple[str, ...], key: str) -> str:
    if value not in allowed:
        raise _invalid(key, value=value, allowed=", ".join(allowed))
    return value


async def _async_get_metrics(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(hass)
    period = _choice(call.data[ATTR_PERIOD], PERIODS, "invalid_period")
    integration_ids, domains = _resolve_integrations(hass, entry, call)
    start, end = _bounded_range(call, DEFAULT_METRICS_SPAN)
    max_days = entry.runtime_data.settings.max_hourly_range_days
    if period == "hour" and end - start > timedelta(days=max_days).total_seconds():
        raise _invalid("hourly_range_too_long", days=str(max_days))
    rows = await entry.runtime_data.store.async_run(
        partial(
            queries.get_metrics,
            integration_ids=integration_ids,
            domains=domains,
            period=period,
            start=start,
            end=end,
        )
    )
    return {
        "metrics": [
            {
                **row,
                "period_start": _iso(row["period_start"]),
                "period_end": _iso(row["period_end"]),
            }
            for row in rows
        ]
    }


async def _async_get_events(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(hass)
    integration_ids, domains = _resolve_integrations(hass, entry, call)
    event_types = [
        _choice(value, tuple(EventType), "invalid_event_type")
        for value in call.data.get(ATTR_EVENT_TYPES, [])
    ]
    limit = call.data[ATTR_LIMIT]
    if not 1 <= limit <= MAX_EVENTS_LIMIT:
        raise _invalid("invalid_limit", maximum=str(MAX_EVENTS_LIMIT))
    start, end = _open_range(call)
    cursor = call.data.get(ATTR_CURSOR)
    try:
        after = queries.decode_cursor(cursor) if cursor else None
    except ValueError as err:
        raise _invalid("invalid_cursor") from err
    page = await entry.runtime_data.store.async_run(
        partial(
            queries.get_events,
            integration_ids=integration_ids,
            domains=domains,
            event_types=event_types,
            entity_ids=call.data.get(ATTR_ENTITY_IDS, []),
            start=start,
            end=end,
            limit=limit,
            after=after,
        )
    )
    return {
        "events": [{**event, "timestamp": _iso(event["timestamp"])} for event in page.events],
        "next_cursor": page.next_cursor,
    }


async def _async_get_insights(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(hass)
    insight_type = call.data.get(ATTR_INSIGHT_TYPE)
    if insight_type is not None:
        _choice(insight_type, INSIGHT_TYPES, "invalid_insight_type")
    period = _choice(call.data[ATTR_PERIOD], PERIODS, "invalid_period")
    analytics = entry.runtime_data.analytics
    if call.data[ATTR_REFRESH]:
        await analytics.async_compute_insights(period)
    insights = await entry.runtime_data.store.async_run(
        partial(queries.latest_insights, insight_type=insight_type, period=period)
    )
    return {
        "insights": [
            {
                **insight,
                "period_start": _iso(insight["period_start"]),
                "period_end": _iso(insight["period_end"]),
                "created_at": _iso(insight["created_at"]),
            }
            for insight in insights
        ]
    }


async def _async_aggregate(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(hass)
    periods = [
        _choice(period, PERIODS, "invalid_period")
        for period in call.data.get(ATTR_PERIODS, PERIODS)
    ]
    start, end = _bounded_range(call, timedelta(days=1))
    computed = await entry.runtime_data.analytics.async_backfill(start, end, periods)
    return {"computed": computed}


async def _async_purge(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(hass)
    keep_days = call.data.get(ATTR_KEEP_DAYS)
    if keep_days is not None and not 1 <= keep_days <= 36500:
        raise _invalid("invalid_keep_days")
    result = await entry.runtime_data.analytics.async_purge(
        keep_days, repack=call.data[ATTR_REPACK]
    )
    return {
        "removed": dict(result.removed),
        "reclaimed_bytes": result.reclaimed_bytes,
        "repacked": result.repacked,
    }


async def _async_heal(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(hass)
    target = hass.config_entries.async_get_entry(call.data[ATTR_INTEGRATION])
    if target is None:
        raise _invalid("unknown_integration", integration=call.data[ATTR_INTEGRATION])
    try:
        outcome = await entry.runtime_data.healer.async_heal(target.entry_id, trigger="service")
    except HealRefused as err:
        raise _invalid(f"heal_refused_{err.reason}", integration=target.title) from err
    return outcome.to_dict()


async def _async_export(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(hass)
    export = entry.runtime_data.export
    if export is None:
        raise _invalid("export_not_enabled")
    data = [
        _choice(value, EXPORT_DATA, "invalid_export_data")
        for value in call.data.get(ATTR_DATA, sorted(export.settings.export))
    ]
    start, end = _bounded_range(call, timedelta(days=1))
    if export.backfilling:
        raise _invalid("export_running")
    try:
        exported = await export.async_backfill(start, end, data)
    except ExportFailedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="export_failed",
            translation_placeholders={"error": err.error.message},
        ) from err
    return {"exported": exported}


def _details(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _invalid("details_not_mapping")
    try:
        encoded = json.dumps(dict(value), default=str)
    except (TypeError, ValueError) as err:
        raise _invalid("details_not_mapping") from err
    if len(encoded.encode()) > MAX_DETAILS_BYTES:
        raise _invalid("details_too_large", maximum=str(MAX_DETAILS_BYTES))
    result: dict[str, Any] = json.loads(encoded)
    return result


async def _async_record_event(hass: HomeAssistant, call: ServiceCall) -> None:
    entry = _loaded_entry(hass)
    event_type = EventType(
        _choice(call.data[ATTR_EVENT_TYPE], tuple(EventType), "invalid_event_type")
    )
    integration = call.data[ATTR_INTEGRATION]
    if (target := hass.config_entries.async_get_entry(integration)) is not None:
        integration_id, domain = target.entry_id, target.domain
    elif integration in hass.config.components or hass.config_entries.async_entries(integration):
        integration_id = domain = integration
    else:
        raise _invalid("unknown_integration", integration=integration)
    details = _details(call.data.get(ATTR_DETAILS))
    when = call.data.get(ATTR_TIMESTAMP)
    timestamp = _as_utc(when).timestamp() if when else dt_util.utcnow().timestamp()
    if not entry.runtime_data.store.record(
        EventRecord(
            integration_id=integration_id,
            integration_domain=domain,
            event_type=event_type,
            timestamp=timestamp,
            entity_id=call.data.get(ATTR_ENTITY_ID),
            details=details,
        )
    ):
        raise _invalid("queue_full")


type _Handler = Callable[[HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]]


def _admin_only(
    hass: HomeAssistant, handler: _Handler
) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    """Require an admin user, as async_register_admin_service does.

    That helper only accepts response data from Home Assistant 2025.5 on, so
    the check is done here to serve every supported version the same way.
    """

    async def _async_checked(call: ServiceCall) -> ServiceResponse:
        if call.context.user_id:
            user = await hass.auth.async_get_user(call.context.user_id)
            if user is None:
                raise UnknownUser(context=call.context)
            if not user.is_admin:
                raise Unauthorized(context=call.context)
        return await handler(hass, call)

    return _async_checked


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions; each handler checks that the entry is loaded."""
    for name, handler, schema, response in (
        (SERVICE_GET_METRICS, _async_get_metrics, GET_METRICS_SCHEMA, SupportsResponse.ONLY),
        (SERVICE_GET_EVENTS, _async_get_events, GET_EVENTS_SCHEMA, SupportsResponse.ONLY),
        (SERVICE_GET_INSIGHTS, _async_get_insights, GET_INSIGHTS_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_AGGREGATE, _async_aggregate, AGGREGATE_SCHEMA, SupportsResponse.OPTIONAL),
    ):
        hass.services.async_register(DOMAIN, name, partial(handler, hass), schema, response)
    for name, handler, schema, response in (
        (SERVICE_PURGE, _async_purge, PURGE_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_HEAL, _async_heal, HEAL_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_RECORD_EVENT, _async_record_event, RECORD_EVENT_SCHEMA, SupportsResponse.NONE),
        (SERVICE_EXPORT, _async_export, EXPORT_SCHEMA, SupportsResponse.OPTIONAL),
    ):
        hass.services.async_register(DOMAIN, name, _admin_only(hass, handler), schema, response)
