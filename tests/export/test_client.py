"""How answers map to the exporter's error kinds, and the edges of the writer."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
from aiohttp import web
from homeassistant.core import HomeAssistant
import pytest

from custom_components.integration_reliability.export.client import (
    InfluxAuthError,
    InfluxBadRequestError,
    InfluxClient,
    InfluxNotFoundError,
    InfluxTarget,
    InfluxTlsError,
    InfluxUnreachableError,
    raise_for_status,
)
from custom_components.integration_reliability.export.manager import (
    _integration_name,
    async_test_connection,
)
from custom_components.integration_reliability.export.points import (
    EncodedBatch,
    ExportItem,
    event_line,
)
from custom_components.integration_reliability.export.writer import (
    ExportProblem,
    first_failing_line,
)
from custom_components.integration_reliability.settings import InfluxSettings
from custom_components.integration_reliability.store.records import EventRecord, EventType

from .helpers import Recorder, running_writer
from .influxd import ADMIN, InfluxServer


def test_answers_map_to_error_kinds() -> None:
    raise_for_status(204, "")
    with pytest.raises(InfluxBadRequestError) as bad:
        raise_for_status(400, '{"error":"partial write: x dropped=3"}')
    assert bad.value.dropped == 3
    with pytest.raises(InfluxAuthError):
        raise_for_status(401, '{"message":"unauthorized access"}')
    with pytest.raises(InfluxNotFoundError):
        raise_for_status(500, '{"error":"retention policy not found: x"}')
    with pytest.raises(InfluxUnreachableError) as busy:
        raise_for_status(503, "overloaded", "7")
    assert (busy.value.message, busy.value.retry_after) == ("overloaded", 7.0)
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    with pytest.raises(InfluxUnreachableError) as limited:
        raise_for_status(429, "[1]", soon)
    assert limited.value.message == "[1]"
    assert limited.value.retry_after is not None
    assert 0 < limited.value.retry_after <= 60
    with pytest.raises(InfluxUnreachableError) as unparsable:
        raise_for_status(429, "", "soon")
    assert unparsable.value.retry_after is None
    assert unparsable.value.message == "HTTP 429"
    # Anything else is not worth retrying.
    with pytest.raises(InfluxBadRequestError):
        raise_for_status(405, "method not allowed")


def test_first_failing_line_edges() -> None:
    lines = [
        "other,a=1 value=1i 1",
        "m,area=Living\\ room value=1i 2",
        "m,area=Living\\ room\\ 2 count=1i,value=1i 3",
    ]
    message = 'partial write: field type conflict: input field "value" on measurement "m"'
    assert first_failing_line(lines, message) == lines[1]
    assert first_failing_line(lines, 'input field "count" on measurement "m"') == lines[2]
    assert first_failing_line([], "anything") == ""


def test_field_types_stay_put() -> None:
    rec = EventRecord(
        "e", "d", EventType.BLIP, 1.5, None, {"count": 3.0, "attempts": True, "duration_s": "x"}
    )
    assert event_line(rec, None, None) == (
        "integration_reliability,event_type=blip,integration_domain=d,integration_id=e"
        " value=1i,count=3i 1"
    )


@pytest.fixture
async def answering() -> AsyncGenerator[tuple[list[web.Response], str]]:
    """An HTTP server answering with the queued responses (204 when none is left)."""
    answers: list[web.Response] = []

    async def handle(_: web.Request) -> web.Response:
        return answers.pop(0) if answers else web.Response(status=204)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield answers, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_client_edges(
    answering: tuple[list[web.Response], str], influxd: InfluxServer
) -> None:
    answers, url = answering
    async with aiohttp.ClientSession() as session:
        client = InfluxClient(session, InfluxTarget(url=url, database="d"))
        answers.append(web.Response(status=404, text="404 page not found"))
        with pytest.raises(InfluxUnreachableError, match="no InfluxDB at this URL"):
            await client.ping()
        answers.append(web.Response(status=200, text="<html>"))
        with pytest.raises(InfluxBadRequestError, match="not an InfluxQL answer"):
            await client.query("SHOW DATABASES")
        tls = InfluxClient(session, InfluxTarget(url=url.replace("http:", "https:")))
        with pytest.raises(InfluxTlsError):
            await tls.ping()
        real = InfluxClient(
            session,
            InfluxTarget(url=influxd.url, database="d", username=ADMIN[0], password=ADMIN[1]),
        )
        with pytest.raises(InfluxBadRequestError, match="database not found"):
            await real.query('SHOW RETENTION POLICIES ON "no_such_database"')


async def test_writer_edges(answering: tuple[list[web.Response], str]) -> None:
    _, url = answering
    target = InfluxTarget(url=url, database="d")
    rec = EventRecord("e", "d", EventType.RELOAD, 1.0)

    async def broken(_: Sequence[ExportItem]) -> EncodedBatch:
        raise RuntimeError("encoder bug")

    async with running_writer(target, Recorder(), encode=broken) as writer:
        writer.submit([rec, rec])
    # A bug drops its batch, counted; the writer goes on.
    assert (writer.stats.exported, writer.stats.dropped) == (0, 2)

    async def refused() -> None:
        raise InfluxBadRequestError("error authorizing query: create database", 400, None)

    recorder = Recorder()
    async with running_writer(
        target, recorder, prepare=refused, flush_interval=0.05, first_retry=0.05
    ) as writer:
        writer.submit([rec])
        await recorder.wait_for(lambda: bool(recorder.problems))
    assert recorder.problems[0][0] is ExportProblem.NOT_FOUND


async def test_connection_test_api_v2(
    hass: HomeAssistant, answering: tuple[list[web.Response], str]
) -> None:
    answers, url = answering
    settings = InfluxSettings(
        enabled=True, url=url, api_version="2", org="o", bucket="b", token="t"
    )
    assert await async_test_connection(hass, settings) is None
    answers.extend([web.Response(status=204), web.Response(status=404, text="bucket not found")])
    assert await async_test_connection(hass, settings) == "influxdb_bucket_not_found"
    answers.extend([web.Response(status=204), web.Response(status=400, text="bad")])
    assert await async_test_connection(hass, settings) == "influxdb_unexpected_answer"
    tls = InfluxSettings(enabled=True, url=url.replace("http:", "https:"), database="d")
    assert await async_test_connection(hass, tls) == "influxdb_tls_error"
    broken = InfluxSettings(enabled=True, url="http://[::1", database="d")
    assert await async_test_connection(hass, broken) == "influxdb_invalid_url"


async def test_name_of_an_integration_that_is_not_loaded(hass: HomeAssistant) -> None:
    assert _integration_name(hass, "not_loaded", "not_loaded") is None
