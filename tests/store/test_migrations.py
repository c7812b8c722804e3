"""Alembic: models and migrations agree, every revision up and down with data, refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine

from custom_components.integration_reliability.store.core import (
    ReliabilityStore,
    StoreProblem,
    StoreStartError,
    _alembic_config,
)
from custom_components.integration_reliability.store.schema import SCHEMA_VERSION, Base
from custom_components.integration_reliability.store.util import normalize_db_url

from .conftest import RecordingListener
from .helpers import T0, count_events, event

type MakeStore = Callable[..., ReliabilityStore]


def _seed_0001(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO ir_integrations (integration_id, integration_domain) VALUES ('e1', 'zha')"
        )
    )
    conn.execute(text("INSERT INTO ir_domains (domain) VALUES ('zha')"))
    conn.execute(text("INSERT INTO ir_event_types (event_type) VALUES ('unavailable')"))
    conn.execute(text("INSERT INTO ir_entities (entity_id) VALUES ('sensor.a')"))
    conn.execute(
        text(
            "INSERT INTO ir_events (integration_ref, domain_ref, event_type_ref, entity_ref,"
            " timestamp, details, created_at)"
            " SELECT i.id, d.id, t.id, n.id, :ts, NULL, :ts"
            " FROM ir_integrations i, ir_domains d, ir_event_types t, ir_entities n"
        ),
        {"ts": T0},
    )


def _seed_0002(conn: Connection) -> None:
    _seed_0001(conn)
    conn.execute(
        text(
            "INSERT INTO ir_batches (batch_key, records, committed_at)"
            " VALUES ('0123456789abcdef0123456789abcdef', 1, :ts)"
        ),
        {"ts": T0},
    )


# Rows written by the schema of each revision. A new revision must add its
# seeder here, so the upgrade-with-data test covers it automatically.
SEEDERS: dict[str, Callable[[Connection], None]] = {"0001": _seed_0001, "0002": _seed_0002}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = create_engine(normalize_db_url(db_url))
    yield eng
    eng.dispose()


def _run(engine: Engine, action: Callable[..., None], revision: str) -> None:
    with engine.connect() as conn:
        action(_alembic_config(conn), revision)
        conn.commit()


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(_alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_schema_version_matches_head() -> None:
    assert _revisions()[-1] == f"{SCHEMA_VERSION:04d}"


async def test_models_and_migrations_agree(
    make_store: MakeStore, db_url: str, engine: Engine
) -> None:
    store = make_store(db_url)
    store.start()
    await store.async_wait_ready()
    assert store.stats.schema_version == SCHEMA_VERSION
    await store.async_stop()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert "integration_reliability" in inspect(conn).get_view_names()


@pytest.mark.parametrize("revision", _revisions())
def test_upgrade_with_rows_then_downgrade_to_base(engine: Engine, revision: str) -> None:
    assert revision in SEEDERS, f"add a seeder for revision {revision}"
    _run(engine, command.upgrade, revision)
    with engine.begin() as conn:
        SEEDERS[revision](conn)
    _run(engine, command.upgrade, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT integration_id, event_type, entity_id, timestamp"
                " FROM integration_reliability"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("e1", "unavailable", "sensor.a", T0)]

    _run(engine, command.downgrade, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        assert inspect(conn).get_view_names() == []
    # And the schema comes back from nothing.
    _run(engine, command.upgrade, "head")
    with engine.connect() as conn:
        assert set(Base.metadata.tables) <= set(inspect(conn).get_table_names())


async def test_schema_newer_than_code_is_refused_and_kept(
    make_store: MakeStore, db_url: str, engine: Engine, listener: RecordingListener
) -> None:
    store = make_store(db_url)
    store.start()
    await store.async_wait_ready()
    store.record(event(1))
    await store.async_stop()
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    newer = make_store(db_url, listener=listener)
    newer.start()
    with pytest.raises(StoreStartError) as err:
        await newer.async_wait_ready()
    assert err.value.problem is StoreProblem.SCHEMA_TOO_NEW
    assert [p for p, _ in listener.problems] == [StoreProblem.SCHEMA_TOO_NEW]
    assert not newer.stats.running
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
        assert conn.execute(text("SELECT count(*) FROM ir_events")).scalar() == 1


async def test_failed_migration_is_reported(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener
) -> None:
    eng = create_engine(sqlite_db_url)
    with eng.begin() as conn:
        # A foreign table in the way of revision 0001.
        conn.execute(text("CREATE TABLE ir_events (x INTEGER)"))
    eng.dispose()
    store = make_store(sqlite_db_url, listener=listener)
    store.start()
    with pytest.raises(StoreStartError) as err:
        await store.async_wait_ready()
    assert err.value.problem is StoreProblem.MIGRATION_FAILED
    assert [p for p, _ in listener.problems] == [StoreProblem.MIGRATION_FAILED]


async def test_unreachable_server_is_reported(
    make_store: MakeStore, listener: RecordingListener
) -> None:
    store = make_store("postgresql://postgres@127.0.0.1:1/none", listener=listener)
    store.start()
    with pytest.raises(StoreStartError) as err:
        await store.async_wait_ready()
    assert err.value.problem is StoreProblem.CONNECT_FAILED
    assert "password" not in str(err.value)


async def test_existing_database_is_not_migrated_again(
    make_store: MakeStore, sqlite_db_url: str
) -> None:
    first = make_store(sqlite_db_url)
    first.start()
    await first.async_wait_ready()
    first.record(event(1))
    await first.async_stop()
    second = make_store(sqlite_db_url)
    second.start()
    await second.async_wait_ready()
    assert await count_events(second) == 1
