"""Alembic environment: runs on the connection handed over by the writer thread.

There is no alembic.ini at runtime; the engine builds the Config itself and
passes its open connection in `config.attributes["connection"]` and, for
autogenerate comparisons, the models' metadata in `target_metadata`. Nothing
is imported from the package here: alembic loads this file standalone.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

config = context.config


def run_migrations_online() -> None:
    """Run the revisions on the connection the caller passed."""
    connection: Connection = config.attributes["connection"]
    target_metadata: MetaData | None = config.attributes.get("target_metadata")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
