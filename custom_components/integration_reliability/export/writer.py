"""The exporter's bounded queue and its writer task.

`submit` may be called from any thread (the SQL engine's writer thread hands
over what it committed) and never blocks: it appends to a deque, or counts
the points as dropped when the queue is full, like the SQL engine does. One
asyncio task on the event loop takes batches of `batch_size` points — or
what is queued every `flush_interval` seconds — encodes them in the executor
and writes them. Connection errors, timeouts, 5xx and 429 are retried with a
capped back-off (429's Retry-After honoured), keeping the batch; 401/403/404
report a problem (a repair issue) and keep retrying at the capped interval,
so fixing the server resumes the export; a 400 is logged with the first
failing line and the refused points are dropped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import logging
import re
import threading
import time
from typing import Any, Final, Protocol

from .client import (
    InfluxAuthError,
    InfluxBadRequestError,
    InfluxClient,
    InfluxError,
    InfluxNotFoundError,
    InfluxUnreachableError,
)
from .points import EncodedBatch, ExportItem

_LOGGER = logging.getLogger(__name__)

FIRST_RETRY_S: Final = 1.0
MAX_BACKOFF_S: Final = 60.0
MAX_RETRY_AFTER_S: Final = 300.0
DEFAULT_QUEUE_SIZE: Final = 100_000
STOP_TIMEOUT_S: Final = 10.0

_UNPARSABLE = re.compile(r"unable to parse '(.*?)': ", re.DOTALL)
_FIELD_CONFLICT = re.compile(
    r'input field \\?"(?P<field>[^"\\]+)\\?" on measurement \\?"(?P<m>[^"\\]+)'
)


class ExportProblem(StrEnum):
    """What the user has to fix on the server (a repair issue each)."""

    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"


class ExportState(StrEnum):
    """How the export is doing, for the diagnostic sensor."""

    OK = "ok"
    RETRYING = "retrying"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ExportStats:
    """Counters since the exporter started, for the sensor and diagnostics."""

    exported: int
    retried: int
    dropped: int
    queued: int
    state: ExportState
    last_error: str | None
    last_write: float | None


class ExportListener(Protocol):
    """Told about problems and progress, on the event loop."""

    def on_problem(self, problem: ExportProblem, message: str) -> None:
        """A write was refused in a way only the user can fix."""

    def on_problem_cleared(self) -> None:
        """A write succeeded again."""

    def on_stats(self) -> None:
        """The counters changed."""


class ExportFailedError(Exception):
    """A backfill batch could not be written; `error` is the last failure."""

    def __init__(self, error: InfluxError) -> None:
        super().__init__(error.message)
        self.error = error


type Encoder = Callable[[Sequence[ExportItem]], Awaitable[EncodedBatch]]


def first_failing_line(lines: Sequence[str], message: str) -> str:
    """The line a 400 is about: named in the message, or the first with the conflicting field."""
    if match := _UNPARSABLE.search(message):
        return match.group(1)
    if match := _FIELD_CONFLICT.search(message):
        measurement = match.group("m")
        field = match.group("field")
        for line in lines:
            head, _, rest = line.partition(" ")
            while head.endswith("\\"):
                # An escaped space inside a tag value: the key goes on.
                more, _, rest = rest.partition(" ")
                head = f"{head} {more}"
            if (head == measurement or head.startswith(measurement + ",")) and (
                rest.startswith(field + "=") or f",{field}=" in rest
            ):
                return line
    return lines[0] if lines else ""


class InfluxWriter:
    """Bounded queue plus the task that writes it; counters for the sensor."""

    def __init__(
        self,
        client: InfluxClient,
        encode: Encoder,
        listener: ExportListener,
        *,
        prepare: Callable[[], Awaitable[None]] | None = None,
        batch_size: int,
        flush_interval: float,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        first_retry: float = FIRST_RETRY_S,
        max_backoff: float = MAX_BACKOFF_S,
    ) -> None:
        self._client = client
        self._encode = encode
        self._prepare = prepare
        self._prepared = prepare is None
        self._listener = listener
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._queue_size = queue_size
        self._first_retry = first_retry
        self._max_backoff = max_backoff

        # deque append/popleft/len are atomic: submit takes no lock.
        self._queue: deque[ExportItem] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._wake = asyncio.Event()
        self._size_signalled = False
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._batch: list[ExportItem] = []

        self._exported = 0
        self._retried = 0
        self._overflow_dropped = 0
        self._overflow_logged = False
        self._refused = 0
        self._state = ExportState.OK
        self._last_error: str | None = None
        self._last_write: float | None = None
        self._problem: ExportProblem | None = None

    @property
    def stats(self) -> ExportStats:
        """A snapshot of the counters."""
        return ExportStats(
            exported=self._exported,
            retried=self._retried,
            dropped=self._overflow_dropped + self._refused,
            queued=len(self._queue) + len(self._batch),
            state=ExportState.STOPPED if self._task is None else self._state,
            last_error=self._last_error,
            last_write=self._last_write,
        )

    # ------------------------------------------------------------ any thread

    def submit(self, items: Iterable[ExportItem]) -> None:
        """Queue points without blocking; what does not fit is counted as dropped."""
        queue = self._queue
        for item in items:
            if self._stopping or len(queue) >= self._queue_size:
                self._overflow_dropped += 1
                if not self._overflow_logged:
                    self._overflow_logged = True
                    _LOGGER.warning(
                        "InfluxDB export queue is full (%d) or stopping: dropping points;"
                        " the server cannot keep up or is down",
                        self._queue_size,
                    )
                continue
            queue.append(item)
        if len(queue) >= self._batch_size and not self._size_signalled:
            self._size_signalled = True
            self._signal()

    def _signal(self) -> None:
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    # -------------------------------------------------------------- the loop

    def start(self, create_task: Callable[[Coroutine[Any, Any, None]], asyncio.Task[None]]) -> None:
        """Start the writer task (on the event loop)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._task = create_task(self._async_run())

    async def async_stop(self, budget: float = STOP_TIMEOUT_S) -> None:
        """Write what is queued within `budget` seconds; count the rest as dropped.

        Does not rely on the writer task: Home Assistant cancels background
        tasks before its final-write stage, where this runs.
        """
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Refused for good (credentials, missing database): no point waiting.
        if self._problem is None and (self._batch or self._queue):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(budget):
                    await self._async_drain()
        lost = len(self._queue) + len(self._batch)
        if lost:
            self._overflow_dropped += lost
            _LOGGER.warning(
                "InfluxDB export stopped with %d points not written (%s)",
                lost,
                self._last_error or "no answer in time",
            )
        self._queue.clear()
        self._batch = []
        self._listener.on_stats()

    async def _async_run(self) -> None:
        while True:
            if len(self._queue) < self._batch_size:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._flush_interval):
                        await self._wake.wait()
            if self._queue:
                await self._async_drain(once=True)

    async def _async_drain(self, *, once: bool = False) -> None:
        """Write batches until the queue is empty (or one batch with `once`).

        The batch being written stays in `_batch` until it is written, so a
        cancelled writer leaves it for the final drain.
        """
        while self._batch or self._queue:
            if not self._batch:
                count = min(self._batch_size, len(self._queue))
                self._batch = [self._queue.popleft() for _ in range(count)]
                self._size_signalled = False
            try:
                await self._deliver(self._batch, give_up_after=None)
            except Exception:  # the writer must survive anything
                _LOGGER.exception(
                    "Unexpected error exporting %d points to InfluxDB", len(self._batch)
                )
                self._refused += len(self._batch)
            self._batch = []
            self._listener.on_stats()
            if once:
                return

    async def async_write_now(self, items: Sequence[ExportItem], attempts: int = 5) -> int:
        """Write a backfill batch now; retry transient errors `attempts` times.

        Returns the points written. Raises ExportFailedError when the server refuses
        for good (401/403/404) or stays unreachable.
        """
        written = await self._deliver(items, give_up_after=attempts)
        self._listener.on_stats()
        return written

    async def _deliver(self, items: Sequence[ExportItem], give_up_after: int | None) -> int:
        """Encode and write one batch, one request per retention policy."""
        encoded = await self._encode(items)
        written = 0
        for policy, lines in encoded.lines.items():
            written += await self._write_lines(policy, lines, give_up_after)
        return written

    async def _write_lines(
        self, policy: str | None, lines: list[str], give_up_after: int | None
    ) -> int:
        body = "\n".join(lines).encode("utf-8", "replace")
        attempt = 0
        while True:
            try:
                if not self._prepared:
                    await self._prepare_server()
                await self._client.write(body, policy)
            except InfluxBadRequestError as err:
                return self._refused_lines(lines, err)
            except InfluxError as err:
                attempt += 1
                self._last_error = err.message
                delay = min(self._first_retry * 2 ** (attempt - 1), self._max_backoff)
                if isinstance(err, InfluxAuthError | InfluxNotFoundError):
                    # A database dropped meanwhile is created again (when allowed).
                    self._prepared = self._prepare is None
                    self._report(err)
                else:
                    self._state = ExportState.RETRYING
                    if isinstance(err, InfluxUnreachableError) and err.retry_after is not None:
                        delay = max(delay, min(err.retry_after, MAX_RETRY_AFTER_S))
                if give_up_after is not None and (
                    attempt >= give_up_after or not isinstance(err, InfluxUnreachableError)
                ):
                    raise ExportFailedError(err) from err
                self._retried += 1
                _LOGGER.debug("InfluxDB write failed (%s); retry in %.1f s", err.message, delay)
                self._listener.on_stats()
                await asyncio.sleep(delay)
            else:
                self._exported += len(lines)
                self._last_write = time.time()
                self._ok()
                return len(lines)

    def _refused_lines(self, lines: list[str], err: InfluxBadRequestError) -> int:
        """A 400: count what was refused, log why, never retry. Returns the points written."""
        refused = len(lines) if err.dropped is None else min(err.dropped, len(lines))
        _LOGGER.error(
            "InfluxDB refused %d of %d points (%s); first failing line: %s",
            refused,
            len(lines),
            err.message,
            first_failing_line(lines, err.message),
        )
        self._refused += refused
        self._exported += len(lines) - refused
        self._last_error = err.message
        self._ok()
        return len(lines) - refused

    async def _prepare_server(self) -> None:
        """Create what is missing on the server before the first write."""
        assert self._prepare is not None
        try:
            await self._prepare()
        except InfluxBadRequestError as err:
            # A statement the server refused: what we write into is missing.
            raise InfluxNotFoundError(err.message, err.status) from err
        self._prepared = True

    def _report(self, err: InfluxError) -> None:
        if isinstance(err, InfluxAuthError):
            problem = ExportProblem.UNAUTHORIZED
        else:
            problem = ExportProblem.NOT_FOUND
        self._state = ExportState(problem.value)
        if self._problem is not problem:
            self._problem = problem
            _LOGGER.error("InfluxDB refused the export: %s", err.message)
            self._listener.on_problem(problem, err.message)

    def _ok(self) -> None:
        self._state = ExportState.OK
        if self._problem is not None:
            self._problem = None
            self._listener.on_problem_cleared()
