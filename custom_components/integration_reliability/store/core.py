"""The storage engine: one writer thread, batched commits, migrations at start-up.

Modelled on Home Assistant's recorder. The event loop only appends immutable
records and tasks to a bounded queue (by count and by bytes) and never waits
for a write; the writer thread owns the connection, turns records into Core
executemany inserts and commits every `commit_interval` seconds or
`batch_size` records. A batch that cannot be written stays queued and is
retried with capped back-off for as long as it takes; only overflow drops
(new records are refused while the queue is full). Every batch carries a key
written to the ledger in its own transaction, so a retry after a lost commit
acknowledgement writes nothing twice. At stop, what cannot be written within
the shutdown budget is spilled to the journal and replayed, before anything
new, at the next start. A watchdog aborts calls to a server that stopped
answering. No Home Assistant imports.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
import json
import logging
import os
import sqlite3
import sys
import threading
import time
from typing import Any, Final, Protocol, cast
import uuid

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Table, create_engine, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InternalError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session

from .health import DatabaseState, HealthCounts, Incident, IncidentTracker, StoreStats
from .journal import DEFAULT_MAX_BYTES as JOURNAL_MAX_BYTES, Journal, JournalBatch
from .records import EventRecord, TrackedEntityRecord
from .schema import (
    Base,
    CommittedBatch,
    Domain,
    EntityRow,
    Event,
    EventTypeRow,
    Integration,
    IntegrationMetrics,
    TrackedEntity,
)
from .sinks import CommitSink, take_noted
from .tasks import StoreTask
from .util import (
    DEFAULT_TIMEOUTS,
    DatabaseTimeouts,
    analyze,
    backend_name,
    check_sqlite_file,
    connect_args_for,
    install_connection_setup,
    is_corruption_error,
    move_aside_corrupt_sqlite,
    normalize_db_url,
    redact_url,
    sqlite_path,
)
from .watchdog import Watchdog

__all__ = ["DatabaseState", "Incident", "ReliabilityStore", "StoreStats"]

_LOGGER = logging.getLogger(__name__)

MIGRATIONS_DIR: Final = os.path.join(os.path.dirname(__file__), "migrations")
# Alembic's `context` is a module-level proxy: one migration at a time per process.
_MIGRATION_LOCK = threading.Lock()

ANALYZE_MIN_ROWS: Final = 10_000
ANALYZE_EVERY_COMMITS: Final = 10_000
MAX_RETRY_WAIT_S: Final = 30.0
# Writes failing for this long turn the state from "retrying" into "failing".
FAILING_AFTER_S: Final = 60.0
# At stop, the writer keeps trying this long before it spills to the journal.
SHUTDOWN_BUDGET_S: Final = 10.0
DEFAULT_QUEUE_BYTES: Final = 64 * 1024 * 1024
BACKUP_LOCK_TIMEOUT_S: Final = 30.0
BACKUP_QUEUE_CHECK_S: Final = 1.0
# Longer than the shutdown budget plus one watchdog period.
STOP_JOIN_TIMEOUT_S: Final = 40.0
# Transient: locked, disk full, connection lost. Anything else is a bad batch.
_RETRYABLE_ERRORS = (OperationalError, InternalError)
_ANALYZED_TABLES: Final = [Event.__tablename__, IntegrationMetrics.__tablename__]
# Core Table objects: executemany inserts skip the ORM's per-object work.
_EVENTS: Final = cast(Table, Event.__table__)
_EVENT_COLUMNS: Final = (
    "integration_ref",
    "domain_ref",
    "event_type_ref",
    "entity_ref",
    "timestamp",
    "details",
    "created_at",
)
# Memory a queued record takes beyond its own strings (the record, its float,
# the deque slot); a parsed `details` mapping takes about 8x its JSON.
_EVENT_OVERHEAD: Final = sys.getsizeof(0.0) + 160
_ENTITY_OVERHEAD: Final = 400
_DETAILS_FACTOR: Final = 8
_DUMPS: Final = json.JSONEncoder(separators=(",", ":")).encode


def record_bytes(rec: EventRecord | TrackedEntityRecord) -> int:
    """Estimated memory of one queued record: the queue's byte bound counts these."""
    if isinstance(rec, EventRecord):
        size = _EVENT_OVERHEAD + len(rec.integration_id) + len(rec.entity_id or "")
        if rec.details:
            size += _DETAILS_FACTOR * len(_DUMPS(rec.details))
        return size
    texts = (rec.entity_id, rec.integration_id, rec.platform, rec.device_name, rec.area)
    return _ENTITY_OVERHEAD + sum(len(text) for text in texts if text)


def _insert_events_sql(paramstyle: str) -> str:
    """The hot path's INSERT in the driver's own parameter style.

    Rows go to the driver's executemany as plain tuples: SQLAlchemy's
    per-row parameter handling would double the cost of a batch.
    """
    marker = "?" if paramstyle == "qmark" else "%s"
    return (
        f"INSERT INTO {_EVENTS.name} ({', '.join(_EVENT_COLUMNS)})"
        f" VALUES ({', '.join([marker] * len(_EVENT_COLUMNS))})"
    )


_INTEGRATIONS: Final = cast(Table, Integration.__table__)
_DOMAINS: Final = cast(Table, Domain.__table__)
_EVENT_TYPES: Final = cast(Table, EventTypeRow.__table__)
_ENTITIES: Final = cast(Table, EntityRow.__table__)
_TRACKED: Final = cast(Table, TrackedEntity.__table__)
_BATCHES: Final = cast(Table, CommittedBatch.__table__)


class StoreProblem(StrEnum):
    """Conditions the integration surfaces to the user (as repair issues)."""

    CORRUPT_RECOVERED = "corrupt_recovered"
    SCHEMA_TOO_NEW = "schema_too_new"
    CONNECT_FAILED = "connect_failed"
    MIGRATION_FAILED = "migration_failed"
    JOURNAL_DAMAGED = "journal_damaged"


class StoreListener(Protocol):
    """Receives the engine's notifications.

    Called from the writer thread (and `on_incident` from the event loop
    when the queue overflows): implementations hop to the event loop
    themselves (e.g. `loop.call_soon_threadsafe`) and must not block.
    """

    def on_problem(self, problem: StoreProblem, details: dict[str, str]) -> None:
        """A problem occurred (details are short strings for a repair issue)."""

    def on_problem_cleared(self, problem: StoreProblem) -> None:
        """A previously reported problem went away."""

    def on_committed(self, records: int) -> None:
        """A batch of `records` events was committed."""

    def on_incident(self, incident: Incident) -> None:
        """An incident started, changed or ended (`stats` has the new state)."""


class StoreStartError(Exception):
    """The engine could not start; `problem` says why."""

    def __init__(self, problem: StoreProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


class StoreStoppedError(Exception):
    """A job was submitted to, or left in, an engine that is not running."""


@dataclass(slots=True)
class _Job:
    """An awaited function to run in the writer thread."""

    func: Callable[[Session], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


@dataclass(slots=True)
class _BackupLock:
    """Hold the database read-consistent until `unlock` is set."""

    loop: asyncio.AbstractEventLoop
    locked: asyncio.Future[None]
    unlock: threading.Event = field(default_factory=threading.Event)


@dataclass(slots=True)
class _Batch:
    """Records written in one transaction under one ledger key.

    `records` counts what the batch settles: entity updates superseded by a
    later one for the same entity are written (as that later one) with it.
    """

    key: str
    events: list[EventRecord]
    entities: dict[str, TrackedEntityRecord]
    records: int
    size: int
    # Replayed from the journal: already on disk there, never spilled again.
    from_journal: bool = False

    def as_journal(self) -> JournalBatch:
        return JournalBatch(self.key, self.events, list(self.entities.values()))


class _Stop:
    """Sentinel: write everything before it, then end the thread."""


def _new_key() -> str:
    return uuid.uuid4().hex


def _resolve(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], value: Any) -> None:
    """Set a loop future's result from the writer thread (ignores cancelled ones)."""

    def _set() -> None:
        if not future.done():
            future.set_result(value)

    loop.call_soon_threadsafe(_set)


def _reject(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], error: BaseException
) -> None:
    """Set a loop future's exception from the writer thread."""

    def _set() -> None:
        if not future.done():
            future.set_exception(error)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
        loop.call_soon_threadsafe(_set)


def _alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic configuration in code; no alembic.ini at runtime."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = Base.metadata
    return config


def _describe(err: BaseException) -> str:
    """A short, single-line error for sensors, diagnostics and repair issues."""
    cause = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    text = " ".join(str(cause).split()) or type(cause).__name__
    return text[:250]


class ReliabilityStore:
    """Recorder-style storage engine for reliability events.

    Thread model: `record`, `track_entity`, `queue_task`, `request_stop` and
    `stats` may be used from the event loop (they never block); the
    `async_*` methods must be awaited on a running loop; everything touching
    the database happens in the writer thread.
    """

    def __init__(
        self,
        url: str,
        *,
        commit_interval: float = 5.0,
        batch_size: int = 1000,
        queue_size: int = 100_000,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
        listener: StoreListener | None = None,
        retry_wait: float = 1.0,
        max_retry_wait: float = MAX_RETRY_WAIT_S,
        failing_after: float = FAILING_AFTER_S,
        shutdown_budget: float = SHUTDOWN_BUDGET_S,
        timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS,
        journal_path: str | None = None,
        journal_max_bytes: int = JOURNAL_MAX_BYTES,
    ) -> None:
        self._url = normalize_db_url(url)
        self._backend = backend_name(self._url)
        self._commit_interval = commit_interval
        self._batch_size = batch_size
        self._queue_size = queue_size
        self._queue_bytes = queue_bytes
        self._listener = listener
        self._retry_wait = retry_wait
        self._max_retry_wait = max_retry_wait
        self._failing_after = failing_after
        self._shutdown_budget = shutdown_budget
        self._timeouts = timeouts
        self._journal = Journal(journal_path, journal_max_bytes) if journal_path else None
        self._watchdog = Watchdog(timeouts.watchdog) if self._backend != "sqlite" else None

        # deque append/popleft/len are atomic under the GIL: the loop never
        # takes a lock on the hot path. `_sizes` holds the byte estimate of
        # each queued record, in the same order (the loop appends the size
        # first, so the writer always finds it).
        self._queue: deque[Any] = deque()
        self._sizes: deque[int] = deque()
        self._wakeup = threading.Event()
        self._retry_wakeup = threading.Event()
        self._stopping = False
        self._stop_deadline = float("inf")
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._ready_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._ready_lock = threading.Lock()
        self._start_error: StoreStartError | None = None
        self._backup_lock: _BackupLock | None = None
        self._incidents = IncidentTracker()
        self._sinks: tuple[CommitSink, ...] = ()

        # Counters; each is written by one thread only (loop: accepted and
        # overflow; writer: the rest), so reading them never waits.
        self._accepted = 0
        self._accepted_bytes = 0
        self._overflow_dropped = 0
        self._overflow_logged = False
        self._settled = 0
        self._settled_bytes = 0
        self._write_dropped = 0
        self._committed = 0
        self._spilled = 0
        self._replayed = 0
        self._last_commit: float | None = None
        self._schema_version: int | None = None
        self._running = False
        self._state: DatabaseState | None = None
        self._last_error: str | None = None
        self._last_error_at: float | None = None
        self._failing_since: float | None = None

        # Writer-thread state.
        self._engine: Engine | None = None
        self._session: Session | None = None
        self._batch: list[EventRecord] = []
        self._entities: dict[str, TrackedEntityRecord] = {}
        self._batch_records = 0
        self._batch_size_bytes = 0
        self._inflight: _Batch | None = None
        self._deadline = 0.0
        self._integration_ids: dict[str, int] = {}
        self._domain_ids: dict[str, int] = {}
        self._event_type_ids: dict[str, int] = {}
        self._entity_ids: dict[str, int] = {}
        self._rows_at_analyze = 0
        self._rows_since_analyze = 0
        self._commits_since_analyze = 0

    # ------------------------------------------------------------------ loop API

    @property
    def url_redacted(self) -> str:
        """The database URL without its password."""
        return redact_url(self._url)

    @property
    def journal_path(self) -> str | None:
        """Where records that cannot be written at stop are spilled."""
        return self._journal.path if self._journal is not None else None

    @property
    def stats(self) -> StoreStats:
        """A snapshot of the engine's counters; never waits for the writer."""
        queued = max(0, self._accepted - self._settled)
        dropped = self._overflow_dropped + self._write_dropped
        spilled = self._spilled
        return StoreStats(
            queue_depth=queued,
            queue_bytes=max(0, self._accepted_bytes - self._settled_bytes),
            received_records=self._accepted + self._overflow_dropped,
            committed_records=self._committed,
            dropped_records=dropped,
            spilled_records=spilled,
            replayed_records=self._replayed,
            schema_version=self._schema_version,
            backend=self._backend,
            last_commit=self._last_commit,
            running=self._running,
            state=self._state,
            last_error=self._last_error,
            last_error_at=self._last_error_at,
            incident=self._incidents.live(HealthCounts(queued, dropped, spilled)),
        )

    def _counts(self) -> HealthCounts:
        return HealthCounts(
            max(0, self._accepted - self._settled),
            self._overflow_dropped + self._write_dropped,
            self._spilled,
        )

    def start(self) -> None:
        """Start the writer thread; it connects, checks and migrates the database."""
        if self._thread is not None:
            raise RuntimeError("ReliabilityStore already started")
        self._thread = threading.Thread(
            target=self._run, name="integration_reliability_writer", daemon=True
        )
        self._thread.start()

    async def async_wait_ready(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait until the database is usable; raise StoreStartError if it is not.

        With a timeout, raise TimeoutError when the database is still being
        opened (connecting, migrating) after that many seconds.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._ready_lock:
            if self._ready.is_set():
                future.set_result(None)
            else:
                self._ready_waiters.append((loop, future))
        async with asyncio.timeout(timeout):
            await future
        if self._start_error is not None:
            raise self._start_error

    def _accept(self, item: EventRecord | TrackedEntityRecord, size: int) -> bool:
        """Queue a record unless the queue is full (by count or bytes) or stopping."""
        if (
            self._stopping
            or self._accepted - self._settled >= self._queue_size
            or self._accepted_bytes - self._settled_bytes + size > self._queue_bytes
        ):
            if not self._overflow_logged:
                self._overflow_logged = True
                _LOGGER.warning(
                    "Reliability store queue is full (%d records / %d bytes) or stopping:"
                    " dropping new records; the database cannot keep up",
                    self._queue_size,
                    self._queue_bytes,
                )
                if not self._stopping:
                    # Opened before counting: this drop is the incident's first.
                    incident = self._incidents.report(self._counts(), time.time(), overflow=True)
                    self._overflow_dropped += 1
                    self._report(self._incidents.live(self._counts()) or incident)
                    return False
            self._overflow_dropped += 1
            return False
        self._accepted += 1
        self._accepted_bytes += size
        self._sizes.append(size)
        self._queue.append(item)
        if not self._wakeup.is_set():
            self._wakeup.set()
        return True

    def add_sink(self, sink: CommitSink) -> Callable[[], None]:
        """Hand committed events and written rollups to `sink` too; returns the remover."""
        self._sinks = (*self._sinks, sink)

        def _remove() -> None:
            self._sinks = tuple(other for other in self._sinks if other is not sink)

        return _remove

    def record(self, rec: EventRecord) -> bool:
        """Queue one event without blocking; False (and counted) if it was dropped."""
        return self._accept(rec, record_bytes(rec))

    def track_entity(self, rec: TrackedEntityRecord) -> bool:
        """Queue an upsert of an entity's context (keyed by entity_id)."""
        return self._accept(rec, record_bytes(rec))

    def queue_task(self, task: StoreTask) -> bool:
        """Queue a long job; each slice it returns is re-queued at the end."""
        if self._stopping:
            return False
        self._queue_control(task)
        return True

    def _queue_control(self, item: object) -> None:
        """Queue an internal item; these bypass the bound so they are never lost."""
        self._queue.append(item)
        self._wakeup.set()

    async def async_run[T](
        self,
        job: Callable[[Session], T],
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> T:
        """Run `job(session)` in the writer thread after everything queued before it.

        The session is committed after the job. The job's exception is raised
        here; with a timeout, TimeoutError once it has waited that long (the
        job still runs later, its result is discarded).
        """
        if self._stopping or self._thread is None:
            raise StoreStoppedError("The reliability store is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue_control(_Job(job, loop, future))
        async with asyncio.timeout(timeout):
            return await future

    async def async_flush(self) -> None:
        """Return once everything queued so far is committed."""
        await self.async_run(_noop)

    async def async_stop(self) -> None:
        """Write everything queued (or spill it to the journal), then stop the thread."""
        thread = self._thread
        if thread is None:
            return
        self.request_stop()
        await asyncio.get_running_loop().run_in_executor(None, thread.join, STOP_JOIN_TIMEOUT_S)
        if thread.is_alive():
            _LOGGER.error("Reliability store writer did not stop in time; spilling its queue")
            await asyncio.get_running_loop().run_in_executor(None, self._spill_for_stuck_writer)

    def request_stop(self) -> None:
        """Ask the writer to write what is queued and stop; never blocks."""
        if self._stopping:
            return
        self._stop_deadline = time.monotonic() + self._shutdown_budget
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.limit(self._stop_deadline)
        self._retry_wakeup.set()
        if (lock := self._backup_lock) is not None:
            lock.unlock.set()
        self._queue_control(_Stop())

    async def async_lock_for_backup(self) -> None:
        """Commit, then hold the database consistent for a file backup.

        Records keep queuing meanwhile and are written after the unlock.
        """
        if self._backup_lock is not None:
            raise RuntimeError("Database already locked for backup")
        loop = asyncio.get_running_loop()
        lock = _BackupLock(loop, loop.create_future())
        self._backup_lock = lock
        self._queue_control(lock)
        try:
            async with asyncio.timeout(BACKUP_LOCK_TIMEOUT_S):
                await lock.locked
        except BaseException:
            lock.unlock.set()
            self._backup_lock = None
            raise

    async def async_unlock_after_backup(self) -> None:
        """Release the backup lock; queued records are written again."""
        lock, self._backup_lock = self._backup_lock, None
        if lock is not None:
            lock.unlock.set()

    # ------------------------------------------------------------ writer thread

    def _run(self) -> None:
        """Writer thread body."""
        if self._watchdog is not None:
            self._watchdog.start()
        try:
            self._setup()
        except StoreStartError as err:
            self._start_error = err
            _LOGGER.exception("Reliability store could not start")
            self._notify_problem(err.problem, {"error": str(err)})
        except Exception as err:
            _LOGGER.exception("Reliability store could not start")
            self._start_error = StoreStartError(StoreProblem.CONNECT_FAILED, str(err))
            self._notify_problem(StoreProblem.CONNECT_FAILED, {"error": str(err)})
        else:
            self._running = True
            self._state = DatabaseState.OK
        self._signal_ready()
        try:
            if self._running:
                self._replay_journal()
                self._loop()
        finally:
            self._running = False
            self._stopping = True
            self._shutdown()

    def _signal_ready(self) -> None:
        with self._ready_lock:
            self._ready.set()
            waiters, self._ready_waiters = self._ready_waiters, []
        for loop, future in waiters:
            _resolve(loop, future, None)

    def _shutdown(self) -> None:
        """Close the connection and fail whatever can no longer run."""
        try:
            with self._watched():
                if self._session is not None:
                    self._session.close()
                if self._engine is not None:
                    if self._engine.dialect.name == "sqlite":
                        self._optimize_on_close()
                    self._engine.dispose()
        except SQLAlchemyError as err:
            _LOGGER.debug("Closing the database connection failed: %s", err)
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()
        # Records left here (a start that failed, a stop past its budget) go
        # to the journal; jobs are refused.
        self._spill_rest()

    def _optimize_on_close(self) -> None:
        """SQLite recommends `PRAGMA optimize` before closing a long-lived connection."""
        assert self._engine is not None
        try:
            with self._engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA optimize")
        except SQLAlchemyError as err:
            _LOGGER.debug("PRAGMA optimize on close failed: %s", err)

    def _watched(self) -> Any:
        """Let the watchdog abort a call in this block that gets no answer."""
        if self._watchdog is None:
            return _NO_WATCH
        return self._watchdog.watch()

    def _setup(self) -> None:
        """Connect, recover a corrupt SQLite file, migrate, load lookup ids."""
        path = sqlite_path(self._url)
        if path is not None:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            try:
                check_sqlite_file(path, list(Base.metadata.tables))
            except sqlite3.DatabaseError as err:
                if not is_corruption_error(err):
                    raise StoreStartError(StoreProblem.CONNECT_FAILED, str(err)) from err
                self._recover_corrupt_file(path, err)
        try:
            self._open()
        except SQLAlchemyError as err:
            if path is None or not is_corruption_error(err):
                raise
            # Damage the quick check did not see (e.g. a garbage header).
            self._close_engine()
            self._recover_corrupt_file(path, err)
            self._open()

    def _recover_corrupt_file(self, path: str, err: BaseException) -> None:
        moved = move_aside_corrupt_sqlite(path)
        self._notify_problem(
            StoreProblem.CORRUPT_RECOVERED, {"error": str(err), "moved_to": moved, "path": path}
        )

    def _open(self) -> None:
        """Create the engine, migrate and prime the caches."""
        try:
            self._engine = create_engine(self._url, **connect_args_for(self._url, self._timeouts))
            install_connection_setup(self._engine, self._timeouts)
            if self._watchdog is not None:
                self._watchdog.attach(self._engine)
            with self._watched(), self._engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as err:
            if is_corruption_error(err):
                raise
            raise StoreStartError(
                StoreProblem.CONNECT_FAILED, f"Cannot connect to {self.url_redacted}: {err}"
            ) from err
        self._migrate()
        self._session = Session(self._engine, expire_on_commit=False)
        with self._watched():
            self._load_lookups()
        self._analyze()

    def _migrate(self) -> None:
        """Upgrade to the head revision; refuse a schema newer than this code."""
        assert self._engine is not None
        script = ScriptDirectory.from_config(_alembic_config())
        with _MIGRATION_LOCK, self._engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
            conn.rollback()
            for revision in current:
                try:
                    script.get_revision(revision)
                except CommandError as err:
                    raise StoreStartError(
                        StoreProblem.SCHEMA_TOO_NEW,
                        f"Database schema revision {revision} is newer than this version of"
                        " the integration supports; it was left untouched",
                    ) from err
            head = script.get_current_head()
            if tuple(current) != (head,):
                _LOGGER.info("Migrating reliability database from %s to %s", current, head)
                try:
                    command.upgrade(_alembic_config(conn), "head")
                    conn.commit()
                except SQLAlchemyError as err:
                    if is_corruption_error(err):
                        raise
                    raise StoreStartError(
                        StoreProblem.MIGRATION_FAILED, f"Migration failed: {err}"
                    ) from err
        self._schema_version = int(head) if head is not None else None

    def _close_engine(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _load_lookups(self) -> None:
        """Read the small lookup tables into memory."""
        session = self._session
        assert session is not None
        self._integration_ids = dict(
            session.execute(select(Integration.integration_id, Integration.id)).tuples().all()
        )
        self._domain_ids = dict(session.execute(select(Domain.domain, Domain.id)).tuples().all())
        self._event_type_ids = dict(
            session.execute(select(EventTypeRow.event_type, EventTypeRow.id)).tuples().all()
        )
        self._entity_ids = dict(
            session.execute(select(EntityRow.entity_id, EntityRow.id)).tuples().all()
        )
        self._rows_at_analyze = (
            session.execute(select(Event.id).order_by(Event.id.desc()).limit(1)).scalar() or 0
        )
        session.commit()

    def _replay_journal(self) -> None:
        """Write what the last run spilled, before anything new, then remove it."""
        journal = self._journal
        if journal is None or not journal.exists():
            return
        contents = journal.read()
        records = sum(batch.records for batch in contents.batches)
        _LOGGER.warning(
            "Replaying %d records the last run could not write from %s", records, journal.path
        )
        for spilled in contents.batches:
            entities = {entity.entity_id: entity for entity in spilled.entities}
            batch = _Batch(
                spilled.key,
                spilled.events,
                entities,
                len(spilled.events) + len(entities),
                0,
                from_journal=True,
            )
            if not self._write_batch(batch):
                # Stopped while the database is failing: the journal keeps them.
                return
        if contents.damage is not None:
            moved = journal.move_aside()
            _LOGGER.error("The journal %s was damaged: %s", journal.path, contents.damage)
            self._notify_problem(
                StoreProblem.JOURNAL_DAMAGED,
                {
                    "path": journal.path,
                    "moved_to": moved,
                    "damage": contents.damage,
                    "replayed": str(records),
                },
            )
        else:
            journal.discard()

    def _loop(self) -> None:
        """Take items off the queue until a stop sentinel arrives."""
        queue, sizes = self._queue, self._sizes
        while True:
            if self._stopping and time.monotonic() >= self._stop_deadline:
                return  # past the shutdown budget: the rest is spilled
            if not queue:
                if self._batch or self._entities:
                    remaining = self._deadline - time.monotonic()
                    if remaining <= 0:
                        self._write_pending()
                        continue
                    self._wakeup.wait(remaining)
                else:
                    self._overflow_logged = False
                    self._wakeup.wait()
                self._wakeup.clear()
                continue
            item = queue.popleft()
            if type(item) is EventRecord:
                if not self._batch_records:
                    self._deadline = time.monotonic() + self._commit_interval
                self._batch.append(item)
                self._batch_records += 1
                self._batch_size_bytes += sizes.popleft()
                if len(self._batch) >= self._batch_size or self._deadline <= time.monotonic():
                    self._write_pending()
                continue
            if isinstance(item, TrackedEntityRecord):
                if not self._batch_records:
                    self._deadline = time.monotonic() + self._commit_interval
                self._entities[item.entity_id] = item
                self._batch_records += 1
                self._batch_size_bytes += sizes.popleft()
                continue
            if not self._write_pending():
                queue.appendleft(item)  # refused or spilled at shutdown
                return
            if isinstance(item, _Stop):
                return
            try:
                self._run_control(item)
            except Exception:
                _LOGGER.exception("Unexpected error in the reliability store writer")

    def _run_control(self, item: object) -> None:
        """Run a job, a task slice or a backup lock (pending writes are already done)."""
        if isinstance(item, _Job):
            try:
                result = self._in_session(item.func)
            except Exception as err:
                _reject(item.loop, item.future, err)
            else:
                _resolve(item.loop, item.future, result)
        elif isinstance(item, StoreTask):
            try:
                continuation = self._in_session(item.run)
            except Exception:
                _LOGGER.exception("Reliability store task %r failed", item)
            else:
                if continuation is not None:
                    self._queue_control(continuation)
        elif isinstance(item, _BackupLock):
            self._hold_backup_lock(item)

    def _in_session[T](self, func: Callable[[Session], T]) -> T:
        """Run func in the writer's session and commit; roll back on error."""
        session = self._session
        assert session is not None
        try:
            with self._watched():
                result = func(session)
                session.commit()
        except BaseException as err:
            take_noted(session)
            self._rollback()
            if isinstance(err, SQLAlchemyError) and is_corruption_error(err):
                self._recover_at_runtime(err)
            raise
        events, rollups = take_noted(session)
        for sink in self._sinks:
            if events:
                self._safe_notify(sink.on_events, events)
            if rollups:
                self._safe_notify(sink.on_rollups, rollups)
        return result

    # -------------------------------------------------------------- the writes

    def _write_pending(self) -> bool:
        """Write the open batch; False if the writer must stop with it unwritten."""
        if not self._batch_records:
            return True
        batch = _Batch(
            _new_key(), self._batch, self._entities, self._batch_records, self._batch_size_bytes
        )
        self._batch, self._entities = [], {}
        self._batch_records = self._batch_size_bytes = 0
        return self._write_batch(batch)

    def _write_batch(self, batch: _Batch) -> bool:
        """Commit one batch, retrying in fresh transactions for as long as it takes.

        True once it is committed (or dropped for a permanent error); False
        when a stop's budget ran out first (it stays in `_inflight`).
        """
        self._inflight = batch
        attempt = 0
        reloaded = recovered = False
        while True:
            try:
                with self._watched():
                    # After a failed attempt the commit may have reached the
                    # server with only its acknowledgement lost: the ledger says.
                    # A journal replayed before was committed with its key too.
                    duplicate = bool(attempt or batch.from_journal) and self._is_committed(
                        batch.key
                    )
                    if not duplicate:
                        self._write_once(batch)
            except Exception as err:  # the writer thread must survive any failure
                try:
                    self._rollback()
                    if not recovered and is_corruption_error(err):
                        recovered = True
                        self._recover_at_runtime(err)
                        continue
                    if isinstance(err, IntegrityError) and not reloaded:
                        # A cached lookup id may point at a row a purge removed:
                        # reload the caches and try once more straight away.
                        reloaded = True
                        with self._watched():
                            self._load_lookups()
                        continue
                except Exception as recover_err:
                    _LOGGER.exception("Reliability store could not recover from a write error")
                    if not isinstance(recover_err, _RETRYABLE_ERRORS):
                        self._give_up(batch, recover_err)
                        return True
                    err = recover_err
                if not isinstance(err, _RETRYABLE_ERRORS):
                    self._give_up(batch, err)
                    return True
                attempt += 1
                wait = min(self._retry_wait * 2 ** min(attempt - 1, 30), self._max_retry_wait)
                self._write_failed(err, attempt, wait)
                if not self._back_off(wait):
                    return False
            else:
                self._inflight = None
                if duplicate:
                    _LOGGER.info("Batch %s was already committed; not written again", batch.key)
                self._after_commit(batch, replayed_now=batch.from_journal and not duplicate)
                # Also a duplicate: its first commit's acknowledgement, and so
                # its hand-over, was lost. The sinks' writes are idempotent.
                for sink in self._sinks:
                    if batch.events:
                        self._safe_notify(sink.on_events, batch.events)
                return True

    def _back_off(self, wait: float) -> bool:
        """Wait before the next attempt; False once a stop's budget is used up."""
        if self._stopping:
            remaining = self._stop_deadline - time.monotonic()
            if remaining <= 0:
                return False
            wait = min(wait, remaining)
        self._retry_wakeup.wait(wait)
        self._retry_wakeup.clear()
        return not (self._stopping and time.monotonic() >= self._stop_deadline)

    def _is_committed(self, key: str) -> bool:
        session = self._session
        assert session is not None
        found = session.execute(
            select(CommittedBatch.id).where(CommittedBatch.batch_key == key)
        ).first()
        session.commit()
        return found is not None

    def _write_failed(self, err: Exception, attempt: int, wait: float) -> None:
        """Note a failed attempt: state, last error, the incident."""
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        self._state = (
            DatabaseState.FAILING
            if now - self._failing_since >= self._failing_after
            else DatabaseState.RETRYING
        )
        self._last_error = _describe(err)
        self._last_error_at = time.time()
        log = _LOGGER.warning if attempt == 1 or wait >= self._max_retry_wait else _LOGGER.debug
        log(
            "Reliability store commit failed (%s); %d records queued, attempt %d, retry in %.1f s",
            self._last_error,
            self.stats.queue_depth,
            attempt,
            wait,
        )
        self._report(
            self._incidents.report(self._counts(), self._last_error_at, error=self._last_error)
        )

    def _settle(self, batch: _Batch) -> None:
        self._settled_bytes += batch.size
        if not batch.from_journal:
            self._settled += batch.records

    def _give_up(self, batch: _Batch, err: Exception) -> None:
        """A batch the database refuses for good (not a lost connection): count it."""
        self._inflight = None
        self._write_dropped += batch.records
        self._settle(batch)
        self._last_error = _describe(err)
        self._last_error_at = time.time()
        _LOGGER.error(
            "Reliability store dropped a batch of %d records the database refused: %s",
            batch.records,
            err,
        )
        self._report(
            self._incidents.report(self._counts(), self._last_error_at, error=self._last_error)
        )

    def _after_commit(self, batch: _Batch, *, replayed_now: bool = False) -> None:
        if replayed_now:
            self._replayed += batch.records
        elif not batch.from_journal:
            self._committed += batch.records
        self._settle(batch)
        self._last_commit = time.time()
        self._state = DatabaseState.OK
        self._failing_since = None
        if self._incidents.open:
            counts = self._counts()
            # Over once writes succeed and the writer has caught up with the queue.
            caught_up = (
                counts.queued <= self._queue_size // 2
                and self._accepted_bytes - self._settled_bytes <= self._queue_bytes // 2
            )
            if caught_up:
                self._overflow_logged = False
            incident = (
                self._incidents.end(counts, self._last_commit)
                if caught_up
                else self._incidents.report(counts, self._last_commit)
            )
            if incident is not None:
                self._report(incident)
        if self._listener is not None and batch.events:
            self._safe_notify(self._listener.on_committed, len(batch.events))
        self._rows_since_analyze += len(batch.events)
        self._commits_since_analyze += 1
        if (
            self._rows_since_analyze >= max(ANALYZE_MIN_ROWS, self._rows_at_analyze)
            or self._commits_since_analyze >= ANALYZE_EVERY_COMMITS
        ):
            self._analyze()

    def _analyze(self) -> None:
        """Refresh planner statistics (after start-up and as the tables grow)."""
        assert self._engine is not None
        try:
            with self._watched(), self._engine.connect() as conn:
                analyze(conn, _ANALYZED_TABLES)
                conn.commit()
        except SQLAlchemyError as err:
            _LOGGER.warning("Updating planner statistics failed: %s", err)
            return
        self._rows_at_analyze += self._rows_since_analyze
        self._rows_since_analyze = 0
        self._commits_since_analyze = 0

    def _write_once(self, batch: _Batch) -> None:
        """Insert one batch and its ledger row, and commit, in one transaction."""
        session = self._session
        assert session is not None
        # Whole seconds: SQLite stores an integral REAL in 4 bytes instead of 8.
        now = float(int(time.time()))
        added: list[tuple[dict[str, int], str]] = []
        try:
            if batch.events:
                session.connection().exec_driver_sql(
                    _insert_events_sql(session.get_bind().dialect.paramstyle),
                    self._event_rows(session, batch.events, now, added),
                )
            if batch.entities:
                self._upsert_entities(session, batch.entities, now)
            session.execute(
                insert(_BATCHES).values(
                    batch_key=batch.key, records=batch.records, committed_at=now
                )
            )
            session.commit()
        except BaseException:
            # Lookup rows inserted in this transaction are gone after the rollback.
            for cache, key in added:
                cache.pop(key, None)
            raise

    # --------------------------------------------------------------- the journal

    def _spill_rest(self) -> None:
        """At shutdown: spill every record not yet written, refuse every job."""
        batches: list[_Batch] = []
        if self._inflight is not None and not self._inflight.from_journal:
            batches.append(self._inflight)
        self._inflight = None
        if self._batch_records:
            batches.append(
                _Batch(
                    _new_key(),
                    self._batch,
                    self._entities,
                    self._batch_records,
                    self._batch_size_bytes,
                )
            )
            self._batch, self._entities = [], {}
            self._batch_records = self._batch_size_bytes = 0
        batches.extend(self._drain_queue())
        self._spill(batches)

    def _drain_queue(self) -> list[_Batch]:
        """Take every record off the queue in batches; refuse the jobs found there."""
        error = self._start_error or StoreStoppedError("The reliability store stopped")
        batches: list[_Batch] = []
        current = _Batch(_new_key(), [], {}, 0, 0)
        while True:
            try:
                item = self._queue.popleft()
            except IndexError:
                break
            if isinstance(item, _Job):
                _reject(item.loop, item.future, error)
                continue
            if isinstance(item, _BackupLock):
                _reject(item.loop, item.locked, error)
                continue
            if type(item) is EventRecord:
                current.events.append(item)
            elif isinstance(item, TrackedEntityRecord):
                current.entities[item.entity_id] = item
            else:
                continue  # tasks are scheduled again by the next run
            current.records += 1
            current.size += self._sizes.popleft()
            if current.records >= self._batch_size:
                batches.append(current)
                current = _Batch(_new_key(), [], {}, 0, 0)
        if current.records:
            batches.append(current)
        return batches

    def _spill(self, batches: list[_Batch]) -> None:
        """Append batches to the journal; what does not fit is dropped and counted."""
        records = sum(batch.records for batch in batches)
        if not records:
            return
        written = 0
        if self._journal is not None:
            try:
                written = self._journal.append(batch.as_journal() for batch in batches)
            except OSError as err:
                self._last_error = f"journal: {_describe(err)}"
                self._last_error_at = time.time()
                _LOGGER.exception("Could not write the journal %s", self._journal.path)
        self._spilled += written
        self._write_dropped += records - written
        self._settled += records
        self._settled_bytes += sum(batch.size for batch in batches)
        if written:
            self._state = DatabaseState.SPILLED
        log = _LOGGER.warning if written == records else _LOGGER.error
        log(
            "Reliability store stopped before the database took %d records:"
            " %d spilled to the journal %s, %d dropped",
            records,
            written,
            self.journal_path,
            records - written,
        )
        self._report(self._incidents.report(self._counts(), time.time()))

    def _spill_for_stuck_writer(self) -> None:
        """The writer did not end in time: spill its queue from this thread.

        The batch it is stuck on is spilled too; should it still commit
        later, the ledger keeps the replay from writing it twice.
        """
        batches = [self._inflight] if self._inflight is not None else []
        batches.extend(self._drain_queue())
        self._spill([batch for batch in batches if not batch.from_journal])

    def _event_rows(
        self,
        session: Session,
        records: list[EventRecord],
        now: float,
        added: list[tuple[dict[str, int], str]],
    ) -> list[tuple[Any, ...]]:
        """Turn records into row tuples, inserting missing lookup rows first."""
        integrations, domains = self._integration_ids, self._domain_ids
        event_types, entity_ids = self._event_type_ids, self._entity_ids
        dumps = json.JSONEncoder(separators=(",", ":")).encode

        def build(rec: EventRecord) -> tuple[Any, ...]:
            # In the order of _EVENT_COLUMNS.
            return (
                integrations[rec.integration_id],
                domains[rec.integration_domain],
                event_types[rec.event_type],
                entity_ids[rec.entity_id] if rec.entity_id is not None else None,
                rec.timestamp,
                dumps(rec.details) if rec.details else None,
                now,
            )

        rows: list[tuple[Any, ...]] = []
        for rec in records:
            try:
                rows.append(build(rec))
            except KeyError:
                self._add_lookups(session, rec, added)
                rows.append(build(rec))
        return rows

    def _add_lookups(
        self, session: Session, rec: EventRecord, added: list[tuple[dict[str, int], str]]
    ) -> None:
        """Find or insert the lookup rows one record refers to."""
        if rec.integration_id not in self._integration_ids:
            self._lookup(
                session,
                self._integration_ids,
                _INTEGRATIONS,
                Integration.integration_id,
                rec.integration_id,
                {"integration_domain": rec.integration_domain},
                added,
            )
        if rec.integration_domain not in self._domain_ids:
            self._lookup(
                session,
                self._domain_ids,
                _DOMAINS,
                Domain.domain,
                rec.integration_domain,
                {},
                added,
            )
        if rec.event_type not in self._event_type_ids:
            self._lookup(
                session,
                self._event_type_ids,
                _EVENT_TYPES,
                EventTypeRow.event_type,
                str(rec.event_type),
                {},
                added,
            )
        if rec.entity_id is not None and rec.entity_id not in self._entity_ids:
            self._lookup(
                session,
                self._entity_ids,
                _ENTITIES,
                EntityRow.entity_id,
                rec.entity_id,
                {},
                added,
            )

    @staticmethod
    def _lookup(
        session: Session,
        cache: dict[str, int],
        table: Table,
        column: Any,
        key: str,
        extra: dict[str, str],
        added: list[tuple[dict[str, int], str]],
    ) -> None:
        row_id = session.execute(select(table.c.id).where(column == key)).scalar()
        if row_id is None:
            result = session.execute(insert(table).values({column.key: key, **extra}))
            row_id = result.inserted_primary_key[0]
            added.append((cache, key))
        cache[key] = row_id

    @staticmethod
    def _upsert_entities(
        session: Session, entities: dict[str, TrackedEntityRecord], now: float
    ) -> None:
        """Insert new tracked entities and update known ones (dialect-neutral)."""
        existing = dict(
            session.execute(
                select(TrackedEntity.entity_id, TrackedEntity.id).where(
                    TrackedEntity.entity_id.in_(list(entities))
                )
            )
            .tuples()
            .all()
        )
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for rec in entities.values():
            row = {
                "integration_id": rec.integration_id,
                "integration_domain": rec.integration_domain,
                "platform": rec.platform,
                "device_id": rec.device_id,
                "device_name": rec.device_name,
                "area": rec.area,
                "device_class": rec.device_class,
                "removed_at": rec.removed_at,
                "updated_at": now,
            }
            if rec.entity_id in existing:
                # first_seen stays as first recorded.
                updates.append({"id": existing[rec.entity_id], **row})
            else:
                inserts.append(
                    {"entity_id": rec.entity_id, "first_seen": rec.first_seen or now, **row}
                )
        if inserts:
            session.execute(insert(_TRACKED), inserts)
        if updates:
            session.execute(update(TrackedEntity), updates)

    # ------------------------------------------------------ recovery and backup

    def _rollback(self) -> None:
        """Roll the session back; a dead connection is replaced on next use."""
        if self._session is None:
            return
        try:
            with self._watched():
                self._session.rollback()
        except SQLAlchemyError as err:
            _LOGGER.debug("Rollback failed: %s", err)

    def _recover_at_runtime(self, err: BaseException) -> None:
        """Swap a corrupt SQLite file for a fresh, migrated one and carry on."""
        path = sqlite_path(self._url)
        if path is None:
            raise err
        _LOGGER.error("Reliability database is corrupt: %s", err)
        self._close_engine()
        self._recover_corrupt_file(path, err)
        self._open()

    def _hold_backup_lock(self, lock: _BackupLock) -> None:
        """Checkpoint and hold a write lock until unlocked (SQLite); commit only elsewhere."""
        assert self._engine is not None
        if self._engine.dialect.name != "sqlite":
            _resolve(lock.loop, lock.locked, None)
            lock.unlock.wait()
            return
        raw = self._engine.raw_connection()
        try:
            dbapi = raw.driver_connection
            assert isinstance(dbapi, sqlite3.Connection)
            saved = dbapi.isolation_level
            dbapi.isolation_level = None
            try:
                # Fold the WAL into the main file so the file alone is the backup.
                dbapi.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                dbapi.execute("BEGIN IMMEDIATE")
                _resolve(lock.loop, lock.locked, None)
                while not lock.unlock.wait(BACKUP_QUEUE_CHECK_S):
                    if self.stats.queue_depth >= self._queue_size:
                        _LOGGER.warning(
                            "Queue full while the database is locked for a backup;"
                            " writing again, the backup cannot be trusted"
                        )
                        break
                dbapi.execute("COMMIT")
            finally:
                dbapi.isolation_level = saved
        except sqlite3.Error as err:
            _LOGGER.exception("Could not lock the database for a backup")
            _reject(lock.loop, lock.locked, err)
        finally:
            raw.close()

    def _report(self, incident: Incident) -> None:
        if self._listener is not None:
            self._safe_notify(self._listener.on_incident, incident)

    def _notify_problem(self, problem: StoreProblem, details: dict[str, str]) -> None:
        if self._listener is not None:
            self._safe_notify(self._listener.on_problem, problem, details)

    @staticmethod
    def _safe_notify(callback: Callable[..., None], *args: Any) -> None:
        """Call a listener method; its failure must not kill the writer thread."""
        try:
            callback(*args)
        except Exception:
            _LOGGER.exception("Reliability store listener failed")


def _noop(_session: Session) -> None:
    """A job that only waits for everything queued before it."""


_NO_WATCH: Final = contextlib.nullcontext()
