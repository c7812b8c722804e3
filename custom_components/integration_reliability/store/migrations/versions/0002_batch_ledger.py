"""Batch ledger: makes a retried or replayed batch idempotent.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

_TIMESTAMP = sa.Float().with_variant(mysql.DOUBLE(asdecimal=False), "mysql", "mariadb")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ir_batches",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("batch_key", sa.String(length=32), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("committed_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ir_batches")),
        sa.UniqueConstraint("batch_key", name=op.f("uq_ir_batches_batch_key")),
    )
    op.create_index(
        op.f("ix_ir_batches_committed_at"), "ir_batches", ["committed_at"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_ir_batches_committed_at"), table_name="ir_batches")
    op.drop_table("ir_batches")
