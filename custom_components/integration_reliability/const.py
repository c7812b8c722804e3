"""Constants: the domain, option keys and their defaults."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "integration_reliability"
TITLE: Final = "Integration Reliability"

DB_FILENAME: Final = "integration_reliability.db"
# Records that could not be written at stop, replayed at the next start.
JOURNAL_FILENAME: Final = "integration_reliability.journal"

# Options (entry.options). Every option has a default here.
CONF_INCLUDE_INTEGRATIONS: Final = "include_integrations"
CONF_EXCLUDE_INTEGRATIONS: Final = "exclude_integrations"
CONF_EXCLUDE_ENTITY_PATTERNS: Final = "exclude_entity_patterns"
CONF_COUNT_UNKNOWN: Final = "count_unknown"
CONF_GRACE_PERIOD: Final = "grace_period"
CONF_DB_URL: Final = "db_url"
CONF_AUTO_HEAL: Final = "auto_heal"
CONF_HEAL_THRESHOLD_MINUTES: Final = "heal_threshold_minutes"
CONF_HEAL_MAX_PER_HOUR: Final = "heal_max_per_hour"
CONF_HEAL_BREAKER_FAILURES: Final = "heal_breaker_failures"
CONF_HEAL_VERIFY_SECONDS: Final = "heal_verify_seconds"
CONF_NEVER_HEAL: Final = "never_heal"
CONF_RETENTION_RAW_DAYS: Final = "retention_raw_days"
CONF_RETENTION_HOURLY_DAYS: Final = "retention_hourly_days"
CONF_RETENTION_DAILY_DAYS: Final = "retention_daily_days"
CONF_DEGRADED_OUTAGES_PER_DAY: Final = "degraded_outages_per_day"
CONF_MAX_HOURLY_RANGE_DAYS: Final = "max_hourly_range_days"

# InfluxDB export (the options form's InfluxDB section).
CONF_INFLUXDB_ENABLED: Final = "influxdb_enabled"
CONF_INFLUXDB_URL: Final = "influxdb_url"
CONF_INFLUXDB_API_VERSION: Final = "influxdb_api_version"
CONF_INFLUXDB_VERIFY_SSL: Final = "influxdb_verify_ssl"
CONF_INFLUXDB_DATABASE: Final = "influxdb_database"
CONF_INFLUXDB_USERNAME: Final = "influxdb_username"
CONF_INFLUXDB_PASSWORD: Final = "influxdb_password"
CONF_INFLUXDB_RETENTION_POLICY: Final = "influxdb_retention_policy"
CONF_INFLUXDB_CREATE_DATABASE: Final = "influxdb_create_database"
CONF_INFLUXDB_ORG: Final = "influxdb_org"
CONF_INFLUXDB_BUCKET: Final = "influxdb_bucket"
CONF_INFLUXDB_TOKEN: Final = "influxdb_token"
CONF_INFLUXDB_EXPORT: Final = "influxdb_export"
CONF_INFLUXDB_BATCH_SIZE: Final = "influxdb_batch_size"
CONF_INFLUXDB_FLUSH_INTERVAL: Final = "influxdb_flush_interval"

DEFAULT_COUNT_UNKNOWN: Final = False
DEFAULT_GRACE_PERIOD: Final = 60
DEFAULT_AUTO_HEAL: Final = False
DEFAULT_HEAL_THRESHOLD_MINUTES: Final = 5
DEFAULT_HEAL_MAX_PER_HOUR: Final = 3
DEFAULT_HEAL_BREAKER_FAILURES: Final = 5
DEFAULT_HEAL_VERIFY_SECONDS: Final = 120
DEFAULT_RETENTION_RAW_DAYS: Final = 90
DEFAULT_RETENTION_HOURLY_DAYS: Final = 730
DEFAULT_RETENTION_DAILY_DAYS: Final = 2555
DEFAULT_DEGRADED_OUTAGES_PER_DAY: Final = 5
DEFAULT_MAX_HOURLY_RANGE_DAYS: Final = 31
DEFAULT_INFLUXDB_API_VERSION: Final = "1"
DEFAULT_INFLUXDB_DATABASE: Final = "integration_reliability"
DEFAULT_INFLUXDB_BATCH_SIZE: Final = 1000
DEFAULT_INFLUXDB_FLUSH_INTERVAL: Final = 5
EXPORT_EVENTS: Final = "events"
EXPORT_ROLLUPS: Final = "rollups"
DEFAULT_INFLUXDB_EXPORT: Final = (EXPORT_EVENTS, EXPORT_ROLLUPS)

# Storage engine tuning (not user options; the engine's own defaults).
COMMIT_INTERVAL_SECONDS: Final = 5.0
BATCH_SIZE: Final = 1000
QUEUE_SIZE: Final = 100_000
QUEUE_BYTES: Final = 64 * 1024 * 1024
# Setup waits this long for the database to open, then retries later.
SETUP_WAIT_SECONDS: Final = 10

# Bus events fired for automations.
EVENT_OUTAGE_STARTED: Final = f"{DOMAIN}_outage_started"
EVENT_OUTAGE_ENDED: Final = f"{DOMAIN}_outage_ended"
EVENT_DEGRADED: Final = f"{DOMAIN}_degraded"

# Dispatcher signal: new data was committed, or our entry loaded / unloaded
# (the panel's subscription forwards it; argument: the reason).
SIGNAL_DATA_UPDATED: Final = f"{DOMAIN}_data_updated"
