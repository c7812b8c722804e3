"""The InfluxDB export inside Home Assistant.

`InfluxExport` owns the client (over Home Assistant's shared aiohttp session)
and the writer, receives what the SQL engine committed, adds the tags that
come from Home Assistant's registries (integration name, device class, area),
raises and clears the repair issues, and runs the `export` backfill.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from functools import partial
import logging
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.debounce import Debouncer
from homeassistant.loader import IntegrationNotLoaded, async_get_loaded_integration
from yarl import URL

from ..capture.attribution import entity_area_name
from ..const import DOMAIN, EXPORT_EVENTS, EXPORT_ROLLUPS
from ..settings import InfluxSettings
from ..store.core import ReliabilityStore
from ..store.records import EventRecord
from . import backfill
from .client import (
    ApiVersion,
    InfluxAuthError,
    InfluxBadRequestError,
    InfluxClient,
    InfluxNotFoundError,
    InfluxTarget,
    InfluxTlsError,
    InfluxUnreachableError,
)
from .points import TIERS, EncodedBatch, EntityContext, ExportItem, encode_batch
from .writer import ExportFailedError, ExportProblem, ExportStats, InfluxWriter

_LOGGER = logging.getLogger(__name__)

# The sensor follows the counters at most this often (a backfill writes many batches).
STATS_COOLDOWN_S: Final = 1.0

# What the `export` action reads back, in this order.
_PAGES: Final[dict[str, Callable[..., backfill.Page]]] = {
    EXPORT_EVENTS: backfill.events_page,
    EXPORT_ROLLUPS: backfill.rollups_page,
}

ISSUE_IDS: Final = {
    ExportProblem.UNAUTHORIZED: "influxdb_unauthorized",
    ExportProblem.NOT_FOUND: "influxdb_not_found",
}


def target_of(settings: InfluxSettings) -> InfluxTarget:
    """Where the settings say to write."""
    return InfluxTarget(
        url=settings.url,
        api_version=ApiVersion(settings.api_version),
        database=settings.database,
        username=settings.username,
        password=settings.password,
        org=settings.org,
        bucket=settings.bucket,
        token=settings.token,
    )


def uses_tiers(settings: InfluxSettings) -> bool:
    """API v1 without a retention policy of the user's: each measurement into its tier."""
    return settings.api_version == ApiVersion.V1 and not settings.retention_policy


def policies_of(settings: InfluxSettings) -> list[str | None]:
    """The retention policies written into (None: the database's default, or API v2)."""
    if uses_tiers(settings):
        return [tier.name for tier in TIERS]
    if settings.api_version == ApiVersion.V1:
        return [settings.retention_policy]
    return [None]


def redacted_url(url: str) -> str:
    """The URL without credentials, for messages."""
    return str(URL(url).with_user(None))


def _client(hass: HomeAssistant, settings: InfluxSettings) -> InfluxClient:
    return InfluxClient(
        async_get_clientsession(hass, verify_ssl=settings.verify_ssl), target_of(settings)
    )


async def _async_prepare(client: InfluxClient, settings: InfluxSettings) -> None:
    """API v1, when allowed: create the database and the tiers that are missing."""
    created = await client.provision(TIERS if uses_tiers(settings) else ())
    if created:
        _LOGGER.info("Created on InfluxDB %s: %s", redacted_url(settings.url), ", ".join(created))


def validation_error(settings: InfluxSettings) -> str | None:
    """What is missing or malformed in the form, as a translation key."""
    try:
        url = URL(settings.url)
    except ValueError:
        return "influxdb_invalid_url"
    if url.scheme not in ("http", "https") or not url.host:
        return "influxdb_invalid_url"
    if settings.api_version == ApiVersion.V1:
        return None if settings.database else "influxdb_incomplete"
    return None if settings.org and settings.bucket and settings.token else "influxdb_incomplete"


async def async_test_connection(hass: HomeAssistant, settings: InfluxSettings) -> str | None:
    """Connect as the export would: ping, create what is allowed, check the write permission.

    Returns None when the export can write, else the translation key of the reason.
    """
    if (error := validation_error(settings)) is not None:
        return error
    client = _client(hass, settings)
    try:
        await client.ping()
        if settings.api_version == ApiVersion.V1 and settings.create_database:
            await _async_prepare(client, settings)
        for policy in policies_of(settings):
            await client.write(b"", policy)
    except InfluxTlsError:
        return "influxdb_tls_error"
    except InfluxUnreachableError:
        return "influxdb_unreachable"
    except InfluxAuthError as err:
        return "influxdb_unauthorized" if err.status == 401 else "influxdb_forbidden"
    except InfluxNotFoundError as err:
        if "retention policy" in err.message:
            return "influxdb_retention_policy_not_found"
        if settings.api_version == ApiVersion.V1:
            return "influxdb_database_not_found"
        return "influxdb_bucket_not_found"
    except InfluxBadRequestError:
        return "influxdb_unexpected_answer"
    return None


def _entity_context(hass: HomeAssistant, entity_id: str) -> EntityContext | None:
    """Device class and area name of an entity, from the registries."""
    entry = er.async_get(hass).async_get(entity_id)
    if entry is None:
        return None
    return EntityContext(
        device_class=entry.device_class or entry.original_device_class,
        area=entity_area_name(hass, entry),
    )


def _integration_name(hass: HomeAssistant, integration_id: str, domain: str) -> str | None:
    """The config entry's title; an integration without entries has its own name."""
    if (entry := hass.config_entries.async_get_entry(integration_id)) is not None:
        return entry.title
    try:
        return async_get_loaded_integration(hass, domain).name
    except IntegrationNotLoaded:  # a YAML platform of an unloaded domain
        return None


class InfluxExport:
    """The export sink of one config entry."""

    def __init__(
        self, hass: HomeAssistant, settings: InfluxSettings, store: ReliabilityStore
    ) -> None:
        self.hass = hass
        self.settings = settings
        self._store = store
        self.client = _client(hass, settings)
        self._tiers = uses_tiers(settings)
        self._events = EXPORT_EVENTS in settings.export
        self._rollups = EXPORT_ROLLUPS in settings.export
        self.writer = InfluxWriter(
            self.client,
            self._async_encode,
            self,
            batch_size=settings.batch_size,
            flush_interval=settings.flush_interval,
            prepare=(
                partial(_async_prepare, self.client, settings)
                if settings.api_version == ApiVersion.V1 and settings.create_database
                else None
            ),
        )
        self._listeners: list[CALLBACK_TYPE] = []
        self._notify = Debouncer(
            hass,
            _LOGGER,
            cooldown=STATS_COOLDOWN_S,
            immediate=True,
            function=self._async_notify_listeners,
        )
        self._backfilling = False

    @property
    def stats(self) -> ExportStats:
        """The writer's counters."""
        return self.writer.stats

    # ------------------------------------------- from the engine (any thread)

    def on_events(self, records: Sequence[EventRecord]) -> None:
        """Events the engine committed (its writer thread; never blocks)."""
        if self._events:
            self.writer.submit(records)

    def on_rollups(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rollup rows written or recomputed (the engine's writer thread)."""
        if self._rollups:
            self.writer.submit(rows)

    # ------------------------------------------------------------ life cycle

    def async_start(self, create_task: Callable[..., Any]) -> None:
        """Start the writer task."""
        self.writer.start(create_task)

    async def async_stop(self) -> None:
        """Write what is queued (bounded in time) and stop."""
        await self.writer.async_stop()
        self._notify.async_shutdown()
        self._async_notify_listeners()

    # ------------------------------------------------- writer notifications

    def on_problem(self, problem: ExportProblem, message: str) -> None:
        """Raise the repair issue of a refused write."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_IDS[problem],
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_IDS[problem],
            translation_placeholders={
                "url": redacted_url(self.settings.url),
                "target": self.client.target.name,
                "error": message,
            },
        )
        for other, issue_id in ISSUE_IDS.items():
            if other is not problem:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def on_problem_cleared(self) -> None:
        """Writes succeed again: the issues are gone."""
        for issue_id in ISSUE_IDS.values():
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def on_stats(self) -> None:
        """Tell the sensor, at most once per cooldown."""
        self._notify.async_schedule_call()

    @callback
    def _async_notify_listeners(self) -> None:
        for listener in list(self._listeners):
            listener()

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` when the counters change; returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -------------------------------------------------------------- encoding

    async def _async_encode(self, items: Sequence[ExportItem]) -> EncodedBatch:
        """Look the tags up on the loop, encode in the executor."""
        names: dict[str, str] = {}
        entities: dict[str, EntityContext] = {}
        for item in items:
            if not isinstance(item, EventRecord):
                continue
            if item.integration_id not in names:
                name = _integration_name(self.hass, item.integration_id, item.integration_domain)
                if name:
                    names[item.integration_id] = name
            if (
                item.entity_id
                and item.entity_id not in entities
                and (context := _entity_context(self.hass, item.entity_id)) is not None
            ):
                entities[item.entity_id] = context
        return await self.hass.async_add_executor_job(
            partial(
                encode_batch,
                items,
                names,
                entities,
                tiers=self._tiers,
                retention_policy=self.settings.retention_policy or None,
            )
        )

    # -------------------------------------------------------------- backfill

    @property
    def backfilling(self) -> bool:
        """Whether an `export` action is running."""
        return self._backfilling

    async def async_backfill(
        self, start: float, end: float, kinds: Collection[str]
    ) -> dict[str, Any]:
        """Export [start, end) from the SQL engine, page by page; progress in `processing_jobs`.

        Raises ExportFailedError when the server refuses or stays unreachable; the
        job row then says how far it got.
        """
        self._backfilling = True
        try:
            return await self._async_backfill(start, end, kinds)
        finally:
            self._backfilling = False

    async def _async_backfill(
        self, start: float, end: float, kinds: Collection[str]
    ) -> dict[str, Any]:
        store = self._store
        job_id = await store.async_run(partial(backfill.start_job, start=start, end=end))
        processed = written = 0
        counts = dict.fromkeys(_PAGES, 0)

        async def _job(status: str = backfill.STATUS_RUNNING, error: str | None = None) -> None:
            await store.async_run(
                partial(
                    backfill.update_job,
                    job_id=job_id,
                    processed=processed,
                    written=written,
                    status=status,
                    error=error,
                )
            )

        try:
            for kind, read_page in _PAGES.items():
                if kind not in kinds:
                    continue
                after: Any = None
                while True:
                    page = await store.async_run(
                        partial(
                            read_page,
                            start=start,
                            end=end,
                            after=after,
                            limit=self.settings.batch_size,
                        )
                    )
                    done = await self.writer.async_write_now(page.items) if page.items else 0
                    counts[kind] += done
                    processed += len(page.items)
                    written += done
                    await _job()
                    if (after := page.after) is None:
                        break
        except ExportFailedError as err:
            await _job(backfill.STATUS_FAILED, err.error.message)
            raise
        await _job(backfill.STATUS_SUCCESS)
        return {**counts, "read": processed}
