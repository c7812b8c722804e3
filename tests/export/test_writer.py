"""The exporter's writer and client against a real InfluxDB 1.x server."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from custom_components.integration_reliability.export.client import (
    ApiVersion,
    InfluxClient,
    InfluxTarget,
)
from custom_components.integration_reliability.export.points import TIERS
from custom_components.integration_reliability.export.writer import (
    ExportProblem,
    ExportState,
)
from custom_components.integration_reliability.store.records import EventRecord, EventType

from .helpers import Recorder, encoder, running_writer
from .influxd import ADMIN, InfluxServer

_names = itertools.count()
T0 = 1_750_000_000


def _database(server: InfluxServer, *, create: bool = True) -> str:
    name = f"writer_{next(_names)}"
    if create:
        server.query(f'CREATE DATABASE "{name}"')
    return name


def _target(server: InfluxServer, database: str, user: tuple[str, str] = ADMIN) -> InfluxTarget:
    return InfluxTarget(
        url=server.url,
        api_version=ApiVersion.V1,
        database=database,
        username=user[0],
        password=user[1],
    )


def _events(count: int, start: int = T0) -> list[EventRecord]:
    """Distinct points: one entity per event, one second apart."""
    return [
        EventRecord("entry1", "zha", EventType.UNAVAILABLE, start + i, f"sensor.s{i}")
        for i in range(count)
    ]


def _count(server: InfluxServer, database: str, where: str = "") -> int:
    series = server.query(f"SELECT count(value) FROM integration_reliability {where}", database)
    return int(series[0]["values"][0][1]) if series else 0


async def test_full_batches_go_at_once_the_rest_after_the_flush_interval(
    influxd: InfluxServer,
) -> None:
    database = _database(influxd)
    recorder = Recorder()
    async with running_writer(
        _target(influxd, database), recorder, batch_size=10, flush_interval=0.3
    ) as writer:
        writer.submit(_events(25))
        # Two full batches are written without waiting for the interval.
        await recorder.wait_for(lambda: writer.stats.exported >= 20)
        assert _count(influxd, database) == 20
        assert writer.stats.queued == 5
        # The last five follow once the flush interval has passed.
        await recorder.wait_for(lambda: writer.stats.exported == 25)
        assert _count(influxd, database) == 25
        stats = writer.stats
        assert (stats.retried, stats.dropped, stats.state) == (0, 0, ExportState.OK)


async def test_stop_writes_what_is_queued(influxd: InfluxServer) -> None:
    database = _database(influxd)
    async with running_writer(_target(influxd, database), Recorder()) as writer:
        writer.submit(_events(7))
        assert writer.stats.exported == 0
    assert writer.stats.exported == 7
    assert writer.stats.state is ExportState.STOPPED
    assert _count(influxd, database) == 7


async def test_submit_from_another_thread(influxd: InfluxServer) -> None:
    """The SQL engine hands its commits over from its writer thread."""
    database = _database(influxd)
    recorder = Recorder()
    async with running_writer(_target(influxd, database), recorder, batch_size=50) as writer:
        await asyncio.to_thread(writer.submit, _events(50))
        await recorder.wait_for(lambda: writer.stats.exported == 50)
    assert _count(influxd, database) == 50


async def test_field_type_conflict_is_refused_once_and_logged(
    influxd: InfluxServer, caplog: pytest.LogCaptureFixture
) -> None:
    database = _database(influxd)
    # Someone else wrote `value` as a string into the same shard first.
    influxd.write(database, f'integration_reliability,integration_id=other value="text" {T0}')
    recorder = Recorder()
    async with running_writer(_target(influxd, database), recorder) as writer:
        writer.submit(_events(3, start=T0 + 10))
    stats = writer.stats
    # A 400 is not retried: every point conflicts, all three are dropped.
    assert (stats.exported, stats.dropped, stats.retried) == (0, 3, 0)
    assert recorder.problems == []
    assert "field type conflict" in caplog.text
    assert "first failing line: integration_reliability," in caplog.text
    assert "entity_id=sensor.s0" in caplog.text


async def test_malformed_line_names_the_line(
    influxd: InfluxServer, caplog: pytest.LogCaptureFixture
) -> None:
    database = _database(influxd)
    good = f"integration_reliability,integration_id=ok value=1i {T0}"
    bad = f"integration_reliability,integration_id=bad value=1i,value {T0}"

    async def _encode(items: object) -> object:
        from custom_components.integration_reliability.export.points import EncodedBatch

        return EncodedBatch({None: [good, bad]}, 2)

    async with running_writer(_target(influxd, database), Recorder(), encode=_encode) as writer:
        writer.submit(_events(1))
    assert (writer.stats.exported, writer.stats.dropped, writer.stats.retried) == (1, 1, 0)
    assert f"first failing line: {bad}" in caplog.text


async def test_no_write_permission_raises_a_problem_until_granted(influxd: InfluxServer) -> None:
    database = _database(influxd)
    influxd.query("CREATE USER only_reads WITH PASSWORD 'reader-password'")
    influxd.query(f'GRANT READ ON "{database}" TO only_reads')
    recorder = Recorder()
    async with running_writer(
        _target(influxd, database, ("only_reads", "reader-password")),
        recorder,
        flush_interval=0.05,
        first_retry=0.05,
        max_backoff=0.1,
    ) as writer:
        writer.submit(_events(4))
        await recorder.wait_for(lambda: bool(recorder.problems))
        assert recorder.problems[0][0] is ExportProblem.UNAUTHORIZED
        assert "not authorized to write" in recorder.problems[0][1]
        assert writer.stats.state is ExportState.UNAUTHORIZED
        # Fixing it on the server resumes the export: nothing was lost.
        influxd.query(f'GRANT WRITE ON "{database}" TO only_reads')
        await recorder.wait_for(lambda: writer.stats.exported == 4)
        assert recorder.cleared == 1
        assert writer.stats.state is ExportState.OK
        assert writer.stats.retried >= 1
    assert _count(influxd, database) == 4
    assert len(recorder.problems) == 1


async def test_wrong_password_is_unauthorized(influxd: InfluxServer) -> None:
    database = _database(influxd)
    recorder = Recorder()
    async with running_writer(
        _target(influxd, database, ("admin", "wrong")),
        recorder,
        flush_interval=0.05,
        first_retry=0.05,
    ) as writer:
        writer.submit(_events(1))
        await recorder.wait_for(lambda: bool(recorder.problems))
    assert recorder.problems == [(ExportProblem.UNAUTHORIZED, "authorization failed")]
    # Never accepted: counted as dropped when the export stopped.
    assert writer.stats.dropped == 1


async def test_missing_database_is_created_when_allowed(influxd: InfluxServer) -> None:
    database = _database(influxd, create=False)
    recorder = Recorder()

    async with running_writer(_target(influxd, database), recorder) as writer:
        client = writer._client  # the writer's own client prepares the server
        writer._prepare = lambda: client.provision(TIERS)
        writer._prepared = False
        writer.submit(_events(2))
    assert writer.stats.exported == 2
    policies = {
        row[0]: (row[1], row[2], row[3], row[4])
        for row in influxd.query(f'SHOW RETENTION POLICIES ON "{database}"')[0]["values"]
    }
    assert policies["raw_data_policy"] == ("8760h0m0s", "168h0m0s", 1, False)
    assert policies["hourly_summary_policy"] == ("17520h0m0s", "720h0m0s", 1, False)
    assert policies["daily_summary_policy"] == ("61320h0m0s", "2160h0m0s", 1, False)
    # The database's default policy is left alone.
    assert policies["autogen"][3] is True


async def test_provision_is_idempotent_and_keeps_changed_policies(influxd: InfluxServer) -> None:
    import aiohttp

    database = _database(influxd)
    influxd.query(
        f'CREATE RETENTION POLICY "raw_data_policy" ON "{database}" DURATION 30d REPLICATION 1'
    )
    async with aiohttp.ClientSession() as session:
        client = InfluxClient(session, _target(influxd, database))
        created = await client.provision(TIERS)
        assert created == [
            "retention policy hourly_summary_policy",
            "retention policy daily_summary_policy",
        ]
        assert await client.provision(TIERS) == []
    policies = {
        row[0]: row[1]
        for row in influxd.query(f'SHOW RETENTION POLICIES ON "{database}"')[0]["values"]
    }
    assert policies["raw_data_policy"] == "720h0m0s"


async def test_missing_database_without_creation_is_not_found(influxd: InfluxServer) -> None:
    database = _database(influxd, create=False)
    recorder = Recorder()
    async with running_writer(
        _target(influxd, database), recorder, flush_interval=0.05, first_retry=0.05
    ) as writer:
        writer.submit(_events(1))
        await recorder.wait_for(lambda: bool(recorder.problems))
    assert recorder.problems[0][0] is ExportProblem.NOT_FOUND
    assert "database not found" in recorder.problems[0][1]


async def test_missing_retention_policy_is_not_found(influxd: InfluxServer) -> None:
    database = _database(influxd)
    recorder = Recorder()
    async with running_writer(
        _target(influxd, database),
        recorder,
        encode=encoder(retention_policy="no_such_policy"),
        flush_interval=0.05,
        first_retry=0.05,
    ) as writer:
        writer.submit(_events(1))
        await recorder.wait_for(lambda: bool(recorder.problems))
    assert recorder.problems[0] == (
        ExportProblem.NOT_FOUND,
        "retention policy not found: no_such_policy",
    )


async def test_queue_overflow_is_counted_and_logged_once(
    influxd: InfluxServer, caplog: pytest.LogCaptureFixture
) -> None:
    database = _database(influxd)
    caplog.set_level(logging.WARNING)
    async with running_writer(
        _target(influxd, database), Recorder(), queue_size=10, batch_size=100
    ) as writer:
        writer.submit(_events(15))
        writer.submit(_events(5, start=T0 + 100))
        assert writer.stats.dropped == 10
        assert writer.stats.queued == 10
    assert _count(influxd, database) == 10
    assert caplog.text.count("InfluxDB export queue is full") == 1
