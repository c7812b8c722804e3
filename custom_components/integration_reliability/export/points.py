"""What is exported: the two measurements, their tags, fields and tiers.

* `integration_reliability`: one point per event. Tags `integration_id`,
  `integration_domain`, `integration_name`, `event_type`, `entity_id`,
  `device_class`, `area` (left out when empty); fields `value=1i`, `count`,
  and what the event's details say (`duration_s`, `attempts`, ...); time = the
  event's timestamp (an outage's true start), in whole seconds.
* `integration_metrics`: one point per rollup row. Tags `integration_id`,
  `integration_domain`, `period`; a field for every metric of the row; time =
  `period_start`. A recomputed row has the same series and time, so writing
  it again overwrites the point.

Field types never change (a float stays a float even when it is whole): a
field whose type changed would be refused by InfluxDB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from sqlalchemy import Integer, Table

from ..store.records import EventRecord
from ..store.schema import IntegrationMetrics
from .line_protocol import FieldValue, encode_point

EVENTS_MEASUREMENT: Final = "integration_reliability"
METRICS_MEASUREMENT: Final = "integration_metrics"

# A string field longer than this is cut (InfluxDB's limit is 64 KiB).
MAX_STRING_FIELD: Final = 1024


@dataclass(frozen=True, slots=True)
class RetentionTier:
    """An InfluxDB 1.x retention policy (seed 003), in InfluxQL durations."""

    name: str
    duration: str
    shard_duration: str


RAW_TIER: Final = RetentionTier("raw_data_policy", "365d", "7d")
HOURLY_TIER: Final = RetentionTier("hourly_summary_policy", "730d", "30d")
DAILY_TIER: Final = RetentionTier("daily_summary_policy", "2555d", "90d")
TIERS: Final = (RAW_TIER, HOURLY_TIER, DAILY_TIER)


def metrics_tier(period: str) -> RetentionTier:
    """Hourly rows in the hourly tier; day, week and month rows in the daily tier."""
    return HOURLY_TIER if period == "hour" else DAILY_TIER


@dataclass(frozen=True, slots=True)
class EntityContext:
    """The tags an entity adds to its events."""

    device_class: str | None = None
    area: str | None = None


type ExportItem = EventRecord | Mapping[str, Any]

_NUMBER_DETAILS: Final = (("duration_s", "duration_s"), ("seconds_to_recover", "duration_s"))
_INT_DETAILS: Final = ("attempts", "entities_affected", "entities_recovered")
_STRING_DETAILS: Final = ("reason", "error", "outcome", "closed_by", "trigger", "state")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


_PLAIN_EVENT_FIELDS: Final[tuple[tuple[str, FieldValue | None], ...]] = (("value", 1), ("count", 1))


def _event_fields(rec: EventRecord) -> Sequence[tuple[str, FieldValue | None]]:
    details = rec.details
    if not details:
        return _PLAIN_EVENT_FIELDS
    fields: list[tuple[str, FieldValue | None]] = [("value", 1)]
    count = _integer(details.get("count"))
    fields.append(("count", count if count is not None else 1))
    for source, name in _NUMBER_DETAILS:
        if (number := _number(details.get(source))) is not None:
            fields.append((name, number))
            break
    fields.extend((name, _integer(details.get(name))) for name in _INT_DETAILS)
    for name in _STRING_DETAILS:
        value = details.get(name)
        if isinstance(value, str) and value:
            fields.append((name, value[:MAX_STRING_FIELD]))
    return fields


def event_line(
    rec: EventRecord, integration_name: str | None, entity: EntityContext | None
) -> str | None:
    """The `integration_reliability` point of one event."""
    entity = entity or EntityContext()
    return encode_point(
        EVENTS_MEASUREMENT,
        (
            ("area", entity.area),
            ("device_class", entity.device_class),
            ("entity_id", rec.entity_id),
            ("event_type", str(rec.event_type)),
            ("integration_domain", rec.integration_domain),
            ("integration_id", rec.integration_id),
            ("integration_name", integration_name),
        ),
        _event_fields(rec),
        int(rec.timestamp // 1),
    )


_IDENTITY_COLUMNS: Final = frozenset(
    {"id", "integration_id", "integration_domain", "period", "period_start", "period_end"}
)
# (name, is_integer) of every metric column: a metric added to the schema is
# exported without a change here.
METRIC_FIELDS: Final = tuple(
    (column.name, isinstance(column.type, Integer))
    for column in cast(Table, IntegrationMetrics.__table__).columns
    if column.name not in _IDENTITY_COLUMNS
)


def _metric_fields(row: Mapping[str, Any]) -> Iterable[tuple[str, FieldValue | None]]:
    for name, is_integer in METRIC_FIELDS:
        value = row.get(name)
        if value is None:
            yield name, None
        elif is_integer:
            yield name, int(value)
        else:
            yield name, float(value)


def metrics_line(row: Mapping[str, Any]) -> str | None:
    """The `integration_metrics` point of one rollup row."""
    return encode_point(
        METRICS_MEASUREMENT,
        (
            ("integration_domain", row["integration_domain"]),
            ("integration_id", row["integration_id"]),
            ("period", row["period"]),
        ),
        _metric_fields(row),
        int(row["period_start"] // 1),
    )


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Lines of one batch, by retention policy (None: the target's default)."""

    lines: dict[str | None, list[str]]
    points: int


def encode_batch(
    items: Sequence[ExportItem],
    names: Mapping[str, str],
    entities: Mapping[str, EntityContext],
    *,
    tiers: bool,
    retention_policy: str | None,
) -> EncodedBatch:
    """Encode a batch (runs in the executor); `tiers` routes each point to its tier."""
    lines: dict[str | None, list[str]] = {}
    points = 0
    for item in items:
        if isinstance(item, EventRecord):
            line = event_line(
                item,
                names.get(item.integration_id),
                entities.get(item.entity_id) if item.entity_id else None,
            )
            policy = RAW_TIER.name if tiers else retention_policy
        else:
            line = metrics_line(item)
            policy = metrics_tier(item["period"]).name if tiers else retention_policy
        if line is not None:
            lines.setdefault(policy, []).append(line)
            points += 1
    return EncodedBatch(lines, points)
