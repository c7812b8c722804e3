"""Fixtures of the export tests: one shared influxd for the session."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from .influxd import InfluxServer, loopback_sockets


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """The export tests talk to servers on 127.0.0.1 (still the only host allowed)."""


@pytest.fixture(scope="session")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Generator[InfluxServer]:
    """An influxd with authentication on, shared by the tests that only write and read."""
    with loopback_sockets():
        server = InfluxServer(tmp_path_factory.mktemp("influxd"))
        server.start()
    yield server
    server.stop()
