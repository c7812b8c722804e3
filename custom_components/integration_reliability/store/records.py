"""Plain immutable records handed from the event loop to the writer thread.

Nothing here imports Home Assistant: the storage engine sits below that
boundary so it can be tested and benchmarked on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    """What happened to an integration (SPEC.md §2)."""

    UNAVAILABLE = "unavailable"
    RECOVERED = "recovered"
    BLIP = "blip"
    SETUP_FAILURE = "setup_failure"
    SETUP_RETRY = "setup_retry"
    RELOAD = "reload"
    HEAL_ATTEMPT = "heal_attempt"
    HEAL_SUCCESS = "heal_success"
    HEAL_FAILURE = "heal_failure"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One reliability event, as stored in `integration_reliability`.

    `timestamp` is when it happened (an outage's true start, not when it was
    confirmed), as UTC epoch seconds: the one time representation used in
    the database.
    """

    integration_id: str
    integration_domain: str
    event_type: EventType
    timestamp: float
    entity_id: str | None = None
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class TrackedEntityRecord:
    """Context of one monitored entity (the seeds' tags), upserted by entity_id."""

    entity_id: str
    integration_id: str
    integration_domain: str
    platform: str
    device_id: str | None = None
    device_name: str | None = None
    area: str | None = None
    device_class: str | None = None
    first_seen: float = 0.0
    removed_at: float | None = None
