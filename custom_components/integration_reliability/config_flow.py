"""Config, options and reconfigure flows.

Setting up asks nothing: every setting has a good default. The options flow
and the reconfigure flow show the same form; both store into the entry's
options and the entry's update listener reloads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.loader import async_get_integration_descriptions
import voluptuous as vol

from .const import (
    CONF_AUTO_HEAL,
    CONF_COUNT_UNKNOWN,
    CONF_DB_URL,
    CONF_DEGRADED_OUTAGES_PER_DAY,
    CONF_EXCLUDE_ENTITY_PATTERNS,
    CONF_EXCLUDE_INTEGRATIONS,
    CONF_GRACE_PERIOD,
    CONF_HEAL_BREAKER_FAILURES,
    CONF_HEAL_MAX_PER_HOUR,
    CONF_HEAL_THRESHOLD_MINUTES,
    CONF_HEAL_VERIFY_SECONDS,
    CONF_INCLUDE_INTEGRATIONS,
    CONF_INFLUXDB_API_VERSION,
    CONF_INFLUXDB_BATCH_SIZE,
    CONF_INFLUXDB_BUCKET,
    CONF_INFLUXDB_CREATE_DATABASE,
    CONF_INFLUXDB_DATABASE,
    CONF_INFLUXDB_ENABLED,
    CONF_INFLUXDB_EXPORT,
    CONF_INFLUXDB_FLUSH_INTERVAL,
    CONF_INFLUXDB_ORG,
    CONF_INFLUXDB_PASSWORD,
    CONF_INFLUXDB_RETENTION_POLICY,
    CONF_INFLUXDB_TOKEN,
    CONF_INFLUXDB_URL,
    CONF_INFLUXDB_USERNAME,
    CONF_INFLUXDB_VERIFY_SSL,
    CONF_MAX_HOURLY_RANGE_DAYS,
    CONF_NEVER_HEAL,
    CONF_RETENTION_DAILY_DAYS,
    CONF_RETENTION_HOURLY_DAYS,
    CONF_RETENTION_RAW_DAYS,
    DOMAIN,
    EXPORT_EVENTS,
    EXPORT_ROLLUPS,
    TITLE,
)
from .export.manager import async_test_connection
from .settings import InfluxSettings, ReliabilitySettings, is_valid_entity_pattern
from .store.util import DatabaseUrlError, validate_db_url

SECTION_MONITORING = "monitoring"
SECTION_HEALING = "healing"
SECTION_RETENTION = "retention"
SECTION_DATABASE = "database"
SECTION_INFLUXDB = "influxdb"

_INTEGRATION_LISTS = (CONF_INCLUDE_INTEGRATIONS, CONF_EXCLUDE_INTEGRATIONS, CONF_NEVER_HEAL)


def _number(minimum: int, maximum: int, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


async def _known_integrations(hass: HomeAssistant) -> dict[str, str]:
    """What a user may pick, with display names.

    Integration domains (all their entries), then single config entries
    (e.g. one ESPHome node) by id.
    """
    entries = [e for e in hass.config_entries.async_entries() if e.domain != DOMAIN]
    domains = {entry.domain for entry in entries}
    domains.update(entry.platform for entry in er.async_get(hass).entities.values())
    domains.update(component.partition(".")[0] for component in hass.config.components)
    domains.discard(DOMAIN)
    descriptions = await async_get_integration_descriptions(hass)
    names: dict[str, str] = {}
    for kind in ("core", "custom"):
        for domain, info in descriptions[kind]["integration"].items():
            names.setdefault(domain, info.get("name") or domain)
    known = {domain: names.get(domain, domain) for domain in sorted(domains)}
    for entry in sorted(entries, key=lambda e: (e.title, e.entry_id)):
        known[entry.entry_id] = f"{entry.title} ({names.get(entry.domain, entry.domain)})"
    return known


def _suggested(key: str, current: str) -> vol.Optional:
    """An optional field showing its current value (so that it can be emptied)."""
    return vol.Optional(key, description={"suggested_value": current})


_TEXT = TextSelector()
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _influxdb_schema(current: InfluxSettings) -> vol.Schema:
    return vol.Schema(
        {
            vol.Optional(CONF_INFLUXDB_ENABLED, default=current.enabled): BooleanSelector(),
            _suggested(CONF_INFLUXDB_URL, current.url): TextSelector(
                TextSelectorConfig(type=TextSelectorType.URL)
            ),
            vol.Optional(CONF_INFLUXDB_API_VERSION, default=current.api_version): SelectSelector(
                SelectSelectorConfig(
                    options=["1", "2"],
                    mode=SelectSelectorMode.LIST,
                    translation_key=CONF_INFLUXDB_API_VERSION,
                )
            ),
            vol.Optional(CONF_INFLUXDB_VERIFY_SSL, default=current.verify_ssl): BooleanSelector(),
            _suggested(CONF_INFLUXDB_DATABASE, current.database): _TEXT,
            _suggested(CONF_INFLUXDB_USERNAME, current.username): _TEXT,
            _suggested(CONF_INFLUXDB_PASSWORD, current.password): _SECRET,
            _suggested(CONF_INFLUXDB_RETENTION_POLICY, current.retention_policy): _TEXT,
            vol.Optional(
                CONF_INFLUXDB_CREATE_DATABASE, default=current.create_database
            ): BooleanSelector(),
            _suggested(CONF_INFLUXDB_ORG, current.org): _TEXT,
            _suggested(CONF_INFLUXDB_BUCKET, current.bucket): _TEXT,
            _suggested(CONF_INFLUXDB_TOKEN, current.token): _SECRET,
            vol.Optional(CONF_INFLUXDB_EXPORT, default=sorted(current.export)): SelectSelector(
                SelectSelectorConfig(
                    options=[EXPORT_EVENTS, EXPORT_ROLLUPS],
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                    translation_key=CONF_INFLUXDB_EXPORT,
                )
            ),
            vol.Optional(CONF_INFLUXDB_BATCH_SIZE, default=current.batch_size): _number(1, 10_000),
            vol.Optional(CONF_INFLUXDB_FLUSH_INTERVAL, default=current.flush_interval): _number(
                1, 300, "s"
            ),
        }
    )


def _settings_schema(integrations: Mapping[str, str], current: ReliabilitySettings) -> vol.Schema:
    integration_selector = SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(value=domain, label=name) for domain, name in integrations.items()
            ],
            multiple=True,
            custom_value=True,
            mode=SelectSelectorMode.DROPDOWN,
        )
    )
    return vol.Schema(
        {
            vol.Required(SECTION_MONITORING): section(
                vol.Schema(
                    {
                        vol.Optional(
                            CONF_INCLUDE_INTEGRATIONS,
                            default=sorted(current.include_integrations),
                        ): integration_selector,
                        vol.Optional(
                            CONF_EXCLUDE_INTEGRATIONS,
                            default=sorted(current.exclude_integrations),
                        ): integration_selector,
                        vol.Optional(
                            CONF_EXCLUDE_ENTITY_PATTERNS,
                            default=list(current.exclude_entity_patterns),
                        ): TextSelector(TextSelectorConfig(multiple=True)),
                        vol.Optional(
                            CONF_COUNT_UNKNOWN, default=current.count_unknown
                        ): BooleanSelector(),
                        vol.Optional(CONF_GRACE_PERIOD, default=current.grace_period): _number(
                            0, 3600, "s"
                        ),
                        vol.Optional(
                            CONF_DEGRADED_OUTAGES_PER_DAY,
                            default=current.degraded_outages_per_day,
                        ): _number(1, 1000),
                    }
                )
            ),
            vol.Required(SECTION_HEALING): section(
                vol.Schema(
                    {
                        vol.Optional(CONF_AUTO_HEAL, default=current.auto_heal): BooleanSelector(),
                        vol.Optional(
                            CONF_HEAL_THRESHOLD_MINUTES,
                            default=current.heal_threshold_minutes,
                        ): _number(1, 1440, "min"),
                        vol.Optional(
                            CONF_HEAL_MAX_PER_HOUR, default=current.heal_max_per_hour
                        ): _number(1, 60),
                        vol.Optional(
                            CONF_HEAL_BREAKER_FAILURES,
                            default=current.heal_breaker_failures,
                        ): _number(1, 100),
                        vol.Optional(
                            CONF_HEAL_VERIFY_SECONDS, default=current.heal_verify_seconds
                        ): _number(10, 3600, "s"),
                        vol.Optional(
                            CONF_NEVER_HEAL, default=sorted(current.never_heal)
                        ): integration_selector,
                    }
                ),
                {"collapsed": True},
            ),
            vol.Required(SECTION_RETENTION): section(
                vol.Schema(
                    {
                        vol.Optional(
                            CONF_RETENTION_RAW_DAYS, default=current.retention_raw_days
                        ): _number(1, 3650, "d"),
                        vol.Optional(
                            CONF_RETENTION_HOURLY_DAYS,
                            default=current.retention_hourly_days,
                        ): _number(1, 3650, "d"),
                        vol.Optional(
                            CONF_RETENTION_DAILY_DAYS,
                            default=current.retention_daily_days,
                        ): _number(1, 36500, "d"),
                        vol.Optional(
                            CONF_MAX_HOURLY_RANGE_DAYS,
                            default=current.max_hourly_range_days,
                        ): _number(1, 3650, "d"),
                    }
                ),
                {"collapsed": True},
            ),
            vol.Required(SECTION_DATABASE): section(
                vol.Schema(
                    {
                        vol.Optional(
                            CONF_DB_URL, description={"suggested_value": current.db_url}
                        ): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
                    }
                ),
                {"collapsed": True},
            ),
            vol.Required(SECTION_INFLUXDB): section(
                _influxdb_schema(current.influxdb), {"collapsed": True}
            ),
        }
    )


_INTEGER_OPTIONS = (
    CONF_GRACE_PERIOD,
    CONF_DEGRADED_OUTAGES_PER_DAY,
    CONF_HEAL_THRESHOLD_MINUTES,
    CONF_HEAL_MAX_PER_HOUR,
    CONF_HEAL_BREAKER_FAILURES,
    CONF_HEAL_VERIFY_SECONDS,
    CONF_RETENTION_RAW_DAYS,
    CONF_RETENTION_HOURLY_DAYS,
    CONF_RETENTION_DAILY_DAYS,
    CONF_MAX_HOURLY_RANGE_DAYS,
    CONF_INFLUXDB_BATCH_SIZE,
    CONF_INFLUXDB_FLUSH_INTERVAL,
)
_INFLUXDB_TEXTS = (
    CONF_INFLUXDB_URL,
    CONF_INFLUXDB_DATABASE,
    CONF_INFLUXDB_USERNAME,
    CONF_INFLUXDB_PASSWORD,
    CONF_INFLUXDB_RETENTION_POLICY,
    CONF_INFLUXDB_ORG,
    CONF_INFLUXDB_BUCKET,
    CONF_INFLUXDB_TOKEN,
)


class _SettingsFormMixin:
    """The settings form shared by the options and reconfigure flows."""

    hass: HomeAssistant

    async def _async_validate(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Flatten the sections and validate; return (options, errors)."""
        options: dict[str, Any] = {}
        for part in user_input.values():
            options.update(part)
        for key in _INTEGER_OPTIONS:
            if key in options:
                options[key] = int(options[key])
        # Fields sit in sections, where the frontend shows no per-field
        # error: report on the form itself.
        errors: dict[str, str] = {}
        known = await _known_integrations(self.hass)
        for key in _INTEGRATION_LISTS:
            if any(domain not in known for domain in options.get(key, ())):
                errors["base"] = "unknown_integration"
        if not all(map(is_valid_entity_pattern, options.get(CONF_EXCLUDE_ENTITY_PATTERNS, ()))):
            errors["base"] = "invalid_entity_pattern"
        if db_url := (options.get(CONF_DB_URL) or "").strip():
            try:
                await self.hass.async_add_executor_job(validate_db_url, db_url)
            except DatabaseUrlError as err:
                errors["base"] = err.reason
            options[CONF_DB_URL] = db_url
        else:
            options.pop(CONF_DB_URL, None)
        for key in _INFLUXDB_TEXTS:
            if value := (options.get(key) or "").strip():
                options[key] = value
            else:
                options.pop(key, None)
        influxdb = InfluxSettings.from_options(options)
        # Connect before saving: ping, create what is allowed, check writing.
        if (
            influxdb.enabled
            and not errors
            and (error := await async_test_connection(self.hass, influxdb)) is not None
        ):
            errors["base"] = error
        return options, errors

    async def _async_settings_form(
        self, step_id: str, current: ReliabilitySettings, errors: dict[str, str] | None = None
    ) -> ConfigFlowResult:
        schema = _settings_schema(await _known_integrations(self.hass), current)
        return self.async_show_form(  # type: ignore[attr-defined,no-any-return]
            step_id=step_id, data_schema=schema, errors=errors or {}
        )


class IntegrationReliabilityConfigFlow(_SettingsFormMixin, ConfigFlow, domain=DOMAIN):
    """Set up Integration Reliability: one confirmation, no questions."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm the setup."""
        if user_input is not None:
            return self.async_create_entry(title=TITLE, data={})
        return self.async_show_form(step_id="user")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the settings of the existing entry."""
        entry = self._get_reconfigure_entry()
        if user_input is None:
            return await self._async_settings_form(
                "reconfigure", ReliabilitySettings.from_options(entry.options)
            )
        options, errors = await self._async_validate(user_input)
        if errors:
            return await self._async_settings_form(
                "reconfigure", ReliabilitySettings.from_options(options), errors
            )
        # The entry's update listener reloads it.
        self.hass.config_entries.async_update_entry(entry, options=options)
        return self.async_abort(reason="reconfigure_successful")

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow."""
        return IntegrationReliabilityOptionsFlow()


class IntegrationReliabilityOptionsFlow(_SettingsFormMixin, OptionsFlow):
    """Tune monitoring, healing, retention and the database."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the settings."""
        if user_input is None:
            return await self._async_settings_form(
                "init", ReliabilitySettings.from_options(self.config_entry.options)
            )
        options, errors = await self._async_validate(user_input)
        if errors:
            return await self._async_settings_form(
                "init", ReliabilitySettings.from_options(options), errors
            )
        return self.async_create_entry(data=options)
