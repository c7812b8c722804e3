"""SQLAlchemy 2.0 models of the reliability database.

Physical layout: the hot event table stores small integer references to
lookup tables (as the recorder's `states_meta`/`event_types` do), which keeps
an event with its four indexes well under the size of plain text columns.
The seed's logical table `integration_reliability` stays queryable by SQL
under its seed column names as a view over that layout.

Every timestamp is UTC epoch seconds in a double-precision column: one
representation in every table and on every engine.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Bump together with a new Alembic revision in migrations/versions.
SCHEMA_VERSION: Final = 2

TIMESTAMP_TYPE = Float().with_variant(
    mysql.DOUBLE(asdecimal=False),  # type: ignore[no-untyped-call]
    "mysql",
    "mariadb",
)
# SQLite only aliases the rowid for the exact type INTEGER PRIMARY KEY.
ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")
SMALL_ID_TYPE = SmallInteger().with_variant(Integer(), "sqlite")
JSON_TYPE = (
    JSON()
    .with_variant(postgresql.JSONB(), "postgresql")
    .with_variant(mysql.LONGTEXT(), "mysql", "mariadb")  # type: ignore[no-untyped-call]
)
DETAILS_TYPE = Text().with_variant(
    mysql.LONGTEXT(),  # type: ignore[no-untyped-call]
    "mysql",
    "mariadb",
)

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Integration(Base):
    """Lookup: one row per monitored integration (config entry)."""

    __tablename__ = "ir_integrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[str] = mapped_column(String(64), unique=True)
    integration_domain: Mapped[str] = mapped_column(String(64), index=True)


class Domain(Base):
    """Lookup: one row per integration domain."""

    __tablename__ = "ir_domains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(64), unique=True)


class EventTypeRow(Base):
    """Lookup: one row per event type."""

    __tablename__ = "ir_event_types"

    id: Mapped[int] = mapped_column(SMALL_ID_TYPE, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(32), unique=True)


class EntityRow(Base):
    """Lookup: one row per entity id that ever appeared in an event."""

    __tablename__ = "ir_entities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), unique=True)


class Event(Base):
    """One reliability event (physical table behind `integration_reliability`)."""

    __tablename__ = "ir_events"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    integration_ref: Mapped[int] = mapped_column(ForeignKey("ir_integrations.id"))
    domain_ref: Mapped[int] = mapped_column(ForeignKey("ir_domains.id"))
    event_type_ref: Mapped[int] = mapped_column(ForeignKey("ir_event_types.id"))
    entity_ref: Mapped[int | None] = mapped_column(ForeignKey("ir_entities.id"))
    timestamp: Mapped[float] = mapped_column(TIMESTAMP_TYPE)
    details: Mapped[str | None] = mapped_column(DETAILS_TYPE)
    created_at: Mapped[float] = mapped_column(TIMESTAMP_TYPE)

    __table_args__ = (
        Index("ix_ir_events_integration_timestamp", "integration_ref", "timestamp"),
        Index("ix_ir_events_domain_timestamp", "domain_ref", "timestamp"),
        # Event type alone: few distinct values, and leaving the timestamp out
        # keeps this index append-only and small (bytes per event matter here).
        Index("ix_ir_events_event_type", "event_type_ref"),
        Index("ix_ir_events_timestamp", "timestamp"),
    )


class IntegrationMetrics(Base):
    """A rollup: metrics of one integration over one hour/day/week/month."""

    __tablename__ = "integration_metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[str] = mapped_column(String(64))
    integration_domain: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[float] = mapped_column(TIMESTAMP_TYPE)
    period_end: Mapped[float] = mapped_column(TIMESTAMP_TYPE)
    total_events: Mapped[int] = mapped_column(Integer, default=0)
    unavailable_events: Mapped[int] = mapped_column(Integer, default=0)
    recovered_events: Mapped[int] = mapped_column(Integer, default=0)
    blips: Mapped[int] = mapped_column(Integer, default=0)
    entities_affected: Mapped[int] = mapped_column(Integer, default=0)
    unavailable_seconds: Mapped[float] = mapped_column(TIMESTAMP_TYPE, default=0.0)
    tracked_entity_seconds: Mapped[float] = mapped_column(TIMESTAMP_TYPE, default=0.0)
    availability: Mapped[float | None] = mapped_column(TIMESTAMP_TYPE)
    repair_seconds_total: Mapped[float] = mapped_column(TIMESTAMP_TYPE, default=0.0)
    mttr_seconds: Mapped[float | None] = mapped_column(TIMESTAMP_TYPE)
    mtbf_seconds: Mapped[float | None] = mapped_column(TIMESTAMP_TYPE)
    setup_failures: Mapped[int] = mapped_column(Integer, default=0)
    setup_retries: Mapped[int] = mapped_column(Integer, default=0)
    reloads: Mapped[int] = mapped_column(Integer, default=0)
    heal_attempts: Mapped[int] = mapped_column(Integer, default=0)
    heal_successes: Mapped[int] = mapped_column(Integer, default=0)
    heal_failures: Mapped[int] = mapped_column(Integer, default=0)
    success_rate: Mapped[float | None] = mapped_column(TIMESTAMP_TYPE)

    __table_args__ = (
        UniqueConstraint("integration_id", "period", "period_start"),
        Index("ix_integration_metrics_period_start", "period", "period_start"),
        Index(
            "ix_integration_metrics_domain_period",
            "integration_domain",
            "period",
            "period_start",
        ),
    )


class PatternInsight(Base):
    """A computed insight (top failures, time of day, correlation)."""

    __tablename__ = "pattern_insights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    insight_type: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[float] = mapped_column(TIMESTAMP_TYPE)
    period_end: Mapped[float] = mapped_column(TIMESTAMP_TYPE)
    data: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE)
    created_at: Mapped[float] = mapped_column(TIMESTAMP_TYPE)

    __table_args__ = (
        Index("ix_pattern_insights_type_period", "insight_type", "period", "period_start"),
    )


class ProcessingJob(Base):
    """One rollup / insight / purge run (seed 002's job tracking)."""

    __tablename__ = "processing_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_type: Mapped[str] = mapped_column(String(32))
    range_start: Mapped[float | None] = mapped_column(TIMESTAMP_TYPE)
    range_end: Mapped[float | None] = mapped_column(TIMESTAMP_TYPE)
    started_at: Mapped[float] = mapped_column(TIMESTAMP_TYPE)
    completed_at: Mapped[float | None] = mapped_column(TIMESTAMP_TYPE)
    status: Mapped[str] = mapped_column(String(16))
    rows_processed: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # JSON checkpoint a rollup run carries to the next one (outages still open
    # at range_end), so an incremental run never rescans history.
    state: Mapped[str | None] = mapped_column(DETAILS_TYPE)

    __table_args__ = (Index("ix_processing_jobs_type_status", "job_type", "status", "range_end"),)


class TrackedEntity(Base):
    """Context of a monitored entity: integration, device, area, class, platform."""

    __tablename__ = "tracked_entities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), unique=True)
    integration_id: Mapped[str] = mapped_column(String(64))
    integration_domain: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(64))
    device_name: Mapped[str | None] = mapped_column(String(255))
    area: Mapped[str | None] = mapped_column(String(255))
    device_class: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[float] = mapped_column(TIMESTAMP_TYPE)
    removed_at: Mapped[float | None] = mapped_column(TIMESTAMP_TYPE)
    updated_at: Mapped[float] = mapped_column(TIMESTAMP_TYPE)

    __table_args__ = (Index("ix_tracked_entities_integration", "integration_id"),)


class CommittedBatch(Base):
    """The batch ledger: one row per committed batch, in the batch's own transaction.

    A retry after a lost commit acknowledgement, or a journal replayed a
    second time, finds its key here and writes nothing twice. One small row
    per batch instead of a unique key per event keeps events small.
    """

    __tablename__ = "ir_batches"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    batch_key: Mapped[str] = mapped_column(String(32), unique=True)
    records: Mapped[int] = mapped_column(Integer)
    committed_at: Mapped[float] = mapped_column(TIMESTAMP_TYPE, index=True)


# The seed's logical event table, kept queryable under its own column names.
EVENTS_VIEW_NAME: Final = "integration_reliability"
EVENTS_VIEW_SQL: Final = f"""
CREATE VIEW {EVENTS_VIEW_NAME} AS
SELECT e.id AS id,
       i.integration_id AS integration_id,
       d.domain AS integration_domain,
       e.timestamp AS timestamp,
       t.event_type AS event_type,
       n.entity_id AS entity_id,
       e.details AS details,
       e.created_at AS created_at
FROM ir_events e
JOIN ir_integrations i ON i.id = e.integration_ref
JOIN ir_domains d ON d.id = e.domain_ref
JOIN ir_event_types t ON t.id = e.event_type_ref
LEFT JOIN ir_entities n ON n.id = e.entity_ref
"""
