"""Retention: per tier, in batches, never raw events an unfinished rollup needs."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.planner import backfill, rollup_incremental
from custom_components.integration_reliability.store.purge import (
    PurgeResult,
    Retention,
    purge,
)
from custom_components.integration_reliability.store.schema import (
    Event,
    IntegrationMetrics,
    ProcessingJob,
)
from custom_components.integration_reliability.store.tasks import PurgeTask

from .test_rollup import local, rows
from .test_rollup_data import (
    AMS,
    Ev,
    Tracked,
    Writer,
    no_hass_fixture,  # noqa: F401
    session_fixture,  # noqa: F401
)

START = local(AMS, 2026, 1, 1)
DAY = 86400


def _daily_reloads(writer: Writer, days: int) -> None:
    """One reload per hour (24 events a day) for `days` days."""
    writer.track(Tracked("light.a", "e1", "hue", START))
    writer.add(*(Ev("e1", "hue", "reload", START + h * 3600 + 60) for h in range(days * 24)))


def _count(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(Event).where(*where)) or 0)  # type: ignore[arg-type]


def test_raw_tier_purged_in_batches(session: Session) -> None:
    writer = Writer(session)
    _daily_reloads(writer, 100)
    now = START + 100 * DAY + 600
    rollup_incremental(session, AMS, now)
    done: list[PurgeResult] = []
    task = PurgeTask(AMS, batch_size=100, now=lambda: now, on_done=done.append)
    runs = 1
    step = task.run(session)
    while step is not None:
        session.commit()
        runs += 1
        step = step.run(session)
    cutoff = local(AMS, 2026, 1, 11)  # 90 days before `now`, at local midnight
    assert done[0].raw_cutoff == cutoff
    assert done[0].removed["ir_events"] == 10 * 24
    assert _count(session, Event.timestamp < cutoff) == 0
    assert _count(session) == 90 * 24
    assert runs == 4  # 100 + 100 + 40, then the finishing run
    assert done[0].removed["integration_metrics.hour"] == 0
    job = session.scalars(select(ProcessingJob).where(ProcessingJob.job_type == "purge")).one()
    assert (job.status, job.range_end, job.rows_written) == ("success", cutoff, 240)


def test_raw_events_needed_by_unfinished_rollup_are_kept(session: Session) -> None:
    writer = Writer(session)
    _daily_reloads(writer, 100)
    # Rolled up only to day 5 (Home Assistant was down since): events after stay.
    rollup_incremental(session, AMS, START + 5 * DAY + 12 * 3600)
    result = purge(session, AMS, now=START + 100 * DAY + 600)
    assert result.raw_cutoff == START + 5 * DAY
    assert result.removed["ir_events"] == 5 * 24
    assert _count(session) == 95 * 24
    # The catch-up still has every event it needs.
    rollup_incremental(session, AMS, START + 100 * DAY + 600)
    assert rows(session, "day")[("e1", START + 50 * DAY)]["reloads"] == 24


def test_keep_days_override_and_backfill_respects_horizon(session: Session) -> None:
    writer = Writer(session)
    _daily_reloads(writer, 30)
    now = START + 30 * DAY + 600
    rollup_incremental(session, AMS, now)
    result = purge(session, AMS, now=now, keep_days=10)
    assert result.removed["ir_events"] == 20 * 24
    before = rows(session, "hour")
    # Hours whose raw events are gone are not recomputed into emptiness.
    backfill(session, START, now, AMS)
    assert rows(session, "hour") == before
    assert rows(session, "day")[("e1", START)]["reloads"] == 24


def test_rollup_tiers(session: Session) -> None:
    writer = Writer(session)
    _daily_reloads(writer, 70)
    now = START + 70 * DAY + 600
    rollup_incremental(session, AMS, now)
    result = purge(session, AMS, Retention(raw_days=60, hourly_days=40, daily_days=50), now=now)
    periods = dict(
        session.execute(
            select(IntegrationMetrics.period, func.min(IntegrationMetrics.period_start)).group_by(
                IntegrationMetrics.period
            )
        )
        .tuples()
        .all()
    )
    assert periods["hour"] >= now - 40 * DAY - 3600
    assert periods["day"] >= now - 50 * DAY - DAY
    assert periods["week"] < now - 60 * DAY
    assert periods["month"] == START
    assert result.removed["integration_metrics.hour"] == 30 * 24
    assert result.removed["integration_metrics.day"] == 20
