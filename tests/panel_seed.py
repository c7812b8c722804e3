"""Seeded history for the panel's tests: four integrations of known, different reliability.

Relative to `now` (UTC hours, the e2e config's time zone is UTC):
- `zha` is the worst: two entities down 03:00-03:20 on each of the last 14
  days (the 03:00 cluster of the heatmap), one heal that worked;
- `hue`: five 10-minute outages of one entity at midday, and a failure spell;
- `mqtt`: one 5-minute outage;
- `cast`: tracked, never down.
Worst first: zha, hue, mqtt, cast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from custom_components.integration_reliability.store.records import (
    EventRecord,
    EventType,
    TrackedEntityRecord,
)

ORDER = ("zha", "hue", "mqtt", "cast")
ENTITIES = {domain: [f"sensor.{domain}_{k}" for k in range(3)] for domain in ORDER}
CLUSTER_HOUR = 3
CLUSTER_DAYS = 14
CLUSTER_MINUTES = 20


@dataclass(frozen=True, slots=True)
class Seed:
    """What was seeded, and the figures an independent count gives."""

    tracked: list[TrackedEntityRecord]
    events: list[EventRecord]
    outage_seconds: dict[str, float]
    outages: dict[str, int]


def seed(now: datetime) -> Seed:
    """Build the seeded records for a database whose clock reads `now`."""
    now = now.astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first_seen = (midnight - timedelta(days=30)).timestamp()
    tracked = [
        TrackedEntityRecord(
            entity_id=entity,
            integration_id=domain,
            integration_domain=domain,
            platform=domain,
            first_seen=first_seen,
        )
        for domain in ORDER
        for entity in ENTITIES[domain]
    ]
    events: list[EventRecord] = []
    seconds = dict.fromkeys(ORDER, 0.0)
    counts = dict.fromkeys(ORDER, 0)

    def outage(domain: str, entity: str, start: datetime, minutes: float) -> None:
        end = start + timedelta(minutes=minutes)
        events.append(EventRecord(domain, domain, EventType.UNAVAILABLE, start.timestamp(), entity))
        events.append(
            EventRecord(
                domain,
                domain,
                EventType.RECOVERED,
                end.timestamp(),
                entity,
                {"duration_s": minutes * 60},
            )
        )
        seconds[domain] += minutes * 60
        counts[domain] += 1

    for day in range(1, CLUSTER_DAYS + 1):
        start = midnight - timedelta(days=day) + timedelta(hours=CLUSTER_HOUR)
        for entity in ENTITIES["zha"][:2]:
            outage("zha", entity, start + timedelta(seconds=30), CLUSTER_MINUTES)
    heal_at = (midnight - timedelta(days=2) + timedelta(hours=CLUSTER_HOUR, minutes=10)).timestamp()
    events.append(EventRecord("zha", "zha", EventType.HEAL_ATTEMPT, heal_at))
    events.append(EventRecord("zha", "zha", EventType.HEAL_SUCCESS, heal_at + 30))
    for day in (2, 4, 6, 8, 10):
        start = midnight - timedelta(days=day) + timedelta(hours=12)
        outage("hue", ENTITIES["hue"][0], start, 10)
    spell_at = (midnight - timedelta(days=3) + timedelta(hours=9)).timestamp()
    events.append(
        EventRecord(
            "hue",
            "hue",
            EventType.SETUP_RETRY,
            spell_at,
            None,
            {
                "state": "setup_retry",
                "reason": "Bridge not reachable",
                "attempts": 4,
                "ended": spell_at + 600,
                "duration_s": 600.0,
                "outcome": "loaded",
            },
        )
    )
    outage("mqtt", ENTITIES["mqtt"][1], midnight - timedelta(days=5) + timedelta(hours=18), 5)
    events.sort(key=lambda e: e.timestamp)
    return Seed(tracked, events, seconds, counts)
