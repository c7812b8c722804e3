"""Second sinks of what the engine commits (e.g. the InfluxDB export).

A sink is told, in the writer thread and right after the commit, about the
events it committed and the rollup rows it wrote or recomputed. Jobs that
write rollup rows, or rewrite an event row in place (a failure spell's row
when the spell ends), note them in their session; they are handed over only
once that session committed, so a slice that rolls back is never exported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session

from .records import EventRecord

_ROLLUPS_KEY: Final = "integration_reliability_rollups_written"
_EVENTS_KEY: Final = "integration_reliability_events_rewritten"


class CommitSink(Protocol):
    """Receives committed data; must only hand it over (e.g. to its own queue) and return."""

    def on_events(self, records: Sequence[EventRecord]) -> None:
        """`records` were committed (or rewritten in place), in the order recorded."""

    def on_rollups(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rollup rows were written, or recomputed and replaced."""


def note_rollups(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Remember rollup rows written in this session's transaction."""
    if rows:
        session.info.setdefault(_ROLLUPS_KEY, []).extend(rows)


def note_rewritten_event(session: Session, record: EventRecord) -> None:
    """Remember an event row rewritten in this session's transaction (same time, new details)."""
    session.info.setdefault(_EVENTS_KEY, []).append(record)


def take_noted(session: Session) -> tuple[list[EventRecord], list[Mapping[str, Any]]]:
    """What was noted since the last call (handed over after a commit, dropped on a rollback)."""
    return session.info.pop(_EVENTS_KEY, []), session.info.pop(_ROLLUPS_KEY, [])
