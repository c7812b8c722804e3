"""Typed view of the config entry's options, with every default applied once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
import re
from typing import Any

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
    DEFAULT_AUTO_HEAL,
    DEFAULT_COUNT_UNKNOWN,
    DEFAULT_DEGRADED_OUTAGES_PER_DAY,
    DEFAULT_GRACE_PERIOD,
    DEFAULT_HEAL_BREAKER_FAILURES,
    DEFAULT_HEAL_MAX_PER_HOUR,
    DEFAULT_HEAL_THRESHOLD_MINUTES,
    DEFAULT_HEAL_VERIFY_SECONDS,
    DEFAULT_INFLUXDB_API_VERSION,
    DEFAULT_INFLUXDB_BATCH_SIZE,
    DEFAULT_INFLUXDB_DATABASE,
    DEFAULT_INFLUXDB_EXPORT,
    DEFAULT_INFLUXDB_FLUSH_INTERVAL,
    DEFAULT_MAX_HOURLY_RANGE_DAYS,
    DEFAULT_RETENTION_DAILY_DAYS,
    DEFAULT_RETENTION_HOURLY_DAYS,
    DEFAULT_RETENTION_RAW_DAYS,
)

# An entity-id glob: `<domain glob>.<object id glob>`, globs made of the
# characters an entity id may hold plus fnmatch's wildcards.
_ENTITY_PATTERN = re.compile(r"[a-z0-9_*?\[\]!-]+\.[a-z0-9_*?\[\]!-]+")


def is_valid_entity_pattern(pattern: str) -> bool:
    """Return whether `pattern` is a well-formed entity-id glob."""
    if not _ENTITY_PATTERN.fullmatch(pattern):
        return False
    depth = 0
    for char in pattern:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if depth not in (0, 1):
            return False
    return depth == 0


@dataclass(frozen=True, slots=True)
class InfluxSettings:
    """The optional InfluxDB export (off by default)."""

    enabled: bool = False
    url: str = ""
    api_version: str = DEFAULT_INFLUXDB_API_VERSION
    verify_ssl: bool = True
    database: str = DEFAULT_INFLUXDB_DATABASE
    username: str = ""
    password: str = ""
    retention_policy: str = ""
    create_database: bool = True
    org: str = ""
    bucket: str = ""
    token: str = ""
    export: frozenset[str] = frozenset(DEFAULT_INFLUXDB_EXPORT)
    batch_size: int = DEFAULT_INFLUXDB_BATCH_SIZE
    flush_interval: float = DEFAULT_INFLUXDB_FLUSH_INTERVAL

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> InfluxSettings:
        """Build the export settings from a config entry's options."""
        defaults = cls()
        return cls(
            enabled=options.get(CONF_INFLUXDB_ENABLED, defaults.enabled),
            url=options.get(CONF_INFLUXDB_URL, defaults.url),
            api_version=options.get(CONF_INFLUXDB_API_VERSION, defaults.api_version),
            verify_ssl=options.get(CONF_INFLUXDB_VERIFY_SSL, defaults.verify_ssl),
            database=options.get(CONF_INFLUXDB_DATABASE, defaults.database),
            username=options.get(CONF_INFLUXDB_USERNAME, defaults.username),
            password=options.get(CONF_INFLUXDB_PASSWORD, defaults.password),
            retention_policy=options.get(CONF_INFLUXDB_RETENTION_POLICY, defaults.retention_policy),
            create_database=options.get(CONF_INFLUXDB_CREATE_DATABASE, defaults.create_database),
            org=options.get(CONF_INFLUXDB_ORG, defaults.org),
            bucket=options.get(CONF_INFLUXDB_BUCKET, defaults.bucket),
            token=options.get(CONF_INFLUXDB_TOKEN, defaults.token),
            export=frozenset(options.get(CONF_INFLUXDB_EXPORT, defaults.export)),
            batch_size=options.get(CONF_INFLUXDB_BATCH_SIZE, defaults.batch_size),
            flush_interval=options.get(CONF_INFLUXDB_FLUSH_INTERVAL, defaults.flush_interval),
        )


@dataclass(frozen=True, slots=True)
class ReliabilitySettings:
    """What the user configured, defaults applied."""

    include_integrations: frozenset[str] = frozenset()
    exclude_integrations: frozenset[str] = frozenset()
    exclude_entity_patterns: tuple[str, ...] = ()
    count_unknown: bool = DEFAULT_COUNT_UNKNOWN
    grace_period: float = DEFAULT_GRACE_PERIOD
    db_url: str = ""
    auto_heal: bool = DEFAULT_AUTO_HEAL
    heal_threshold_minutes: float = DEFAULT_HEAL_THRESHOLD_MINUTES
    heal_max_per_hour: int = DEFAULT_HEAL_MAX_PER_HOUR
    heal_breaker_failures: int = DEFAULT_HEAL_BREAKER_FAILURES
    heal_verify_seconds: float = DEFAULT_HEAL_VERIFY_SECONDS
    never_heal: frozenset[str] = frozenset()
    retention_raw_days: int = DEFAULT_RETENTION_RAW_DAYS
    retention_hourly_days: int = DEFAULT_RETENTION_HOURLY_DAYS
    retention_daily_days: int = DEFAULT_RETENTION_DAILY_DAYS
    degraded_outages_per_day: int = DEFAULT_DEGRADED_OUTAGES_PER_DAY
    max_hourly_range_days: int = DEFAULT_MAX_HOURLY_RANGE_DAYS
    influxdb: InfluxSettings = InfluxSettings()

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ReliabilitySettings:
        """Build the settings from a config entry's options."""
        defaults = cls()
        return cls(
            include_integrations=frozenset(options.get(CONF_INCLUDE_INTEGRATIONS, ())),
            exclude_integrations=frozenset(options.get(CONF_EXCLUDE_INTEGRATIONS, ())),
            exclude_entity_patterns=tuple(options.get(CONF_EXCLUDE_ENTITY_PATTERNS, ())),
            count_unknown=options.get(CONF_COUNT_UNKNOWN, defaults.count_unknown),
            grace_period=options.get(CONF_GRACE_PERIOD, defaults.grace_period),
            db_url=options.get(CONF_DB_URL, defaults.db_url),
            auto_heal=options.get(CONF_AUTO_HEAL, defaults.auto_heal),
            heal_threshold_minutes=options.get(
                CONF_HEAL_THRESHOLD_MINUTES, defaults.heal_threshold_minutes
            ),
            heal_max_per_hour=options.get(CONF_HEAL_MAX_PER_HOUR, defaults.heal_max_per_hour),
            heal_breaker_failures=options.get(
                CONF_HEAL_BREAKER_FAILURES, defaults.heal_breaker_failures
            ),
            heal_verify_seconds=options.get(CONF_HEAL_VERIFY_SECONDS, defaults.heal_verify_seconds),
            never_heal=frozenset(options.get(CONF_NEVER_HEAL, ())),
            retention_raw_days=options.get(CONF_RETENTION_RAW_DAYS, defaults.retention_raw_days),
            retention_hourly_days=options.get(
                CONF_RETENTION_HOURLY_DAYS, defaults.retention_hourly_days
            ),
            retention_daily_days=options.get(
                CONF_RETENTION_DAILY_DAYS, defaults.retention_daily_days
            ),
            degraded_outages_per_day=options.get(
                CONF_DEGRADED_OUTAGES_PER_DAY, defaults.degraded_outages_per_day
            ),
            max_hourly_range_days=options.get(
                CONF_MAX_HOURLY_RANGE_DAYS, defaults.max_hourly_range_days
            ),
            influxdb=InfluxSettings.from_options(options),
        )

    def monitors(self, integration_id: str, domain: str) -> bool:
        """Return whether an integration is recorded.

        The include and exclude lists hold domains (every entry of that
        integration) and config entry ids (one entry, e.g. one ESPHome node);
        an entity without a config entry has its domain as integration id.
        """
        excluded = self.exclude_integrations
        if integration_id in excluded or domain in excluded:
            return False
        included = self.include_integrations
        return not included or integration_id in included or domain in included

    def excludes_entity(self, entity_id: str) -> bool:
        """Return whether `entity_id` matches an excluded pattern."""
        return any(fnmatchcase(entity_id, pattern) for pattern in self.exclude_entity_patterns)
