"""What every number of a rollup row means (every figure a user sees comes from these).

- An **outage** of an entity starts at its ``unavailable`` event (whose
  timestamp is the true start) and ends at the next ``recovered`` event of the
  same entity; an ``unavailable`` while that entity is already in an outage is
  a duplicate (e.g. re-announced after a restart) and is ignored. A
  ``recovered`` with no open outage closes nothing. An outage still open when a
  period is rolled up counts up to the end of that period.
- ``unavailable_events``: outages started in the period.
- ``recovered_events``: outages that ended in the period by a real recovery;
  ``repair_seconds_total`` is the sum of their durations and ``mttr_seconds``
  its mean (NULL if none). A ``recovered`` row whose details hold
  ``closed_by`` (the listener closing the outage of a removed, disabled or
  excluded entity) ends the outage — its unavailable seconds stop there — but
  is no repair: it counts in neither.
- Rename: the listener moves an open outage to the entity's new id and writes
  its ``recovered`` row under the NEW id with ``details.renamed_from`` = the
  old id (the first one, after several renames), while the ``unavailable`` row
  that opened it is under the old id. Such a row ends the open outage of the
  old id (same integration) exactly like a recovery of that id would —
  ``closed_by`` included — and, like any ``recovered`` row, also the new id's
  own outage if one is open.
- ``setup_failures`` / ``setup_retries``: failure spells started in the period.
  The listener writes ONE row per spell (and rewrites its details in place,
  with the attempt count, when the spell ends), so rows are counted, never
  attempts.
- ``unavailable_seconds``: entity-seconds of outage inside the period (an outage
  is split across every period it overlaps).
- ``entities_affected``: distinct entities with an outage that started in the
  period or was open during part of it.
- ``tracked_entity_seconds``: entity-seconds of the integration's entities
  existing (``tracked_entities``: first_seen .. removed_at) inside the period.
- ``availability`` = 1 - unavailable_seconds ÷ tracked_entity_seconds, clamped to
  [0, 1]; NULL when nothing was tracked.
- ``mtbf_seconds`` = available entity-seconds (tracked - unavailable, at least 0)
  ÷ outages started in the period: the mean entity uptime between failures.
  NULL when no outage started.
- ``success_rate`` = heal successes ÷ (successes + failures); NULL when there was
  no heal outcome, never 100 % by default.

Hourly rows are sparse: an integration gets one only for an hour with an event
or an outage (a quiet hour is fully available). Day, week and month rows are
dense for every integration with tracked entities or activity.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import bindparam, delete, insert
from sqlalchemy.orm import Session

from .schema import Base, IntegrationMetrics
from .sinks import note_rollups

COUNTER_FIELDS: Final = (
    "total_events",
    "unavailable_events",
    "recovered_events",
    "blips",
    "setup_failures",
    "setup_retries",
    "reloads",
    "heal_attempts",
    "heal_successes",
    "heal_failures",
)
SECONDS_FIELDS: Final = ("unavailable_seconds", "repair_seconds_total")


def derive_metrics(row: dict[str, Any]) -> None:
    """Fill the ratio metrics of a rollup row from its sums (see module doc)."""
    tracked = row["tracked_entity_seconds"]
    unavailable = row["unavailable_seconds"]
    row["availability"] = min(1.0, max(0.0, 1.0 - unavailable / tracked)) if tracked > 0 else None
    recovered = row["recovered_events"]
    row["mttr_seconds"] = row["repair_seconds_total"] / recovered if recovered else None
    started = row["unavailable_events"]
    row["mtbf_seconds"] = max(0.0, tracked - unavailable) / started if started else None
    heals = row["heal_successes"] + row["heal_failures"]
    row["success_rate"] = row["heal_successes"] / heals if heals else None


def empty_row(
    integration_id: str, domain: str, period: str, p0: float, p1: float
) -> dict[str, Any]:
    """A rollup row of one integration and period with every sum at zero."""
    row: dict[str, Any] = {
        "integration_id": integration_id,
        "integration_domain": domain,
        "period": period,
        "period_start": p0,
        "period_end": p1,
        "entities_affected": 0,
        "tracked_entity_seconds": 0.0,
    }
    row.update(dict.fromkeys(COUNTER_FIELDS, 0))
    row.update(dict.fromkeys(SECONDS_FIELDS, 0.0))
    return row


_METRICS_TABLE: Final = Base.metadata.tables[IntegrationMetrics.__tablename__]
_M = _METRICS_TABLE.c
_DELETE_ROWS_SQL: Final = delete(_METRICS_TABLE).where(
    _M.period == bindparam("period"),
    _M.period_start >= bindparam("p0"),
    _M.period_start < bindparam("p1"),
)
_INSERT_ROWS_SQL: Final = insert(_METRICS_TABLE)


def write_rows(
    session: Session, period: str, p0: float, p1: float, rows: list[dict[str, Any]]
) -> None:
    """Replace the `period` rows starting in [p0, p1): re-running gives identical rows.

    The rows are noted for the engine's second sinks (the InfluxDB export).
    """
    conn = session.connection()
    conn.execute(_DELETE_ROWS_SQL, {"period": period, "p0": p0, "p1": p1})
    if rows:
        conn.execute(_INSERT_ROWS_SQL, rows)
        note_rollups(session, rows)
