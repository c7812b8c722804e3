"""Database URL handling, SQLite set-up and corruption recovery helpers.

No Home Assistant imports: used by the writer thread and the options flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import importlib.util
import logging
import os
import socket
import sqlite3
from typing import Any, Final

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

_LOGGER = logging.getLogger(__name__)

SUPPORTED_BACKENDS: Final = frozenset({"sqlite", "postgresql", "mysql"})
SQLITE_SIDE_FILES: Final = ("", "-wal", "-shm")
# Messages sqlite3 uses for a damaged file. "database is locked" must never
# match: a file another process holds is healthy and must not be moved away.
CORRUPTION_MESSAGES: Final = ("malformed", "not a database", "file is encrypted")


@dataclass(frozen=True, slots=True)
class DatabaseTimeouts:
    """Bounded waits on every connection, so that a hung server is a lost one.

    The defaults detect a dead or hung server within 30 s: `connect` bounds
    opening a connection; `statement` is the server-side statement and lock
    timeout and the client's read/write timeout (PostgreSQL, MariaDB) or the
    busy timeout (SQLite); TCP keepalive notices a silent network after
    `keepalive_idle + keepalive_interval * keepalive_count` seconds; and the
    engine's watchdog cancels a call that got no answer for `watchdog`
    seconds (a stopped server still acknowledges TCP, so only the client can
    notice it). Tests shorten them.
    """

    connect: float = 10.0
    statement: float = 20.0
    keepalive_idle: int = 10
    keepalive_interval: int = 5
    keepalive_count: int = 3
    watchdog: float = 25.0
    busy: float = 5.0


DEFAULT_TIMEOUTS: Final = DatabaseTimeouts()


class DatabaseUrlError(Exception):
    """A database URL that cannot be used; `reason` is a short translation key."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def sqlite_url(path: str) -> str:
    """Return the SQLAlchemy URL of a SQLite file at an absolute path."""
    return f"sqlite:///{path}"


def _mysql_driver() -> str:
    """Prefer the C driver when installed; PyMySQL (pure Python) otherwise."""
    return "mysqldb" if importlib.util.find_spec("MySQLdb") is not None else "pymysql"


def normalize_db_url(url: str) -> str:
    """Map user-facing URLs to an explicit SQLAlchemy driver.

    `mysql://` and `mariadb://` get the MySQL driver that is installed and
    `charset=utf8mb4` (entity names are Unicode); `postgresql://` gets psycopg2.
    An explicit `+driver` is kept. Raises DatabaseUrlError("invalid_url") or
    ("unsupported_engine").
    """
    try:
        parsed = make_url(url.strip())
    except ArgumentError as err:
        raise DatabaseUrlError("invalid_url", f"Not a database URL: {err}") from err
    backend, _, driver = parsed.drivername.partition("+")
    if backend in {"mysql", "mariadb"}:
        query = dict(parsed.query)
        query.setdefault("charset", "utf8mb4")
        parsed = parsed.set(drivername=f"mysql+{driver or _mysql_driver()}", query=query)
    elif backend in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername=f"postgresql+{driver or 'psycopg2'}")
    elif backend != "sqlite":
        raise DatabaseUrlError("unsupported_engine", f"Unsupported database engine: {backend}")
    return parsed.render_as_string(hide_password=False)


def redact_url(url: str) -> str:
    """Return the URL with its password masked, safe for logs and diagnostics."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database url>"


def backend_name(url: str) -> str:
    """Return "sqlite", "postgresql" or "mysql" for a normalized URL."""
    return make_url(url).get_backend_name()


def sqlite_path(url: str) -> str | None:
    """Return the file of a SQLite URL, or None for in-memory / other engines."""
    parsed: URL = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def validate_db_url(url: str) -> None:
    """Connect to the database once to prove the URL works (blocking: run in an executor).

    Raises DatabaseUrlError with reason "invalid_url", "unsupported_engine" or
    "cannot_connect".
    """
    normalized = normalize_db_url(url)
    try:
        engine = create_engine(normalized, poolclass=NullPool, **connect_args_for(normalized))
    except (ArgumentError, NoSuchModuleError, ImportError) as err:
        raise DatabaseUrlError("invalid_url", f"Cannot use this URL: {err}") from err
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as err:
        raise DatabaseUrlError("cannot_connect", f"Cannot connect: {err}") from err
    finally:
        engine.dispose()


def connect_args_for(url: str, timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS) -> dict[str, Any]:
    """Engine keyword arguments: every wait on the connection is bounded."""
    backend = backend_name(url)
    connect = max(1, round(timeouts.connect))
    if backend == "postgresql":
        statement_ms = int(timeouts.statement * 1000)
        return {
            "connect_args": {
                "connect_timeout": connect,
                "keepalives": 1,
                "keepalives_idle": timeouts.keepalive_idle,
                "keepalives_interval": timeouts.keepalive_interval,
                "keepalives_count": timeouts.keepalive_count,
                # Unacknowledged data (a dead peer) fails the connection too.
                "tcp_user_timeout": int(timeouts.watchdog * 1000),
                "options": f"-c statement_timeout={statement_ms} -c lock_timeout={statement_ms}"
                f" -c idle_in_transaction_session_timeout={statement_ms * 3}",
            },
            "pool_pre_ping": True,
        }
    if backend == "mysql":
        rw = max(1, round(timeouts.statement))
        return {
            "connect_args": {"connect_timeout": connect, "read_timeout": rw, "write_timeout": rw},
            "pool_recycle": 3600,
            "pool_pre_ping": True,
        }
    return {}


def install_connection_setup(engine: Engine, timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS) -> None:
    """Apply per-connection settings each time the pool opens a connection."""
    backend = engine.dialect.name

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if backend == "sqlite":
                cursor.execute(f"PRAGMA busy_timeout = {int(timeouts.busy * 1000)}")
                # Takes effect in a new file (before its first table) or at the
                # next VACUUM: purges then give space back in bounded steps.
                cursor.execute("PRAGMA auto_vacuum = INCREMENTAL")
                cursor.execute("PRAGMA journal_mode = WAL")
                # NORMAL is durable across application crashes in WAL mode;
                # a power cut can lose the last commit only.
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.execute("PRAGMA cache_size = -16384")
            elif backend == "mysql":
                # Timestamps are epoch floats, but keep NOW() and friends in UTC.
                cursor.execute("SET time_zone = '+00:00'")
                cursor.execute(
                    f"SET SESSION innodb_lock_wait_timeout = {max(1, round(timeouts.statement))}"
                )
        finally:
            cursor.close()


def abort_connection(dbapi_connection: Any) -> None:
    """Make a call blocked on this DBAPI connection fail now (from another thread).

    SQLite interrupts the statement; network drivers get their socket shut
    down, so the blocked read fails as if the server had gone away.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.interrupt()
        return
    fileno = getattr(dbapi_connection, "fileno", None)  # psycopg2
    if not callable(fileno):
        sock = getattr(dbapi_connection, "_sock", None)  # PyMySQL
        fileno = getattr(sock, "fileno", None)
    try:
        fd = fileno() if callable(fileno) else -1
        if fd < 0:
            return
        with socket.socket(fileno=os.dup(fd)) as sock_copy:
            sock_copy.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError) as err:  # already closed: nothing left to abort
        _LOGGER.debug("Aborting the database connection failed: %s", err)


def analyze(conn: Connection, tables: list[str]) -> None:
    """Refresh planner statistics so the hot range queries keep using indexes."""
    backend = conn.dialect.name
    if backend == "sqlite":
        # A sampled ANALYZE: bounded cost on big files, enough for the planner.
        conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
        conn.exec_driver_sql("ANALYZE")
    elif backend == "postgresql":
        for table in tables:
            conn.exec_driver_sql(f"ANALYZE {table}")
    elif backend == "mysql":
        conn.exec_driver_sql(f"ANALYZE TABLE {', '.join(tables)}")


def is_corruption_error(err: BaseException) -> bool:
    """Whether a (wrapped) sqlite3 error says the file itself is damaged."""
    cause = err.orig if isinstance(err, DBAPIError) else err
    if not isinstance(cause, sqlite3.DatabaseError):
        return False
    message = str(cause).lower()
    return any(part in message for part in CORRUPTION_MESSAGES)


def corrupt_suffix(now: datetime | None = None) -> str:
    """Return the `.corrupt.<UTC timestamp>` suffix for a moved-aside file."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f".corrupt.{moment.strftime('%Y%m%dT%H%M%SZ')}"


def move_aside_corrupt_sqlite(path: str, now: datetime | None = None) -> str:
    """Rename a damaged database and its -wal/-shm files; return the new main name."""
    suffix = corrupt_suffix(now)
    for side in SQLITE_SIDE_FILES:
        source = f"{path}{side}"
        if os.path.exists(source):
            os.replace(source, f"{source}{suffix}")
    _LOGGER.error("Moved the corrupt database %s aside to %s%s", path, path, suffix)
    return f"{path}{suffix}"


def check_sqlite_file(path: str, tables: list[str]) -> None:
    """Raise sqlite3.DatabaseError if an existing file is visibly damaged.

    A leftover -wal file means the last run did not close cleanly (a clean
    close checkpoints and removes it), so then the whole file is checked;
    otherwise reading the schema and the first row of each table is enough.
    """
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    conn = sqlite3.connect(path)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        for table in tables:
            if table in existing:
                conn.execute(f"SELECT * FROM {table} LIMIT 1").fetchall()
        wal = f"{path}-wal"
        if os.path.exists(wal) and os.path.getsize(wal) > 0:
            result = conn.execute("PRAGMA quick_check").fetchone()
            if result is None or result[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed: {result}")
    finally:
        conn.close()
