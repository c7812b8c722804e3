"""Aborts a database call that gets no answer in time.

A server that is stopped (SIGSTOP, a frozen VM) keeps its TCP connections
open and its kernel keeps acknowledging, so keepalives and server-side
timeouts never fire and a blocked read waits forever. The writer marks each
unit of work; every statement that completes counts as progress. When no
progress is made for `timeout` seconds, or past a hard deadline (the
shutdown budget), the connection last checked out is aborted: the blocked
call fails like a lost connection and the writer retries. No Home Assistant
imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import logging
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .util import abort_connection

_LOGGER = logging.getLogger(__name__)


class Watchdog:
    """One thread watching the writer's calls on one engine at a time."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._connection: Any = None
        self._progress: float | None = None
        self._deadline: float | None = None
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.aborted = 0

    def start(self) -> None:
        """Start the watching thread."""
        self._thread = threading.Thread(
            target=self._run, name="integration_reliability_watchdog", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """End the watching thread."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def attach(self, engine: Engine) -> None:
        """Follow the connections and statements of an engine."""

        @event.listens_for(engine, "checkout")
        def _checkout(dbapi_connection: Any, *_: Any) -> None:
            self._connection = dbapi_connection

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, *_: Any) -> None:
            self._connection = dbapi_connection

        @event.listens_for(engine, "after_cursor_execute")
        def _progress(*_: Any) -> None:
            if self._progress is not None:
                self._progress = time.monotonic()

    def limit(self, deadline: float | None) -> None:
        """Abort any call still running at this monotonic time (None: no limit)."""
        self._deadline = deadline
        self._wake.set()

    @contextmanager
    def watch(self) -> Iterator[None]:
        """Watch the calls made inside this block."""
        self._progress = time.monotonic()
        self._wake.set()
        try:
            yield
        finally:
            self._progress = None

    def _run(self) -> None:
        aborted_stall: float | None = None
        while not self._closed:
            progress = self._progress
            if progress is None or progress == aborted_stall:
                # Idle, or this stall was already aborted: wait for the next call.
                self._wake.wait()
                self._wake.clear()
                continue
            due = progress + self._timeout
            if self._deadline is not None:
                due = min(due, self._deadline)
            remaining = due - time.monotonic()
            if remaining > 0:
                self._wake.wait(remaining)
                self._wake.clear()
                continue
            if self._progress == progress and self._connection is not None:
                _LOGGER.warning(
                    "The database did not answer for %.1f s; aborting the connection",
                    time.monotonic() - progress,
                )
                self.aborted += 1
                abort_connection(self._connection)
            aborted_stall = progress
