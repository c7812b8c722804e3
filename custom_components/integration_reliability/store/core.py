"""The storage engine: one writer thread, batched commits, migrations at start-up.

Modelled on Home Assistant's recorder. The event loop only appends immutable
records and tasks to a bounded queue and never waits for a write; the writer
thread owns the connection, turns records into Core executemany inserts,
commits every `commit_interval` seconds or `batch_size` records, retries
failed commits with back-off, recovers from a corrupt SQLite file and runs
the Alembic migrations before anything else. No Home Assistant imports.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
import json
import logging
import os
import sqlite3
import threading
import time
from typing import Any, Final, Protocol, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Table, create_engine, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import (
    IntegrityError,
    InternalError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session

from .records import EventRecord, TrackedEntityRecord
from .schema import (
    Base,
    Domain,
    EntityRow,
    Event,
    EventTypeRow,
    Integration,
    IntegrationMetrics,
    TrackedEntity,
)
from .tasks import StoreTask
from .util import (
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

_LOGGER = logging.getLogger(__name__)

MIGRATIONS_DIR: Final = os.path.join(os.path.dirname(__file__), "migrations")
# Alembic's `context` is a module-level proxy: one migration at a time per process.
_MIGRATION_LOCK = threading.Lock()

ANALYZE_MIN_ROWS: Final = 10_000
ANALYZE_EVERY_COMMITS: Final = 10_000
MAX_RETRY_WAIT_S: Final = 30.0
BACKUP_LOCK_TIMEOUT_S: Final = 30.0
BACKUP_QUEUE_CHECK_S: Final = 1.0
STOP_JOIN_TIMEOUT_S: Final = 30.0
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


class StoreProblem(StrEnum):
    """Conditions the integration surfaces to the user (as repair issues)."""

    CORRUPT_RECOVERED = "corrupt_recovered"
    SCHEMA_TOO_NEW = "schema_too_new"
    WRITE_FAILED = "write_failed"
    CONNECT_FAILED = "connect_failed"
    MIGRATION_FAILED = "migration_failed"


class StoreListener(Protocol):
    """Receives the engine's notifications.

    Called from the writer thread: implementations hop to the event loop
    themselves (e.g. `loop.call_soon_threadsafe`) and must not block.
    """

    def on_problem(self, problem: StoreProblem, details: dict[str, str]) -> None:
        """A problem occurred (details are short strings for a repair issue)."""

    def on_problem_cleared(self, problem: StoreProblem) -> None:
        """A previously reported problem went away."""

    def on_committed(self, records: int) -> None:
        """A batch of `records` events was committed."""


@dataclass(frozen=True)
class StoreStats:
    """A snapshot of the engine's counters for sensors and diagnostics."""

    queue_depth: int
    dropped_records: int
    committed_records: int
    schema_version: int | None
    backend: str
    last_commit: float | None
    running: bool


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


class _Stop:
    """Sentinel: write everything before it, then end the thread."""


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

    loop.call_soon_threadsafe(_set)


def _alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic configuration in code; no alembic.ini at runtime."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = Base.metadata
    return config


class ReliabilityStore:
    """Recorder-style storage engine for reliability events.

    Thread model: `record`, `track_entity`, `queue_task` and `request_stop`
    may be called from the event loop (they never block); the `async_*`
    methods must be awaited on a running loop; everything touching the
    database happens in the writer thread.
    """

    def __init__(
        self,
        url: str,
        *,
        commit_interval: float = 5.0,
        batch_size: int = 1000,
        queue_size: int = 100_000,
        listener: StoreListener | None = None,
        max_retries: int = 5,
        retry_wait: float = 1.0,
        busy_timeout: float = 5.0,
    ) -> None:
        self._url = normalize_db_url(url)
        self._backend = backend_name(self._url)
        self._commit_interval = commit_interval
        self._batch_size = batch_size
        self._queue_size = queue_size
        self._listener = listener
        self._max_retries = max_retries
        self._retry_wait = retry_wait
        self._busy_timeout = busy_timeout

        # deque append/popleft/len are atomic under the GIL: the loop never
        # takes a lock on the hot path.
        self._queue: deque[Any] = deque()
        self._wakeup = threading.Event()
        self._stop_event = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._ready_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._ready_lock = threading.Lock()
        self._start_error: StoreStartError | None = None
        self._backup_lock: _BackupLock | None = None

        # Counters; each is written by one thread only.
        self._overflow_dropped = 0
        self._overflow_logged = False
        self._write_dropped = 0
        self._committed = 0
        self._last_commit: float | None = None
        self._schema_version: int | None = None
        self._running = False

        # Writer-thread state.
        self._engine: Engine | None = None
        self._session: Session | None = None
        self._batch: list[EventRecord] = []
        self._entities: dict[str, TrackedEntityRecord] = {}
        self._deadline = 0.0
        self._problems: set[StoreProblem] = set()
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
    def stats(self) -> StoreStats:
        """A snapshot of the queue and commit counters."""
        return StoreStats(
            queue_depth=len(self._queue) + len(self._batch) + len(self._entities),
            dropped_records=self._overflow_dropped + self._write_dropped,
            committed_records=self._committed,
            schema_version=self._schema_version,
            backend=self._backend,
            last_commit=self._last_commit,
            running=self._running,
        )

    def start(self) -> None:
        """Start the writer thread; it connects, checks and migrates the database."""
        if self._thread is not None:
            raise RuntimeError("ReliabilityStore already started")
        self._thread = threading.Thread(
            target=self._run, name="integration_reliability_writer", daemon=True
        )
        self._thread.start()

    async def async_wait_ready(self) -> None:
        """Wait until the database is usable; raise StoreStartError if it is not."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._ready_lock:
            if self._ready.is_set():
                future.set_result(None)
            else:
                self._ready_waiters.append((loop, future))
        await future
        if self._start_error is not None:
            raise self._start_error

    def _accept(self, item: object) -> bool:
        """Queue a record unless the queue is full or the engine stopping."""
        if self._stopping or len(self._queue) >= self._queue_size:
            self._overflow_dropped += 1
            if not self._overflow_logged:
                self._overflow_logged = True
                _LOGGER.warning(
                    "Reliability store queue is full (%d) or stopping: dropping records;"
                    " the database cannot keep up",
                    self._queue_size,
                )
            return False
        self._queue.append(item)
        if not self._wakeup.is_set():
            self._wakeup.set()
        return True

    def record(self, rec: EventRecord) -> bool:
        """Queue one event without blocking; False (and counted) if it was dropped."""
        return self._accept(rec)

    def track_entity(self, rec: TrackedEntityRecord) -> bool:
        """Queue an upsert of an entity's context (keyed by entity_id)."""
        return self._accept(rec)

    def queue_task(self, task: StoreTask) -> bool:
        """Queue a long job; each slice it returns is re-queued at the end."""
        return self._accept(task)

    def _queue_control(self, item: object) -> None:
        """Queue an internal item; these bypass the bound so they are never lost."""
        self._queue.append(item)
        self._wakeup.set()

    async def async_run[T](self, job: Callable[[Session], T]) -> T:
        """Run `job(session)` in the writer thread after everything queued before it.

        The session is committed after the job. The job's exception is raised here.
        """
        if self._stopping or self._thread is None:
            raise StoreStoppedError("The reliability store is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue_control(_Job(job, loop, future))
        return await future

    async def async_flush(self) -> None:
        """Return once everything queued so far is committed."""
        await self.async_run(_noop)

    async def async_stop(self) -> None:
        """Commit everything queued, stop the thread and close the connections."""
        thread = self._thread
        if thread is None:
            return
        self.request_stop()
        # The writer commits what is queued, closes its connections and ends.
        await asyncio.get_running_loop().run_in_executor(None, thread.join, STOP_JOIN_TIMEOUT_S)
        if thread.is_alive():
            _LOGGER.error("Reliability store writer did not stop in time")

    def request_stop(self) -> None:
        """Ask the writer to write what is queued and stop; never blocks."""
        if self._stopping:
            return
        self._stopping = True
        self._stop_event.set()
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
        self._signal_ready()
        try:
            if self._running:
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
        if self._session is not None:
            self._session.close()
        if self._engine is not None:
            if self._engine.dialect.name == "sqlite":
                self._optimize_on_close()
            self._engine.dispose()
        error = self._start_error or StoreStoppedError("The reliability store stopped")
        while self._queue:
            item = self._queue.popleft()
            if isinstance(item, _Job):
                _reject(item.loop, item.future, error)
            elif isinstance(item, _BackupLock):
                _reject(item.loop, item.locked, error)
            elif isinstance(item, EventRecord | TrackedEntityRecord):
                self._write_dropped += 1

    def _optimize_on_close(self) -> None:
        """SQLite recommends `PRAGMA optimize` before closing a long-lived connection."""
        assert self._engine is not None
        try:
            with self._engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA optimize")
        except SQLAlchemyError as err:
            _LOGGER.debug("PRAGMA optimize on close failed: %s", err)

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
            self._engine = create_engine(self._url, **connect_args_for(self._url))
            install_connection_setup(self._engine, self._busy_timeout)
            with self._engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as err:
            if is_corruption_error(err):
                raise
            raise StoreStartError(
                StoreProblem.CONNECT_FAILED, f"Cannot connect to {self.url_redacted}: {err}"
            ) from err
        self._migrate()
        self._session = Session(self._engine, expire_on_commit=False)
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

    def _loop(self) -> None:
        """Take items off the queue until a stop sentinel arrives."""
        queue = self._queue
        while True:
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
                if not self._batch and not self._entities:
                    self._deadline = time.monotonic() + self._commit_interval
                self._batch.append(item)
                if len(self._batch) >= self._batch_size or self._deadline <= time.monotonic():
                    self._write_pending()
                continue
            if isinstance(item, TrackedEntityRecord):
                if not self._batch and not self._entities:
                    self._deadline = time.monotonic() + self._commit_interval
                self._entities[item.entity_id] = item
                continue
            self._write_pending()
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
            result = func(session)
            session.commit()
        except BaseException as err:
            session.rollback()
            if isinstance(err, SQLAlchemyError) and is_corruption_error(err):
                self._recover_at_runtime(err)
            raise
        return result

    # -------------------------------------------------------------- the writes

    def _write_pending(self) -> None:
        """Commit the pending batch, retrying the same rows in a fresh transaction."""
        if not self._batch and not self._entities:
            return
        records, entities = self._batch, self._entities
        self._batch, self._entities = [], {}
        attempt = 0
        reloaded = recovered = False
        while True:
            try:
                self._write_once(records, entities)
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
                        self._load_lookups()
                        continue
                except Exception:
                    _LOGGER.exception("Reliability store could not recover from a write error")
                    self._give_up(records, entities, err)
                    return
                if not isinstance(err, _RETRYABLE_ERRORS) or attempt >= self._max_retries:
                    self._give_up(records, entities, err)
                    return
                attempt += 1
                wait = min(self._retry_wait * 2 ** (attempt - 1), MAX_RETRY_WAIT_S)
                _LOGGER.warning(
                    "Reliability store commit failed (%s); retry %d/%d in %.1f s",
                    err,
                    attempt,
                    self._max_retries,
                    wait,
                )
                # A stop request cuts the back-off short; the retries still happen.
                self._stop_event.wait(wait)
            else:
                self._after_commit(len(records))
                return

    def _give_up(
        self,
        records: list[EventRecord],
        entities: dict[str, TrackedEntityRecord],
        err: Exception,
    ) -> None:
        dropped = len(records) + len(entities)
        self._write_dropped += dropped
        _LOGGER.error("Reliability store dropped %d records after retries: %s", dropped, err)
        self._problems.add(StoreProblem.WRITE_FAILED)
        self._notify_problem(
            StoreProblem.WRITE_FAILED, {"error": str(err), "dropped": str(dropped)}
        )

    def _after_commit(self, records: int) -> None:
        self._committed += records
        self._last_commit = time.time()
        if StoreProblem.WRITE_FAILED in self._problems:
            self._problems.discard(StoreProblem.WRITE_FAILED)
            if self._listener is not None:
                self._safe_notify(self._listener.on_problem_cleared, StoreProblem.WRITE_FAILED)
        if self._listener is not None and records:
            self._safe_notify(self._listener.on_committed, records)
        self._rows_since_analyze += records
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
            with self._engine.connect() as conn:
                analyze(conn, _ANALYZED_TABLES)
                conn.commit()
        except SQLAlchemyError as err:
            _LOGGER.warning("Updating planner statistics failed: %s", err)
            return
        self._rows_at_analyze += self._rows_since_analyze
        self._rows_since_analyze = 0
        self._commits_since_analyze = 0

    def _write_once(
        self, records: list[EventRecord], entities: dict[str, TrackedEntityRecord]
    ) -> None:
        """Insert one batch and commit, in one transaction."""
        session = self._session
        assert session is not None
        # Whole seconds: SQLite stores an integral REAL in 4 bytes instead of 8.
        now = float(int(time.time()))
        added: list[tuple[dict[str, int], str]] = []
        try:
            if records:
                session.connection().exec_driver_sql(
                    _insert_events_sql(session.get_bind().dialect.paramstyle),
                    self._event_rows(session, records, now, added),
                )
            if entities:
                self._upsert_entities(session, entities, now)
            session.commit()
        except BaseException:
            # Lookup rows inserted in this transaction are gone after the rollback.
            for cache, key in added:
                cache.pop(key, None)
            raise

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
                    if len(self._queue) >= self._queue_size:
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
