"""Rollups: every metric equals the raw computation; DST, incremental, backfill."""

from __future__ import annotations

from datetime import datetime
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store import planner
from custom_components.integration_reliability.store.checkpoint import (
    JOB_ROLLUP_HOUR,
    open_outages_at,
)
from custom_components.integration_reliability.store.outages import Lookups, replay_open_at
from custom_components.integration_reliability.store.periods import iter_periods, period_bounds
from custom_components.integration_reliability.store.planner import (
    RollupResult,
    backfill,
    rollup_incremental,
)
from custom_components.integration_reliability.store.schema import (
    Base,
    IntegrationMetrics,
    ProcessingJob,
)
from custom_components.integration_reliability.store.tasks import RollupTask
from custom_components.integration_reliability.store.util import normalize_db_url

from .test_rollup_data import (
    AMS,
    Ev,
    Tracked,
    Writer,
    generate,
    no_hass_fixture,  # noqa: F401
    outage,
    reference_metrics,
    session_fixture,  # noqa: F401
)

METRICS = [
    "total_events",
    "unavailable_events",
    "recovered_events",
    "blips",
    "entities_affected",
    "unavailable_seconds",
    "tracked_entity_seconds",
    "availability",
    "repair_seconds_total",
    "mttr_seconds",
    "mtbf_seconds",
    "setup_failures",
    "setup_retries",
    "reloads",
    "heal_attempts",
    "heal_successes",
    "heal_failures",
    "success_rate",
]


def local(tz: ZoneInfo, *args: int) -> float:
    return datetime(*args, tzinfo=tz).timestamp()  # type: ignore[misc]


def rows(session: Session, period: str) -> dict[tuple[str, float], dict[str, Any]]:
    result = {}
    for row in session.scalars(
        select(IntegrationMetrics).where(IntegrationMetrics.period == period)
    ):
        data = {c: getattr(row, c) for c in ["period_end", *METRICS]}
        result[(row.integration_id, row.period_start)] = data
    return result


def assert_same(actual: dict[str, Any], expected: dict[str, Any], where: object) -> None:
    for name in METRICS:
        a, e = actual[name], expected[name]
        if e is None or a is None:
            assert a == e, (where, name, a, e)
        else:
            assert a == pytest.approx(e, rel=1e-9, abs=1e-6), (where, name, a, e)


def jobs(session: Session, job_type: str = JOB_ROLLUP_HOUR) -> list[tuple[float, float]]:
    return [
        (j.range_start, j.range_end)
        for j in session.scalars(
            select(ProcessingJob)
            .where(ProcessingJob.job_type == job_type)
            .order_by(ProcessingJob.id)
        )
    ]


@pytest.mark.parametrize(
    ("first", "last"),
    [((2026, 3, 24), (2026, 4, 8)), ((2026, 10, 20), (2026, 11, 4))],
    ids=["spring-dst", "autumn-dst"],
)
def test_every_rollup_equals_raw_computation(
    session: Session, first: tuple[int, int, int], last: tuple[int, int, int]
) -> None:
    """Hour/day/week/month rows agree with the reference on every metric."""
    start, end = local(AMS, *first), local(AMS, *last)
    writer = Writer(session)
    generate(writer, start, end, renames=0.1)
    assert any("renamed_from" in (ev.details or {}) for ev in writer.events)
    hours = rollup_incremental(session, AMS, end + 600)
    assert hours > 0
    iids = sorted({t.integration_id for t in writer.tracked})

    hourly = rows(session, "hour")
    checked = 0
    for p0, p1 in iter_periods("hour", start - 3600, end, AMS):
        for iid in iids:
            ref = reference_metrics(writer.events, writer.tracked, iid, p0, p1)
            active = ref["total_events"] or ref["unavailable_seconds"] or ref["entities_affected"]
            if not active:
                assert (iid, p0) not in hourly
                continue
            assert_same(hourly[(iid, p0)], ref, (iid, "hour", p0))
            checked += 1
    assert checked > 500

    for period in ("day", "week", "month"):
        stored = rows(session, period)
        for p0, p1 in iter_periods(period, start, end, AMS):
            if p1 > end:
                continue  # not closed at `now`
            for iid in iids:
                assert stored[(iid, p0)]["period_end"] == p1
                ref = reference_metrics(writer.events, writer.tracked, iid, p0, p1)
                assert_same(stored[(iid, p0)], ref, (iid, period, p0))


def test_outage_split_across_hours_and_day(session: Session) -> None:
    """10:30 → 13:15 is 1800 + 3600 + 3600 + 900 s; MTTR lands in the ending hour."""
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.track(Tracked("light.a", "e1", "hue", day - 86400))
    writer.add(*outage("e1", "hue", "light.a", day + 10.5 * 3600, day + 13.25 * 3600))
    rollup_incremental(session, AMS, day + 86400 + 600)
    hourly = rows(session, "hour")
    assert [hourly[("e1", day + h * 3600)]["unavailable_seconds"] for h in (10, 11, 12, 13)] == [
        1800,
        3600,
        3600,
        900,
    ]
    assert hourly[("e1", day + 10 * 3600)]["unavailable_events"] == 1
    assert hourly[("e1", day + 10 * 3600)]["mttr_seconds"] is None
    assert hourly[("e1", day + 13 * 3600)]["mttr_seconds"] == 9900
    assert hourly[("e1", day + 11 * 3600)]["availability"] == 0.0
    daily = rows(session, "day")[("e1", day)]
    assert daily["unavailable_seconds"] == 9900
    assert daily["entities_affected"] == 1
    assert daily["availability"] == pytest.approx(1 - 9900 / 86400)
    assert daily["mttr_seconds"] == 9900
    assert daily["mtbf_seconds"] == 86400 - 9900


def test_open_outage_counts_to_period_end(session: Session) -> None:
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.track(Tracked("light.a", "e1", "hue", day))
    writer.add(*outage("e1", "hue", "light.a", day + 22 * 3600, None))
    rollup_incremental(session, AMS, day + 2 * 86400 + 600)
    daily = rows(session, "day")
    assert daily[("e1", day)]["unavailable_seconds"] == 2 * 3600
    assert daily[("e1", day + 86400)]["unavailable_seconds"] == 86400
    assert daily[("e1", day + 86400)]["availability"] == 0.0
    assert daily[("e1", day + 86400)]["entities_affected"] == 1
    assert daily[("e1", day + 86400)]["unavailable_events"] == 0
    assert daily[("e1", day + 86400)]["mtbf_seconds"] is None


@pytest.mark.parametrize(
    ("date", "hours"), [((2026, 3, 29), 23), ((2026, 10, 25), 25)], ids=["spring", "autumn"]
)
def test_dst_days_have_their_true_length(
    session: Session, date: tuple[int, int, int], hours: int
) -> None:
    writer = Writer(session)
    day = local(AMS, *date)
    writer.track(Tracked("light.a", "e1", "hue", day - 7 * 86400))
    # Local 01:00 → 05:00 on the DST day: 4 wall-clock hours, 3 or 5 real ones.
    writer.add(*outage("e1", "hue", "light.a", local(AMS, *date, 1), local(AMS, *date, 5)))
    rollup_incremental(session, AMS, day + 2 * 86400)
    daily = rows(session, "day")[("e1", day)]
    assert daily["period_end"] - day == hours * 3600
    assert daily["tracked_entity_seconds"] == hours * 3600
    assert daily["unavailable_seconds"] == (hours - 20) * 3600
    hourly = rows(session, "hour")
    # Hours in the outage, plus the one where the recovered event lands.
    assert len([k for k in hourly if day <= k[1] < day + hours * 3600]) == hours - 20 + 1
    week_start = period_bounds("week", day, AMS)[0]
    assert (
        rows(session, "week")[("e1", week_start)]["tracked_entity_seconds"]
        == (7 * 24 + hours - 24) * 3600
    )


def test_half_hour_zone_days_are_whole_hours(session: Session) -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    writer = Writer(session)
    day = local(kolkata, 2026, 2, 2)
    writer.track(Tracked("light.a", "e1", "hue", day - 86400))
    writer.add(*outage("e1", "hue", "light.a", day - 1800, day + 1800))
    rollup_incremental(session, kolkata, day + 86400 + 600)
    hourly = rows(session, "hour")
    assert hourly[("e1", day - 3600)]["unavailable_seconds"] == 1800
    assert hourly[("e1", day)]["unavailable_seconds"] == 1800
    assert rows(session, "day")[("e1", day)]["unavailable_seconds"] == 1800


@pytest.mark.parametrize("closed_by", ["entity_removed", "entity_disabled", "entity_excluded"])
def test_outage_closed_by_listener_is_no_repair(session: Session, closed_by: str) -> None:
    """A `closed_by` recovery ends the outage but stays out of MTTR."""
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.track(
        Tracked("light.a", "e1", "hue", day - 86400),
        Tracked("light.b", "e1", "hue", day - 86400, removed_at=day + 3 * 3600),
    )
    writer.add(
        *outage("e1", "hue", "light.a", day + 3600, day + 3600 + 600),  # a real repair
        Ev("e1", "hue", "unavailable", day + 2 * 3600, "light.b"),
        Ev(
            "e1",
            "hue",
            "recovered",
            day + 3 * 3600,
            "light.b",
            {"duration_s": 3600.0, "closed_by": closed_by},
        ),
    )
    rollup_incremental(session, AMS, day + 86400 + 600)
    closing_hour = rows(session, "hour")[("e1", day + 2 * 3600)]
    assert closing_hour["unavailable_seconds"] == 3600
    assert closing_hour["recovered_events"] == 0
    assert closing_hour["repair_seconds_total"] == 0
    assert closing_hour["mttr_seconds"] is None
    assert ("e1", day + 3 * 3600) in rows(session, "hour")  # the closing event's hour
    assert rows(session, "hour")[("e1", day + 3 * 3600)]["unavailable_seconds"] == 0
    daily = rows(session, "day")[("e1", day)]
    assert daily["unavailable_events"] == 2
    assert daily["recovered_events"] == 1
    assert daily["repair_seconds_total"] == 600
    assert daily["mttr_seconds"] == 600
    assert daily["unavailable_seconds"] == 600 + 3600  # the outage stops where it was closed
    assert daily["entities_affected"] == 2
    ref = reference_metrics(writer.events, writer.tracked, "e1", day, day + 86400)
    assert_same(daily, ref, "day")


def checkpoint_at(session: Session, ts: float) -> list[Any]:
    """The open outages stored by the hourly run ending at `ts`."""
    raw = session.scalar(
        select(ProcessingJob.state).where(
            ProcessingJob.job_type == JOB_ROLLUP_HOUR, ProcessingJob.range_end == ts
        )
    )
    assert raw is not None
    loaded: list[Any] = json.loads(raw)
    return loaded


@pytest.mark.parametrize("closed_by", [None, "entity_removed"])
def test_outage_of_renamed_entity_ends_at_its_recovery(
    session: Session, closed_by: str | None
) -> None:
    """Down as sensor.old 10:30, renamed, recovered as sensor.new 11:15: one outage of 45 min."""
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    down, up = day + 10.5 * 3600, day + 11.25 * 3600
    writer.track(
        Tracked("sensor.old", "e1", "hue", day - 86400, removed_at=day + 11 * 3600),
        Tracked("sensor.new", "e1", "hue", day + 11 * 3600),
    )
    details: dict[str, Any] = {"duration_s": up - down, "renamed_from": "sensor.old"}
    if closed_by is not None:
        details["closed_by"] = closed_by
    writer.add(
        Ev("e1", "hue", "unavailable", down, "sensor.old"),
        Ev("e1", "hue", "recovered", up, "sensor.new", details),
    )
    # Hour by hour, so each hour's checkpoint is its own run's.
    for hour in range(1, 14):
        rollup_incremental(session, AMS, day + hour * 3600 + 600)
    assert len(checkpoint_at(session, day + 11 * 3600)) == 1  # open across the boundary
    assert checkpoint_at(session, day + 12 * 3600) == []  # closed by the rename recovery
    assert checkpoint_at(session, day + 13 * 3600) == []
    assert open_outages_at(session, day + 12 * 3600) == {}
    # The replay of raw history (no checkpoint) agrees.
    assert replay_open_at(session, day + 12 * 3600, Lookups.load(session)) == {}
    assert len(replay_open_at(session, day + 11 * 3600, Lookups.load(session))) == 1

    repaired = closed_by is None

    def check() -> None:
        hourly = rows(session, "hour")
        assert sorted(p0 for iid, p0 in hourly if iid == "e1") == [
            day + 10 * 3600,
            day + 11 * 3600,
        ]  # no hour after the recovery is down
        opening, closing = hourly[("e1", day + 10 * 3600)], hourly[("e1", day + 11 * 3600)]
        assert opening["unavailable_events"] == 1
        assert opening["unavailable_seconds"] == 1800
        assert opening["recovered_events"] == 0
        assert closing["unavailable_events"] == 0
        assert closing["unavailable_seconds"] == 900
        assert closing["recovered_events"] == (1 if repaired else 0)
        assert closing["mttr_seconds"] == (2700 if repaired else None)
        assert closing["entities_affected"] == 1
        daily = rows(session, "day")[("e1", day)]
        assert daily["unavailable_events"] == 1
        assert daily["recovered_events"] == (1 if repaired else 0)
        assert daily["unavailable_seconds"] == 2700
        assert daily["mttr_seconds"] == (2700 if repaired else None)
        assert daily["entities_affected"] == 1
        assert_same(
            daily, reference_metrics(writer.events, writer.tracked, "e1", day, day + 86400), "day"
        )
        next_day = rows(session, "day")[("e1", day + 86400)]
        assert next_day["unavailable_seconds"] == 0
        assert next_day["entities_affected"] == 0
        assert next_day["availability"] == 1.0

    rollup_incremental(session, AMS, day + 2 * 86400 + 600)
    check()
    before = {p: rows(session, p) for p in ("hour", "day", "week", "month")}

    # A backfill, its first slice starting mid-outage and then 1-hour slices,
    # carries the outage over from a checkpoint and gives the same rows.
    assert backfill(session, day + 11 * 3600, day + 2 * 86400, AMS, max_hours=1) > 0
    assert {p: rows(session, p) for p in ("hour", "day", "week", "month")} == before
    # Without any checkpoint the backfill replays raw history: the same again.
    session.execute(delete(ProcessingJob).where(ProcessingJob.range_end < day + 2 * 86400))
    session.commit()
    assert backfill(session, day + 10 * 3600, day + 2 * 86400, AMS, max_hours=1) > 0
    assert {p: rows(session, p) for p in ("hour", "day", "week", "month")} == before
    check()
    assert checkpoint_at(session, day + 12 * 3600) == []


def test_rename_recovery_at_midnight_leaves_the_day_unaffected(session: Session) -> None:
    """Recovered under the new id exactly at midnight: the new day saw no outage second."""
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.track(Tracked("sensor.new", "e1", "hue", day - 86400))
    writer.add(
        Ev("e1", "hue", "unavailable", day - 3600, "sensor.old"),
        Ev(
            "e1",
            "hue",
            "recovered",
            day,
            "sensor.new",
            {"duration_s": 3600.0, "renamed_from": "sensor.old"},
        ),
    )
    rollup_incremental(session, AMS, day + 86400 + 600)
    daily = rows(session, "day")
    assert daily[("e1", day - 86400)]["unavailable_seconds"] == 3600
    assert daily[("e1", day)]["recovered_events"] == 1
    assert daily[("e1", day)]["mttr_seconds"] == 3600
    assert daily[("e1", day)]["unavailable_seconds"] == 0
    assert daily[("e1", day)]["entities_affected"] == 0
    assert len(checkpoint_at(session, day)) == 1  # open at midnight, closed right there
    assert checkpoint_at(session, day + 86400) == []
    for d0 in (day - 86400, day):
        ref = reference_metrics(writer.events, writer.tracked, "e1", d0, d0 + 86400)
        assert_same(daily[("e1", d0)], ref, d0)


def test_renames_on_every_backend(db_url: str) -> None:
    """Rename recoveries close the old ids' outages on SQLite, PostgreSQL and MariaDB."""
    engine = create_engine(normalize_db_url(db_url))
    Base.metadata.create_all(engine)
    session = Session(engine)
    try:
        start, end = local(AMS, 2026, 3, 28), local(AMS, 2026, 3, 31)
        writer = Writer(session)
        generate(writer, start, end, seed=5, integrations=2, renames=0.3)
        assert any("renamed_from" in (ev.details or {}) for ev in writer.events)
        rollup_incremental(session, AMS, end + 600, max_hours=7)
        lookups = Lookups.load(session)
        for ts in (start + 11 * 3600, end - 86400, end):
            assert open_outages_at(session, ts) == replay_open_at(session, ts, lookups)
        hourly, daily = rows(session, "hour"), rows(session, "day")
        for iid in sorted({t.integration_id for t in writer.tracked}):
            for p0, p1 in iter_periods("day", start, end, AMS):
                ref = reference_metrics(writer.events, writer.tracked, iid, p0, p1)
                assert_same(daily[(iid, p0)], ref, (iid, "day", p0))
            for p0, p1 in iter_periods("hour", start, end, AMS):
                if (iid, p0) in hourly:
                    ref = reference_metrics(writer.events, writer.tracked, iid, p0, p1)
                    assert_same(hourly[(iid, p0)], ref, (iid, "hour", p0))
    finally:
        session.close()
        engine.dispose()


def test_failure_spells_count_rows_not_attempts(session: Session) -> None:
    """One row per spell, whatever its attempt count, open or ended."""
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.track(Tracked("light.a", "e1", "hue", day - 86400))
    ended = {"reason": "timeout", "ended": day + 4000, "duration_s": 3600.0, "outcome": "loaded"}
    writer.add(
        Ev("e1", "hue", "setup_retry", day + 400, None, {"state": "setup_retry", "attempts": 1}),
        Ev("e1", "hue", "setup_retry", day + 7200, None, {"state": "setup_retry", "attempts": 12}),
        Ev(
            "e1",
            "hue",
            "setup_failure",
            day + 7300,
            None,
            {"state": "setup_error", "attempts": 3} | ended,
        ),
    )
    rollup_incremental(session, AMS, day + 86400 + 600)
    daily = rows(session, "day")[("e1", day)]
    assert (daily["setup_retries"], daily["setup_failures"]) == (2, 1)
    assert daily["total_events"] == 3
    # The listener rewrites a spell's row in place when it ends: same counts on recompute.
    session.execute(
        text("UPDATE ir_events SET details = :d WHERE timestamp = :ts"),
        {"d": json.dumps({"state": "setup_retry", "attempts": 40} | ended), "ts": day + 400},
    )
    session.commit()
    backfill(session, day, day + 86400, AMS)
    daily = rows(session, "day")[("e1", day)]
    assert (daily["setup_retries"], daily["setup_failures"]) == (2, 1)
    hourly = rows(session, "hour")
    assert hourly[("e1", day)]["setup_retries"] == 1
    assert hourly[("e1", day + 7200)]["setup_retries"] == 1


def test_success_rate_null_without_heals(session: Session) -> None:
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.track(Tracked("light.a", "e1", "hue", day), Tracked("light.b", "e2", "zha", day))
    writer.add(
        Ev("e1", "hue", "setup_failure", day + 100),
        Ev("e1", "hue", "setup_failure", day + 200),
        Ev("e2", "zha", "heal_success", day + 300),
        Ev("e2", "zha", "heal_success", day + 400),
        Ev("e2", "zha", "heal_failure", day + 500),
    )
    rollup_incremental(session, AMS, day + 86400 + 600)
    daily = rows(session, "day")
    assert daily[("e1", day)]["success_rate"] is None
    assert daily[("e1", day)]["setup_failures"] == 2
    assert daily[("e2", day)]["success_rate"] == pytest.approx(2 / 3)


def test_incremental_processes_only_new_hours(session: Session) -> None:
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.track(Tracked("light.a", "e1", "hue", day))
    writer.add(Ev("e1", "hue", "reload", day + 60))
    rollup_incremental(session, AMS, day + 3 * 3600 + 301)
    assert jobs(session) == [(day, day + 3 * 3600)]
    # Settle time: 5 minutes after 03:00 the 02:00 hour is not yet closed.
    rollup_incremental(session, AMS, day + 4 * 3600 + 299)
    assert len(jobs(session)) == 1
    first_ids = set(session.scalars(select(IntegrationMetrics.id)))
    writer.add(Ev("e1", "hue", "reload", day + 3 * 3600 + 5))
    rollup_incremental(session, AMS, day + 4 * 3600 + 301)
    assert jobs(session)[1:] == [(day + 3 * 3600, day + 4 * 3600)]
    hourly = rows(session, "hour")
    assert hourly[("e1", day + 3 * 3600)]["reloads"] == 1
    assert first_ids <= set(session.scalars(select(IntegrationMetrics.id)))
    # Nothing new: no job at all.
    rollup_incremental(session, AMS, day + 4 * 3600 + 400)
    assert len(jobs(session)) == 2


def test_catch_up_runs_in_bounded_slices(session: Session) -> None:
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.track(Tracked("light.a", "e1", "hue", day))
    writer.add(*outage("e1", "hue", "light.a", day + 3600, day + 40 * 3600))
    done: list[RollupResult] = []
    task = RollupTask(AMS, now=lambda: day + 2 * 86400 + 600, max_hours=5, on_done=done.append)
    slices = 0
    step = task.run(session)
    while step is not None:
        session.commit()
        slices += 1
        assert not done
        step = step.run(session)
    session.commit()
    spans = jobs(session)
    assert all(b - a <= 5 * 3600 for a, b in spans)
    assert spans[0][0] == day + 3600
    assert spans[-1][1] == day + 2 * 86400
    assert len(spans) == slices + 1 == 10  # 23 h (5+5+5+5+3), then 24 h (5+5+5+5+4)
    assert done[0].hours == 47
    assert done[0].frontier == day + 2 * 86400
    daily = rows(session, "day")
    assert daily[("e1", day + 86400)]["unavailable_seconds"] == 16 * 3600
    assert daily[("e1", day + 86400)]["mttr_seconds"] == 39 * 3600


def test_backfill_is_idempotent_and_picks_up_late_events(session: Session) -> None:
    writer = Writer(session)
    start = local(AMS, 2026, 3, 26)
    end = local(AMS, 2026, 4, 3)
    generate(writer, start, end, seed=3, integrations=3, renames=0.1)
    rollup_incremental(session, AMS, end + 600)
    before = {p: rows(session, p) for p in ("hour", "day", "week", "month")}
    assert backfill(session, start, end, AMS, max_hours=7) > 0
    assert {p: rows(session, p) for p in ("hour", "day", "week", "month")} == before

    # A late event in an already rolled-up hour appears after a backfill of that day.
    late = local(AMS, 2026, 3, 27, 12, 30)
    writer.add(Ev("entry0", "dom0", "reload", late))
    assert rows(session, "hour") == before["hour"]
    backfill(session, late - 60, late + 60, AMS)
    after = rows(session, "day")
    day0 = local(AMS, 2026, 3, 27)
    assert after[("entry0", day0)]["reloads"] == before["day"][("entry0", day0)]["reloads"] + 1
    ref = reference_metrics(writer.events, writer.tracked, "entry0", day0, day0 + 86400)
    assert_same(after[("entry0", day0)], ref, "late")
    week0, week1 = period_bounds("week", late, AMS)
    assert week1 - week0 == 167 * 3600  # the week of the spring DST change
    ref = reference_metrics(writer.events, writer.tracked, "entry0", week0, week1)
    assert_same(rows(session, "week")[("entry0", week0)], ref, "late week")


def test_backfill_before_first_run_does_nothing(session: Session) -> None:
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.add(Ev("e1", "hue", "reload", day + 60))
    assert backfill(session, day, day + 86400, AMS) == 0
    assert session.scalar(select(IntegrationMetrics.id)) is None


def test_failed_slice_is_recorded(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = Writer(session)
    day = local(AMS, 2026, 5, 12)
    writer.add(Ev("e1", "hue", "reload", day + 60))

    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(planner, "compute_hours", broken)
    done: list[RollupResult] = []
    task = RollupTask(AMS, now=lambda: day + 86400 + 600, on_done=done.append)
    assert task.run(session) is None
    session.commit()
    assert done[0].error is not None
    assert "disk on fire" in done[0].error
    job = session.scalars(select(ProcessingJob)).one()
    assert (job.status, job.range_start) == ("failed", day)
    assert job.error is not None
    assert "disk on fire" in job.error
    assert session.scalar(select(IntegrationMetrics.id)) is None
