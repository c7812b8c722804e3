"""Storage monitoring (seed 003): database size, size per tier, rows, growth.

Each backend answers with its own size functions: SQLite's page count and the
`dbstat` table (when compiled in) plus the WAL file, PostgreSQL's
`pg_database_size` / `pg_total_relation_size`, MariaDB's `information_schema`.
"""

from __future__ import annotations

import os
from typing import Any, Final

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .periods import PERIOD_DAY
from .schema import Base, Event, IntegrationMetrics

# Which tier each table belongs to; tables not listed count as "other".
TIERS: Final = {
    "raw_events": ("ir_events", "ir_integrations", "ir_domains", "ir_event_types", "ir_entities"),
    "rollups": ("integration_metrics",),
    "insights": ("pattern_insights",),
    "jobs": ("processing_jobs",),
}
DAY: Final = 86400.0
_GROWTH_DAYS: Final = 7


def _tables() -> list[str]:
    return sorted(Base.metadata.tables)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _sqlite_file(session: Session) -> str | None:
    path = session.get_bind().engine.url.database
    return path if path and path != ":memory:" else None


def database_size(session: Session) -> int:
    """Bytes the database takes on its server / disk (SQLite: file + WAL)."""
    dialect = _dialect(session)
    if dialect == "sqlite":
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        page_size = session.execute(text("PRAGMA page_size")).scalar_one()
        path = _sqlite_file(session)
        wal = f"{path}-wal" if path else None
        wal_bytes = os.path.getsize(wal) if wal and os.path.exists(wal) else 0
        return int(pages) * int(page_size) + wal_bytes
    if dialect == "postgresql":
        return int(
            session.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        )
    return int(
        session.execute(
            text(
                "SELECT COALESCE(SUM(data_length + index_length), 0) "
                "FROM information_schema.TABLES WHERE table_schema = DATABASE()"
            )
        ).scalar_one()
    )


def reusable_bytes(session: Session) -> int | None:
    """Bytes inside the database that new rows will reuse (None where unknown).

    SQLite: its free pages (given back to the file system by the purge in
    bounded steps); MariaDB: InnoDB's free space in our tables; PostgreSQL
    does not tell without an extension.
    """
    dialect = _dialect(session)
    if dialect == "sqlite":
        free = session.execute(text("PRAGMA freelist_count")).scalar_one()
        page_size = session.execute(text("PRAGMA page_size")).scalar_one()
        return int(free) * int(page_size)
    if dialect == "mysql":
        return int(
            session.execute(
                text(
                    "SELECT COALESCE(SUM(data_free), 0) FROM information_schema.TABLES"
                    " WHERE table_schema = DATABASE()"
                )
            ).scalar_one()
        )
    return None


def database_space(session: Session) -> tuple[int, int | None]:
    """The database's size and the reusable free space inside it, in bytes."""
    return database_size(session), reusable_bytes(session)


def row_counts(session: Session) -> dict[str, int]:
    """Exact number of rows per table."""
    return {
        name: int(session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0)
        for name in _tables()
    }


def table_sizes(session: Session) -> dict[str, int | None]:
    """Bytes per table including its indexes (None where the backend cannot tell)."""
    dialect = _dialect(session)
    names = _tables()
    if dialect == "sqlite":
        try:
            # dbstat names every index separately; map them back to their table.
            owners = dict(
                session.execute(text("SELECT name, tbl_name FROM sqlite_master")).tuples().all()
            )
            sizes: dict[str, int | None] = dict.fromkeys(names, 0)
            for name, size in session.execute(
                text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            ):
                table = owners.get(name, name)
                if table in sizes:
                    sizes[table] = (sizes[table] or 0) + int(size)
        except DBAPIError:
            return dict.fromkeys(names)
        return sizes
    if dialect == "postgresql":
        return {
            name: int(
                session.execute(
                    text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": name}
                ).scalar_one()
            )
            for name in names
        }
    rows = dict(
        session.execute(
            text(
                "SELECT table_name, data_length + index_length FROM information_schema.TABLES "
                "WHERE table_schema = DATABASE()"
            )
        )
        .tuples()
        .all()
    )
    return {name: None if rows.get(name) is None else int(rows[name]) for name in names}


def storage_stats(session: Session, *, now: float) -> dict[str, Any]:
    """Everything the storage sensors and diagnostics show.

    `growth_bytes_per_day` is an **estimate**, not a measured history: events
    per day over the last 7 days (from the raw events) times the bytes an
    event row takes on average now, plus the daily rollup rows the same way.
    """
    counts = row_counts(session)
    sizes = table_sizes(session)
    tiers: dict[str, int | None] = {}
    for tier, tables in TIERS.items():
        parts = [sizes.get(t) for t in tables]
        tiers[tier] = None if any(p is None for p in parts) else sum(p or 0 for p in parts)
    events_week = int(
        session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.timestamp >= now - _GROWTH_DAYS * DAY)
        )
        or 0
    )
    rollups_week = int(
        session.scalar(
            select(func.count())
            .select_from(IntegrationMetrics)
            .where(IntegrationMetrics.period_start >= now - _GROWTH_DAYS * DAY)
        )
        or 0
    )
    growth: float | None = None
    event_bytes, rollup_bytes = sizes.get("ir_events"), sizes.get("integration_metrics")
    if event_bytes is not None and rollup_bytes is not None:
        per_event = event_bytes / counts["ir_events"] if counts["ir_events"] else 0.0
        per_rollup = (
            rollup_bytes / counts["integration_metrics"] if counts["integration_metrics"] else 0.0
        )
        growth = (events_week * per_event + rollups_week * per_rollup) / _GROWTH_DAYS
    return {
        "backend": _dialect(session),
        "database_bytes": database_size(session),
        "reusable_bytes": reusable_bytes(session),
        "tables": {name: {"rows": counts[name], "bytes": sizes.get(name)} for name in counts},
        "tiers": tiers,
        "events_per_day": events_week / _GROWTH_DAYS,
        "growth_bytes_per_day": growth,
        "growth_is_estimate": True,
        "daily_rollup_period": PERIOD_DAY,
    }
