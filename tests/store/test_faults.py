"""Fault drills on real servers: killed, hung, restarted, full, a lost commit acknowledgement.

PostgreSQL and MariaDB run as private servers of this test session (see
tests/servers.py); SQLite is a real file. Every drill checks the engine's
account, `received = committed + dropped + spilled + queued`, against the
rows really in the database, and that the health the sensors and
diagnostics read (`stats`, the incident) showed the trouble while it lasted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib
import os
from pathlib import Path
import socket
import sqlite3
import threading
import time
from typing import Any
import uuid

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine, make_url

from custom_components.integration_reliability.store.core import (
    DatabaseState,
    ReliabilityStore,
    StoreProblem,
)
from custom_components.integration_reliability.store.journal import Journal, JournalBatch
from custom_components.integration_reliability.store.records import (
    EventRecord,
    TrackedEntityRecord,
)
from custom_components.integration_reliability.store.util import DatabaseTimeouts

from .conftest import PrivateDatabase, RecordingListener
from .helpers import count_events, event, expected_rows, view_rows

type MakeStore = Callable[..., ReliabilityStore]

# Short bounded waits, so a drill takes seconds; production detects within 30 s.
FAST_TIMEOUTS = DatabaseTimeouts(
    connect=2,
    statement=2,
    keepalive_idle=1,
    keepalive_interval=1,
    keepalive_count=2,
    watchdog=1.5,
    busy=0.2,
)
FAST: dict[str, Any] = {
    "timeouts": FAST_TIMEOUTS,
    "retry_wait": 0.05,
    "max_retry_wait": 0.3,
    "failing_after": 1.0,
    "commit_interval": 0.05,
    "batch_size": 100,
}


def _account(store: ReliabilityStore) -> None:
    stats = store.stats
    assert stats.received_records == (
        stats.committed_records + stats.dropped_records + stats.spilled_records + stats.queue_depth
    ), stats


async def _stored(store: ReliabilityStore) -> int:
    return await count_events(store)


async def test_server_killed_and_restarted_mid_stream(
    make_store: MakeStore, private_db: PrivateDatabase, listener: RecordingListener
) -> None:
    store = make_store(private_db.url, listener=listener, **FAST)
    store.start()
    await store.async_wait_ready()
    records = [event(i) for i in range(1500)]
    for rec in records[:500]:
        store.record(rec)
    await store.async_flush()

    private_db.server.kill()
    for rec in records[500:]:
        assert store.record(rec)
    await listener.wait_for(lambda: store.stats.state is DatabaseState.FAILING)
    # What the sensors and diagnostics showed during the outage.
    stats = store.stats
    assert stats.queue_depth == 1000
    assert stats.dropped_records == 0
    assert stats.last_error
    assert stats.incident is not None
    assert stats.incident.ended_at is None
    assert stats.incident.queued == 1000
    _account(store)

    private_db.server.start()
    await listener.wait_for(lambda: listener.incidents[-1].ended_at is not None)
    await store.async_flush()
    assert store.stats.state is DatabaseState.OK
    assert await store.async_run(view_rows) == expected_rows(records)
    assert store.stats.committed_records == 1500
    _account(store)


async def test_hung_server_is_detected_and_handled_like_a_lost_one(
    make_store: MakeStore, private_db: PrivateDatabase, listener: RecordingListener
) -> None:
    store = make_store(private_db.url, listener=listener, **FAST)
    store.start()
    await store.async_wait_ready()
    records = [event(i) for i in range(600)]
    for rec in records[:100]:
        store.record(rec)
    await store.async_flush()

    frozen = private_db.server.hang()
    try:
        hung_at = time.monotonic()
        for rec in records[100:]:
            store.record(rec)
        await listener.wait_for(lambda: bool(listener.incidents))
        detected_after = time.monotonic() - hung_at
        # The watchdog / read timeout, not TCP: the frozen server still acknowledges.
        assert detected_after < 3 * FAST_TIMEOUTS.watchdog + FAST["commit_interval"]
        assert store.stats.state in (DatabaseState.RETRYING, DatabaseState.FAILING)
        assert store.stats.queue_depth == 500
        _account(store)
    finally:
        private_db.server.resume(frozen)
    await listener.wait_for(lambda: listener.incidents[-1].ended_at is not None)
    await store.async_flush()
    assert await store.async_run(view_rows) == expected_rows(records)
    assert store.stats.dropped_records == 0
    _account(store)


async def test_stop_during_outage_spills_then_next_start_replays_first(
    make_store: MakeStore,
    private_db: PrivateDatabase,
    listener: RecordingListener,
    tmp_path: Path,
) -> None:
    journal = str(tmp_path / "integration_reliability.journal")
    store = make_store(
        private_db.url, listener=listener, journal_path=journal, shutdown_budget=0.5, **FAST
    )
    store.start()
    await store.async_wait_ready()
    before = [event(i) for i in range(50)]
    for rec in before:
        store.record(rec)
    await store.async_flush()
    private_db.server.kill()
    during = [event(i) for i in range(50, 350)]
    for rec in during:
        store.record(rec)
    await listener.wait_for(lambda: bool(listener.incidents))
    started = time.monotonic()
    await store.async_stop()
    assert time.monotonic() - started < 0.5 + 2 * FAST_TIMEOUTS.watchdog
    stats = store.stats
    assert stats.state is DatabaseState.SPILLED
    assert (stats.spilled_records, stats.dropped_records, stats.queue_depth) == (300, 0, 0)
    assert listener.incidents[-1].spilled == 300
    _account(store)
    assert os.path.getsize(journal) > 0

    private_db.server.start()
    after = [event(i) for i in range(350, 360)]
    second = make_store(private_db.url, journal_path=journal, **FAST)
    # Accepted while the engine starts: written after the replay.
    for rec in after:
        second.record(rec)
    second.start()
    await second.async_wait_ready()
    await second.async_flush()
    assert await second.async_run(view_rows) == expected_rows(before + during + after)
    assert second.stats.replayed_records == 300
    assert not os.path.exists(journal)
    _account(second)


def _spilled_journal(path: str, records: list[EventRecord], per_batch: int) -> Journal:
    """A journal as a stop during an outage leaves it."""
    journal = Journal(path)
    journal.append(
        JournalBatch(uuid.uuid4().hex, records[i : i + per_batch])
        for i in range(0, len(records), per_batch)
    )
    return journal


async def test_journal_replayed_twice_writes_nothing_twice(
    make_store: MakeStore, sqlite_db_url: str, tmp_path: Path
) -> None:
    """A crash after the replay's commit but before the journal was removed."""
    records = [event(i) for i in range(30)]
    journal = _spilled_journal(str(tmp_path / "j.journal"), records, 10)
    copy = Path(journal.path).read_bytes()

    first = make_store(sqlite_db_url, journal_path=journal.path)
    first.start()
    await first.async_wait_ready()
    await first.async_flush()
    assert first.stats.replayed_records == 30
    assert not os.path.exists(journal.path)
    await first.async_stop()

    Path(journal.path).write_bytes(copy)
    second = make_store(sqlite_db_url, journal_path=journal.path)
    second.start()
    await second.async_wait_ready()
    await second.async_flush()
    assert await second.async_run(view_rows) == expected_rows(records)
    assert second.stats.replayed_records == 0
    assert not os.path.exists(journal.path)


async def test_damaged_journal_is_reported_and_skipped(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener, tmp_path: Path
) -> None:
    records = [event(i) for i in range(30)]
    journal = _spilled_journal(str(tmp_path / "j.journal"), records, 10)
    data = Path(journal.path).read_bytes()
    Path(journal.path).write_bytes(data[:-7])  # the last frame is cut short

    store = make_store(sqlite_db_url, listener=listener, journal_path=journal.path)
    store.start()
    await store.async_wait_ready()
    await store.async_flush()
    assert [p for p, _ in listener.problems] == [StoreProblem.JOURNAL_DAMAGED]
    details = listener.problems[0][1]
    assert "truncated" in details["damage"]
    assert details["replayed"] == "20"
    assert os.path.exists(details["moved_to"])
    assert not os.path.exists(journal.path)
    assert store.stats.running
    assert await store.async_run(view_rows) == expected_rows(records[:20])


async def test_unreadable_journal_is_reported_never_fatal(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener, tmp_path: Path
) -> None:
    path = tmp_path / "j.journal"
    path.write_bytes(os.urandom(512))
    store = make_store(sqlite_db_url, listener=listener, journal_path=str(path))
    store.start()
    await store.async_wait_ready()
    store.record(event(1))
    await store.async_flush()
    assert [p for p, _ in listener.problems] == [StoreProblem.JOURNAL_DAMAGED]
    assert "not a journal" in listener.problems[0][1]["damage"]
    assert await count_events(store) == 1


class _CommitAckDropper:
    """A TCP proxy that lets one COMMIT reach the server and drops the answer.

    The server commits; the client sees its connection die without the
    acknowledgement, exactly as when a network fails at the worst moment.
    """

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.armed = False
        self.fired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._spawn(self._accept)

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self._upstream))
            self._sockets += [client, server]
            state = {"commit_sent": False}
            self._spawn(self._to_server, client, server, state)
            self._spawn(self._to_client, server, client, state)

    def _to_server(
        self, client: socket.socket, server: socket.socket, state: dict[str, bool]
    ) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                if self.armed and b"COMMIT" in data:
                    self.armed = False
                    state["commit_sent"] = True
                server.sendall(data)

    def _to_client(
        self, server: socket.socket, client: socket.socket, state: dict[str, bool]
    ) -> None:
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                if state["commit_sent"]:
                    # Committed by the server; the acknowledgement never arrives.
                    self.fired.set()
                    for sock in (client, server):
                        with contextlib.suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)
                    return
                client.sendall(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(5)


@pytest.fixture
def ack_dropper(private_db: PrivateDatabase) -> Iterator[_CommitAckDropper]:
    proxy = _CommitAckDropper(make_url(private_db.url).port or 0)
    yield proxy
    proxy.close()


async def test_lost_commit_acknowledgement_writes_nothing_twice(
    make_store: MakeStore,
    private_db: PrivateDatabase,
    ack_dropper: _CommitAckDropper,
    listener: RecordingListener,
) -> None:
    url = make_url(private_db.url).set(port=ack_dropper.port).render_as_string(hide_password=False)
    store = make_store(url, listener=listener, **{**FAST, "commit_interval": 3600})
    store.start()
    await store.async_wait_ready()
    records = [event(i) for i in range(100)]
    ack_dropper.armed = True
    for rec in records:
        store.record(rec)
    await store.async_flush()

    assert ack_dropper.fired.is_set()
    assert listener.incidents  # the lost acknowledgement was a failed attempt
    assert await store.async_run(view_rows) == expected_rows(records)
    stats = store.stats
    assert (stats.committed_records, stats.dropped_records) == (100, 0)
    _account(store)


@pytest.fixture
def small_disk() -> Iterator[dict[str, int]]:
    """SQLite's own size limit on every connection: a disk of `pages` pages."""
    disk = {"pages": 1_000_000}

    def _limit(_conn: Any, cursor: Any, *_: Any) -> None:
        if isinstance(cursor.connection, sqlite3.Connection):
            cursor.connection.execute(f"PRAGMA max_page_count = {disk['pages']}")

    sa_event.listen(Engine, "before_cursor_execute", _limit)
    yield disk
    sa_event.remove(Engine, "before_cursor_execute", _limit)


async def test_disk_full_keeps_records_queued_until_there_is_room(
    make_store: MakeStore,
    sqlite_db_url: str,
    listener: RecordingListener,
    small_disk: dict[str, int],
) -> None:
    store = make_store(sqlite_db_url, listener=listener, **FAST)
    store.start()
    await store.async_wait_ready()
    pages = await store.async_run(
        lambda s: int(s.connection().exec_driver_sql("PRAGMA page_count").scalar_one())
    )
    small_disk["pages"] = pages + 2
    records = [event(i, details={"pad": "x" * 200}) for i in range(2000)]
    for rec in records:
        store.record(rec)
    await listener.wait_for(lambda: store.stats.state is DatabaseState.FAILING)
    stats = store.stats
    assert stats.last_error is not None
    assert "full" in stats.last_error
    assert stats.queue_depth > 0
    assert stats.dropped_records == 0
    assert stats.incident is not None
    assert stats.incident.ended_at is None
    _account(store)

    small_disk["pages"] = 1_000_000
    await listener.wait_for(lambda: listener.incidents[-1].ended_at is not None)
    await store.async_flush()
    assert await _stored(store) == 2000
    assert await store.async_run(view_rows) == expected_rows(records)
    _account(store)


async def test_overflow_refuses_new_records_counts_them_and_raises_an_incident(
    make_store: MakeStore, sqlite_db_url: str, listener: RecordingListener
) -> None:
    store = make_store(sqlite_db_url, listener=listener, queue_size=50, **FAST)
    store.start()
    await store.async_wait_ready()
    path = make_url(sqlite_db_url).database
    assert path is not None
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    records = [event(i) for i in range(80)]
    try:
        accepted = [store.record(rec) for rec in records]
        assert accepted == [True] * 50 + [False] * 30
        assert store.stats.incident is not None
        assert store.stats.incident.overflow
        assert store.stats.incident.dropped == 30
        _account(store)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await listener.wait_for(lambda: listener.incidents[-1].ended_at is not None)
    await store.async_flush()
    assert await store.async_run(view_rows) == expected_rows(records[:50])
    stats = store.stats
    assert (stats.received_records, stats.committed_records, stats.dropped_records) == (80, 50, 30)
    assert listener.incidents[-1].dropped == 30


async def test_queue_is_bounded_by_bytes_too(make_store: MakeStore, sqlite_db_url: str) -> None:
    store = make_store(sqlite_db_url, queue_bytes=64 * 1024)
    # Not started: nothing leaves the queue.
    big = {"text": "x" * 1000}
    accepted = [store.record(event(i, details=big)) for i in range(100)]
    assert 0 < sum(accepted) < 100
    assert accepted == sorted(accepted, reverse=True)  # only the newest are refused
    stats = store.stats
    assert stats.queue_bytes <= 64 * 1024
    assert stats.dropped_records == 100 - sum(accepted)


def test_journal_round_trip_and_size_bound(tmp_path: Path) -> None:
    journal = Journal(str(tmp_path / "j"), max_bytes=2000)
    entity = TrackedEntityRecord("sensor.a", "e1", "zha", "zha", device_name="Kitchen")
    batches = [JournalBatch(f"{i:032x}", [event(i)], [entity]) for i in range(20)]
    written = journal.append(batches)
    assert 0 < written < 40
    contents = journal.read()
    assert contents.damage is None
    assert sum(b.records for b in contents.batches) == written
    assert contents.batches[0] == batches[0]
    assert os.path.getsize(journal.path) <= 2000
