"""Fixtures for the storage engine tests: no `hass`, real database backends.

`db_url` runs a test on SQLite, PostgreSQL and MariaDB (an isolated database
per test, dropped afterwards); `sqlite_db_url` is a SQLite file in tmp_path.
A server that is not reachable skips its variant, except on CI
(`CI=true`), where that is a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from custom_components.integration_reliability.store.core import (
    Incident,
    ReliabilityStore,
    StoreProblem,
)
from custom_components.integration_reliability.store.util import normalize_db_url, sqlite_url
from tests.servers import PrivateServer, private_server

POSTGRESQL_URL = os.environ.get(
    "IR_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get("IR_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/test")
BACKENDS = ["sqlite", "postgresql", "mariadb"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the root autouse fixture: engine tests run without `hass`."""


def _unreachable(backend: str, err: Exception) -> None:
    reason = f"{backend} server not reachable ({err.__class__.__name__}: {err})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must provide it")
    pytest.skip(reason)


def _isolated_database(server_url: str, backend: str) -> Iterator[str]:
    """Create database ir_test_<random> on the server, yield its URL, drop it."""
    admin_url = normalize_db_url(server_url)
    name = f"ir_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except SQLAlchemyError as err:
        engine.dispose()
        _unreachable(backend, err)
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        # A drill may have restarted the server: no pooled connection survives that.
        engine.dispose()
        with engine.connect() as conn:
            if backend == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()


@pytest.fixture
def sqlite_db_url(tmp_path: os.PathLike[str]) -> str:
    """A SQLite file URL in the test's temporary directory."""
    return sqlite_url(os.path.join(tmp_path, "integration_reliability.db"))


@pytest.fixture
def postgresql_db_url(socket_enabled: None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test (real TCP allowed)."""
    yield from _isolated_database(POSTGRESQL_URL, "postgresql")


@pytest.fixture
def mariadb_db_url(socket_enabled: None) -> Iterator[str]:
    """A fresh, empty MariaDB database for this test (real TCP allowed)."""
    yield from _isolated_database(MARIADB_URL, "mariadb")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database on each backend in turn."""
    url: str = request.getfixturevalue(f"{request.param}_db_url")
    return url


@pytest.fixture(scope="session")
def private_postgresql() -> Iterator[PrivateServer]:
    """A PostgreSQL server of the test session's own, to kill and hang."""
    with private_server("postgresql") as server:
        yield server


@pytest.fixture(scope="session")
def private_mariadb() -> Iterator[PrivateServer]:
    """A MariaDB server of the test session's own, to kill and hang."""
    with private_server("mariadb") as server:
        yield server


@pytest.fixture(params=["postgresql", "mariadb"])
def private_db(request: pytest.FixtureRequest, socket_enabled: None) -> Iterator[PrivateDatabase]:
    """An empty database on a private server of each network backend in turn."""
    server: PrivateServer = request.getfixturevalue(f"private_{request.param}")
    for url in _isolated_database(server.url, request.param):
        yield PrivateDatabase(server, url)


class PrivateDatabase:
    """A database on a private server: the URL, and the server to break."""

    def __init__(self, server: PrivateServer, url: str) -> None:
        self.server = server
        self.url = url


class RecordingListener:
    """A StoreListener that records calls and lets tests await them."""

    def __init__(self) -> None:
        self.problems: list[tuple[StoreProblem, dict[str, str]]] = []
        self.cleared: list[StoreProblem] = []
        self.committed: list[int] = []
        self.incidents: list[Incident] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()
        self._waiters: list[
            tuple[Callable[[], bool], asyncio.AbstractEventLoop, asyncio.Future[None]]
        ] = []

    def _changed(self) -> None:
        with self._lock:
            self.threads.add(threading.current_thread().name)
            waiters = self._waiters
            self._waiters = []
            for waiter in waiters:
                condition, loop, future = waiter
                if condition():
                    loop.call_soon_threadsafe(lambda f=future: f.done() or f.set_result(None))
                else:
                    self._waiters.append(waiter)

    def on_problem(self, problem: StoreProblem, details: dict[str, str]) -> None:
        self.problems.append((problem, details))
        self._changed()

    def on_problem_cleared(self, problem: StoreProblem) -> None:
        self.cleared.append(problem)
        self._changed()

    def on_committed(self, records: int) -> None:
        self.committed.append(records)
        self._changed()

    def on_incident(self, incident: Incident) -> None:
        self.incidents.append(incident)
        self._changed()

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        """Wait (bounded) until condition() holds after a listener call."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if condition():
                return
            self._waiters.append((condition, loop, future))
        async with asyncio.timeout(30):
            await future


@pytest.fixture
def listener() -> RecordingListener:
    """A listener recording the engine's notifications."""
    return RecordingListener()


@pytest.fixture
async def make_store() -> AsyncIterator[Callable[..., ReliabilityStore]]:
    """Build stores that are always stopped at the end of the test."""
    stores: list[ReliabilityStore] = []

    def _make(url: str, **kwargs: object) -> ReliabilityStore:
        store = ReliabilityStore(url, **kwargs)  # type: ignore[arg-type]
        stores.append(store)
        return store

    yield _make
    for store in stores:
        await store.async_stop()
