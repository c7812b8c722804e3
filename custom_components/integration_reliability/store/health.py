"""What the engine reports about itself: state, counters, incidents.

Read by sensors, diagnostics and repair issues straight from the writer's
in-memory counters, never through the write queue, so they stay live while
the database is failing. No Home Assistant imports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
import threading


class DatabaseState(StrEnum):
    """The database as the writer sees it."""

    OK = "ok"
    # Writes fail; records stay queued and the writer retries with back-off.
    RETRYING = "retrying"
    # Writes have kept failing for longer than the engine's `failing_after`.
    FAILING = "failing"
    # The engine stopped with records it could not write in the local journal.
    SPILLED = "spilled"


@dataclass(frozen=True, slots=True)
class HealthCounts:
    """Totals since the engine started."""

    queued: int
    dropped: int
    spilled: int


@dataclass(frozen=True, slots=True)
class Incident:
    """One episode of trouble: writes failing and/or the queue overflowing.

    `dropped` and `spilled` count what happened during this incident;
    `queued` is the queue depth at its last update. `ended_at` is set once
    a commit succeeded with nothing dropped since the one before.
    """

    started_at: float
    error: str | None
    overflow: bool
    queued: int
    dropped: int
    spilled: int
    updated_at: float
    ended_at: float | None = None


class IncidentTracker:
    """Opens, updates and closes incidents (from the writer and the event loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: Incident | None = None
        self._baseline = HealthCounts(0, 0, 0)

    @property
    def current(self) -> Incident | None:
        """The open incident, or the last one that ended."""
        return self._current

    def live(self, counts: HealthCounts) -> Incident | None:
        """The current incident with its figures as of now, if it is still open."""
        current = self._current
        if current is None or current.ended_at is not None:
            return current
        return self._with_counts(current, counts)

    @property
    def open(self) -> bool:
        """Whether an incident is going on."""
        current = self._current
        return current is not None and current.ended_at is None

    def report(
        self, counts: HealthCounts, now: float, *, error: str | None = None, overflow: bool = False
    ) -> Incident:
        """Open an incident, or add to the one going on."""
        with self._lock:
            current = self._current
            if current is None or current.ended_at is not None:
                # Counted from here: what went before belongs to earlier incidents.
                self._baseline = counts
                current = Incident(
                    started_at=now,
                    error=None,
                    overflow=False,
                    queued=counts.queued,
                    dropped=0,
                    spilled=0,
                    updated_at=now,
                )
            self._current = self._with_counts(
                replace(
                    current,
                    error=error if error is not None else current.error,
                    overflow=current.overflow or overflow,
                    updated_at=now,
                ),
                counts,
            )
            return self._current

    def end(self, counts: HealthCounts, now: float) -> Incident | None:
        """Close the open incident; None if there was none."""
        with self._lock:
            current = self._current
            if current is None or current.ended_at is not None:
                return None
            self._current = self._with_counts(
                replace(current, updated_at=now, ended_at=now), counts
            )
            return self._current

    def _with_counts(self, incident: Incident, counts: HealthCounts) -> Incident:
        """The incident's own figures: totals less what came before it."""
        return replace(
            incident,
            queued=counts.queued,
            dropped=counts.dropped - self._baseline.dropped,
            spilled=counts.spilled - self._baseline.spilled,
        )


@dataclass(frozen=True, slots=True)
class StoreStats:
    """A snapshot of the engine's counters for sensors and diagnostics.

    Every record handed to the engine is accounted for:
    `received = committed + dropped + spilled + queue_depth`.
    """

    queue_depth: int
    queue_bytes: int
    received_records: int
    committed_records: int
    dropped_records: int
    spilled_records: int
    replayed_records: int
    schema_version: int | None
    backend: str
    last_commit: float | None
    running: bool
    state: DatabaseState | None
    last_error: str | None
    last_error_at: float | None
    incident: Incident | None
