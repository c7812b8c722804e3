"""API v2 wire format: exact requests on a local HTTP server, and a real v2 endpoint.

The real endpoint is VictoriaMetrics (Debian's `victoria-metrics`), which
accepts `/api/v2/write` and can be queried back.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
import json
import os
import shutil
import subprocess
import time
from urllib import error, parse, request

from aiohttp import web
import pytest

from custom_components.integration_reliability.export.client import ApiVersion, InfluxTarget
from custom_components.integration_reliability.export.writer import ExportProblem, ExportState
from custom_components.integration_reliability.store.records import EventRecord, EventType

from .helpers import Recorder, running_writer
from .influxd import free_port, loopback_sockets

T0 = 1_780_000_000


@dataclass
class FakeV2:
    """Records every request; answers with the queued statuses, then 204."""

    requests: list[web.Request] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    answers: list[web.Response] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)

    async def handle(self, req: web.Request) -> web.Response:
        self.arrived.append(time.monotonic())
        self.requests.append(req)
        self.bodies.append(await req.text())
        if self.answers:
            return self.answers.pop(0)
        return web.Response(status=204)


@pytest.fixture
async def fake_v2() -> AsyncGenerator[tuple[FakeV2, str]]:
    fake = FakeV2()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield fake, f"http://127.0.0.1:{port}/influx/"
    await runner.cleanup()


def _v2(url: str, **extra: str) -> InfluxTarget:
    return InfluxTarget(
        url=url,
        api_version=ApiVersion.V2,
        org="home org",
        bucket="reliability",
        token="secret-token",
        **extra,  # type: ignore[arg-type]
    )


def _event(i: int = 0) -> EventRecord:
    return EventRecord("entry1", "zha", EventType.UNAVAILABLE, T0 + i + 0.9, "sensor.a b")


async def test_exact_request(fake_v2: tuple[FakeV2, str]) -> None:
    fake, url = fake_v2
    async with running_writer(_v2(url), Recorder()) as writer:
        writer.submit([_event(0), _event(1)])
    assert writer.stats.exported == 2
    (req,) = fake.requests
    assert req.method == "POST"
    # Under the URL's path prefix (a reverse proxy).
    assert req.path == "/influx/api/v2/write"
    assert dict(req.query) == {"org": "home org", "bucket": "reliability", "precision": "s"}
    assert req.headers["Authorization"] == "Token secret-token"
    assert req.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert fake.bodies == [
        "integration_reliability,entity_id=sensor.a\\ b,event_type=unavailable,"
        f"integration_domain=zha,integration_id=entry1 value=1i,count=1i {T0}\n"
        "integration_reliability,entity_id=sensor.a\\ b,event_type=unavailable,"
        f"integration_domain=zha,integration_id=entry1 value=1i,count=1i {T0 + 1}"
    ]


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (
            401,
            '{"code":"unauthorized","message":"unauthorized access"}',
            ExportProblem.UNAUTHORIZED,
        ),
        (
            403,
            '{"code":"forbidden","message":"insufficient permissions"}',
            ExportProblem.UNAUTHORIZED,
        ),
        (
            404,
            '{"code":"not found","message":"bucket \\"reliability\\" not found"}',
            ExportProblem.NOT_FOUND,
        ),
    ],
)
async def test_refusals_raise_a_problem(
    fake_v2: tuple[FakeV2, str], status: int, body: str, problem: ExportProblem
) -> None:
    fake, url = fake_v2
    fake.answers = [web.Response(status=status, text=body, content_type="application/json")]
    recorder = Recorder()
    async with running_writer(_v2(url), recorder, flush_interval=0.05, first_retry=0.05) as writer:
        writer.submit([_event()])
        # Retried until it is accepted (the fake accepts the second request).
        await recorder.wait_for(lambda: writer.stats.exported == 1)
    assert recorder.problems == [(problem, json.loads(body)["message"])]
    assert recorder.cleared == 1


async def test_too_many_requests_waits_retry_after(fake_v2: tuple[FakeV2, str]) -> None:
    fake, url = fake_v2
    fake.answers = [
        web.Response(status=429, headers={"Retry-After": "0.3"}),
        web.Response(status=503, text="overloaded"),
    ]
    recorder = Recorder()
    async with running_writer(_v2(url), recorder, flush_interval=0.05, first_retry=0.01) as writer:
        writer.submit([_event()])
        await recorder.wait_for(lambda: writer.stats.exported == 1)
        assert writer.stats.state is ExportState.OK
    assert writer.stats.retried == 2
    assert len(fake.requests) == 3
    # The first retry waited for Retry-After, not for the (shorter) back-off.
    assert fake.arrived[1] - fake.arrived[0] >= 0.3


# ----------------------------------------------------------- VictoriaMetrics


VICTORIA = shutil.which("victoria-metrics")


@pytest.fixture(scope="module")
def victoria(tmp_path_factory: pytest.TempPathFactory) -> Generator[str]:
    if VICTORIA is None:
        if os.environ.get("CI") == "true":
            pytest.fail("victoria-metrics is missing: scripts/setup-influxdb installs it")
        pytest.skip("victoria-metrics (Debian package) is not installed")
    root = tmp_path_factory.mktemp("victoria")
    with loopback_sockets():
        port = free_port()
        process = subprocess.Popen(
            [
                VICTORIA,
                f"-httpListenAddr=127.0.0.1:{port}",
                f"-storageDataPath={root}",
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-loggerLevel=ERROR",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with request.urlopen(f"{url}/health", timeout=1):
                    break
            except (error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("victoria-metrics did not start") from None
                time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def _export_series(url: str, match: str) -> list[dict[str, object]]:
    with request.urlopen(f"{url}/internal/force_flush", timeout=10):
        pass
    query = parse.urlencode({"match[]": match})
    with request.urlopen(f"{url}/api/v1/export?{query}", timeout=10) as response:
        return [json.loads(line) for line in response.read().splitlines() if line]


async def test_victoria_metrics_accepts_the_v2_write(victoria: str) -> None:
    recorder = Recorder()
    async with running_writer(_v2(victoria), recorder) as writer:
        writer.submit([_event(0), _event(5)])
    assert (writer.stats.exported, writer.stats.dropped) == (2, 0)
    series = _export_series(victoria, '{__name__="integration_reliability_value"}')
    assert len(series) == 1
    metric = series[0]["metric"]
    assert metric == {
        # VictoriaMetrics names a series measurement_field and ignores the bucket.
        "__name__": "integration_reliability_value",
        "entity_id": "sensor.a b",
        "event_type": "unavailable",
        "integration_domain": "zha",
        "integration_id": "entry1",
    }
    # Second precision: the points are at the events' whole seconds.
    assert series[0]["timestamps"] == [T0 * 1000, (T0 + 5) * 1000]
    assert series[0]["values"] == [1, 1]
