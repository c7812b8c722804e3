"""Initial schema: every table, index and the `integration_reliability` view.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 15:12:11

Types are spelled out here rather than imported from schema.py: a revision
must keep describing the schema as it was when it was written.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

# Same physical types as schema.py at revision 0001.
_TIMESTAMP = sa.Float().with_variant(mysql.DOUBLE(asdecimal=False), "mysql", "mariadb")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_SMALL_ID = sa.SmallInteger().with_variant(sa.Integer(), "sqlite")
_JSON = (
    sa.JSON()
    .with_variant(postgresql.JSONB(), "postgresql")
    .with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
)
_DETAILS = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")

_EVENTS_VIEW_SQL = """
CREATE VIEW integration_reliability AS
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

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "integration_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("integration_domain", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", _TIMESTAMP, nullable=False),
        sa.Column("period_end", _TIMESTAMP, nullable=False),
        sa.Column("total_events", sa.Integer(), nullable=False),
        sa.Column("unavailable_events", sa.Integer(), nullable=False),
        sa.Column("recovered_events", sa.Integer(), nullable=False),
        sa.Column("blips", sa.Integer(), nullable=False),
        sa.Column("entities_affected", sa.Integer(), nullable=False),
        sa.Column("unavailable_seconds", _TIMESTAMP, nullable=False),
        sa.Column("tracked_entity_seconds", _TIMESTAMP, nullable=False),
        sa.Column("availability", _TIMESTAMP, nullable=True),
        sa.Column("repair_seconds_total", _TIMESTAMP, nullable=False),
        sa.Column("mttr_seconds", _TIMESTAMP, nullable=True),
        sa.Column("mtbf_seconds", _TIMESTAMP, nullable=True),
        sa.Column("setup_failures", sa.Integer(), nullable=False),
        sa.Column("setup_retries", sa.Integer(), nullable=False),
        sa.Column("reloads", sa.Integer(), nullable=False),
        sa.Column("heal_attempts", sa.Integer(), nullable=False),
        sa.Column("heal_successes", sa.Integer(), nullable=False),
        sa.Column("heal_failures", sa.Integer(), nullable=False),
        sa.Column("success_rate", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_metrics")),
        sa.UniqueConstraint(
            "integration_id",
            "period",
            "period_start",
            name=op.f("uq_integration_metrics_integration_id_period_period_start"),
        ),
    )
    op.create_index(
        "ix_integration_metrics_domain_period",
        "integration_metrics",
        ["integration_domain", "period", "period_start"],
        unique=False,
    )
    op.create_index(
        "ix_integration_metrics_period_start",
        "integration_metrics",
        ["period", "period_start"],
        unique=False,
    )

    op.create_table(
        "ir_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ir_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_ir_domains_domain")),
    )
    op.create_table(
        "ir_entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ir_entities")),
        sa.UniqueConstraint("entity_id", name=op.f("uq_ir_entities_entity_id")),
    )
    op.create_table(
        "ir_event_types",
        sa.Column("id", _SMALL_ID, nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ir_event_types")),
        sa.UniqueConstraint("event_type", name=op.f("uq_ir_event_types_event_type")),
    )
    op.create_table(
        "ir_integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("integration_domain", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ir_integrations")),
        sa.UniqueConstraint("integration_id", name=op.f("uq_ir_integrations_integration_id")),
    )
    op.create_index(
        op.f("ix_ir_integrations_integration_domain"),
        "ir_integrations",
        ["integration_domain"],
        unique=False,
    )

    op.create_table(
        "pattern_insights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insight_type", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", _TIMESTAMP, nullable=False),
        sa.Column("period_end", _TIMESTAMP, nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pattern_insights")),
    )
    op.create_index(
        "ix_pattern_insights_type_period",
        "pattern_insights",
        ["insight_type", "period", "period_start"],
        unique=False,
    )

    op.create_table(
        "processing_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_type", sa.String(length=32), nullable=False),
        sa.Column("range_start", _TIMESTAMP, nullable=True),
        sa.Column("range_end", _TIMESTAMP, nullable=True),
        sa.Column("started_at", _TIMESTAMP, nullable=False),
        sa.Column("completed_at", _TIMESTAMP, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_processed", sa.Integer(), nullable=False),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("state", _DETAILS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_jobs")),
    )
    op.create_index(
        "ix_processing_jobs_type_status",
        "processing_jobs",
        ["job_type", "status", "range_end"],
        unique=False,
    )

    op.create_table(
        "tracked_entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("integration_domain", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("device_name", sa.String(length=255), nullable=True),
        sa.Column("area", sa.String(length=255), nullable=True),
        sa.Column("device_class", sa.String(length=64), nullable=True),
        sa.Column("first_seen", _TIMESTAMP, nullable=False),
        sa.Column("removed_at", _TIMESTAMP, nullable=True),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_entities")),
        sa.UniqueConstraint("entity_id", name=op.f("uq_tracked_entities_entity_id")),
    )
    op.create_index(
        "ix_tracked_entities_integration", "tracked_entities", ["integration_id"], unique=False
    )

    op.create_table(
        "ir_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("integration_ref", sa.Integer(), nullable=False),
        sa.Column("domain_ref", sa.Integer(), nullable=False),
        sa.Column("event_type_ref", _SMALL_ID, nullable=False),
        sa.Column("entity_ref", sa.Integer(), nullable=True),
        sa.Column("timestamp", _TIMESTAMP, nullable=False),
        sa.Column("details", _DETAILS, nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_ref"], ["ir_domains.id"], name=op.f("fk_ir_events_domain_ref_ir_domains")
        ),
        sa.ForeignKeyConstraint(
            ["entity_ref"], ["ir_entities.id"], name=op.f("fk_ir_events_entity_ref_ir_entities")
        ),
        sa.ForeignKeyConstraint(
            ["event_type_ref"],
            ["ir_event_types.id"],
            name=op.f("fk_ir_events_event_type_ref_ir_event_types"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_ref"],
            ["ir_integrations.id"],
            name=op.f("fk_ir_events_integration_ref_ir_integrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ir_events")),
    )
    op.create_index(
        "ix_ir_events_domain_timestamp", "ir_events", ["domain_ref", "timestamp"], unique=False
    )
    op.create_index("ix_ir_events_event_type", "ir_events", ["event_type_ref"], unique=False)
    op.create_index(
        "ix_ir_events_integration_timestamp",
        "ir_events",
        ["integration_ref", "timestamp"],
        unique=False,
    )
    op.create_index("ix_ir_events_timestamp", "ir_events", ["timestamp"], unique=False)
    op.execute(_EVENTS_VIEW_SQL)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW integration_reliability")
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a
    # foreign key still needs, so they are not dropped one by one first).
    for table in (
        "ir_events",
        "tracked_entities",
        "processing_jobs",
        "pattern_insights",
        "ir_integrations",
        "ir_event_types",
        "ir_entities",
        "ir_domains",
        "integration_metrics",
    ):
        op.drop_table(table)
