"""The exporter when its server dies, hangs or comes back (a private influxd)."""

from __future__ import annotations

import asyncio
from collections.abc import Generator

import pytest

from custom_components.integration_reliability.export.client import ApiVersion, InfluxTarget
from custom_components.integration_reliability.export.writer import ExportState
from custom_components.integration_reliability.store.records import EventRecord, EventType

from .helpers import Recorder, running_writer
from .influxd import InfluxServer, loopback_sockets

T0 = 1_760_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Generator[InfluxServer]:
    """An influxd of this module's own: these tests kill and freeze it."""
    with loopback_sockets():
        influx = InfluxServer(tmp_path_factory.mktemp("influxd-faults"), auth=False)
        influx.start()
    yield influx
    influx.stop()


def _events(count: int, start: int) -> list[EventRecord]:
    return [
        EventRecord("entry1", "zha", EventType.UNAVAILABLE, start + i, f"sensor.s{i % 50}")
        for i in range(count)
    ]


def _count(server: InfluxServer, database: str) -> int:
    series = server.query("SELECT count(value) FROM integration_reliability", database)
    return int(series[0]["values"][0][1]) if series else 0


async def test_killed_mid_stream_and_restarted_loses_nothing(server: InfluxServer) -> None:
    server.query('CREATE DATABASE "killed"')
    target = InfluxTarget(url=server.url, api_version=ApiVersion.V1, database="killed")
    recorder = Recorder()
    async with running_writer(
        target,
        recorder,
        batch_size=200,
        flush_interval=0.05,
        first_retry=0.05,
        max_backoff=0.2,
        queue_size=20_000,
    ) as writer:
        writer.submit(_events(10_000, T0))
        # Kill it while the stream of batches is being written.
        await recorder.wait_for(lambda: writer.stats.exported > 0)
        server.kill()
        writer.submit(_events(2_000, T0 + 100_000))
        await recorder.wait_for(lambda: writer.stats.retried >= 3)
        assert writer.stats.state is ExportState.RETRYING
        assert writer.stats.exported < 12_000
        await asyncio.to_thread(server.start)
        await recorder.wait_for(lambda: writer.stats.exported == 12_000)
        assert writer.stats.state is ExportState.OK
    assert writer.stats.dropped == 0
    # A batch whose answer was lost is written again: the same points, no duplicates.
    assert _count(server, "killed") == 12_000


async def test_hung_server_is_detected_by_the_timeout(server: InfluxServer) -> None:
    server.query('CREATE DATABASE "hung"')
    target = InfluxTarget(url=server.url, api_version=ApiVersion.V1, database="hung")
    recorder = Recorder()
    async with running_writer(
        target,
        recorder,
        request_timeout=0.3,
        batch_size=10,
        flush_interval=0.05,
        first_retry=0.05,
        max_backoff=0.1,
    ) as writer:
        server.freeze()
        try:
            writer.submit(_events(30, T0 + 200_000))
            await recorder.wait_for(lambda: writer.stats.retried >= 2)
            assert writer.stats.last_error == "no answer within 0.3 s"
            assert writer.stats.state is ExportState.RETRYING
            assert writer.stats.exported == 0
        finally:
            server.thaw()
        await recorder.wait_for(lambda: writer.stats.exported == 30)
    assert _count(server, "hung") == 30


async def test_down_at_stop_counts_what_is_left(server: InfluxServer) -> None:
    target = InfluxTarget(url="http://127.0.0.1:9", api_version=ApiVersion.V1, database="x")
    recorder = Recorder()
    async with running_writer(
        target, recorder, flush_interval=0.05, first_retry=0.05, stop_budget=0.2
    ) as writer:
        writer.submit(_events(5, T0))
        await recorder.wait_for(lambda: writer.stats.retried >= 1)
    assert writer.stats.dropped == 5
    assert writer.stats.exported == 0
