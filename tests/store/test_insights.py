"""Insights on crafted data: a correlated pair/group, noise, a time-of-day cluster."""

from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.insights import (
    compute_insights,
    correlation,
    time_of_day,
)
from custom_components.integration_reliability.store.planner import rollup_incremental
from custom_components.integration_reliability.store.queries import latest_insights
from custom_components.integration_reliability.store.schema import PatternInsight
from custom_components.integration_reliability.store.tasks import InsightsTask

from .test_rollup import local
from .test_rollup_data import (
    AMS,
    Ev,
    Writer,
    no_hass_fixture,  # noqa: F401
    outage,
    session_fixture,  # noqa: F401
)

WEEK0 = local(AMS, 2026, 6, 1)


def _crafted(writer: Writer) -> None:
    rng = random.Random(5)
    evs: list[Ev] = []
    # zha and hue (and zwave) fail together 6 times: a shared cause.
    for k in range(6):
        t = WEEK0 + k * 86400 + 40000 + rng.uniform(0, 3000)
        evs += outage("zha1", "zha", f"light.z{k}", t, t + 600)
        evs += outage("zha1", "zha", f"light.zz{k}", t + 5, t + 600)  # a burst: one incident
        evs += outage("hue1", "hue", f"light.h{k}", t + rng.uniform(-60, 60), t + 900)
        evs += outage("zw1", "zwave", f"lock.w{k}", t + rng.uniform(-60, 60), t + 900)
    # mqtt fails as often, but never near the others.
    for k in range(6):
        t = WEEK0 + k * 86400 + 10000 + rng.uniform(0, 3000)
        evs += outage("mq1", "mqtt", f"sensor.m{k}", t, t + 300)
    # met fails mostly between 03:00 and 04:00 local.
    for k in range(7):
        t = local(AMS, 2026, 6, 1 + k, 3 if k < 5 else 15, 10)
        evs += outage("met1", "met", "weather.home", t, t + 120)
    writer.add(*sorted(evs, key=lambda e: e.ts))


def test_correlated_pair_and_group_found_uncorrelated_not(session: Session) -> None:
    _crafted(Writer(session))
    result = correlation(session, WEEK0, WEEK0 + 7 * 86400)
    pairs = {tuple(p["integrations"]): p for p in result["pairs"]}
    assert set(pairs) == {("hue1", "zha1"), ("hue1", "zw1"), ("zha1", "zw1")}
    assert pairs[("hue1", "zha1")]["support"] == 6
    assert pairs[("hue1", "zha1")]["incidents"] == [6, 6]  # the zha burst counts once
    # Over the chance expected at those hours of the day (all six at ~11:00).
    assert pairs[("hue1", "zha1")]["lift"] > 10
    assert pairs[("hue1", "zha1")]["p_value"] < 1e-4
    assert result["pairs_tested"] == 10  # five integrations with >= 3 incidents
    assert not [p for p in result["pairs"] if "mq1" in p["integrations"]]
    assert result["groups"] == [
        {"integrations": ["hue1", "zha1", "zw1"], "domains": ["hue", "zha", "zwave"]}
    ]


def test_independent_outages_yield_no_correlation(session: Session) -> None:
    """Random independent outages of many integrations: (almost) nothing is reported.

    Dense enough that a lift-and-support threshold alone reports many chance
    pairs (and chains them into one big group); the significance test does not.
    """
    rng = random.Random(11)
    days = 14
    evs: list[Ev] = []
    for n in range(30):
        iid, dom = f"entry{n:02d}", f"dom{n % 7}"
        for k in range(rng.randint(30, 90)):
            t = WEEK0 + rng.random() * days * 86400
            for e in range(rng.choice([1, 1, 1, 4])):  # sometimes a burst of entities
                evs += outage(iid, dom, f"sensor.{iid}_{k}_{e}", t + e, t + 300)
    Writer(session).add(*sorted(evs, key=lambda e: e.ts))
    result = correlation(session, WEEK0, WEEK0 + days * 86400)
    assert result["pairs_tested"] == 30 * 29 // 2
    assert len(result["pairs"]) <= 1
    assert result["groups"] == []
    loose = correlation(session, WEEK0, WEEK0 + days * 86400, alpha=1.0)
    assert len(loose["pairs"]) >= 10  # what lift >= 2 and support >= 3 alone would report


def test_same_hour_of_night_is_not_correlation(session: Session) -> None:
    """Two integrations that both fail most nights between 03:00 and 04:00, independently."""
    rng = random.Random(5)
    evs: list[Ev] = []
    for day in range(28):
        for iid in ("backup1", "router1"):
            if rng.random() < 0.8:
                t = local(AMS, 2026, 6, 1 + day, 3) + rng.uniform(0, 3600)
                evs += outage(iid, iid[:-1], f"sensor.{iid}_{day}", t, t + 120)
    Writer(session).add(*sorted(evs, key=lambda e: e.ts))
    result = correlation(session, WEEK0, WEEK0 + 28 * 86400)
    assert result["pairs"] == []
    # They did start within two minutes of each other 4 times: about what chance
    # gives at 03:00 (x20 what a uniform spread over the day would).
    (pair,) = correlation(session, WEEK0, WEEK0 + 28 * 86400, alpha=1.0, min_lift=0)["pairs"]
    assert pair["support"] == 4
    assert 1 < pair["expected"] < 2


def test_minimum_support_is_applied(session: Session) -> None:
    _crafted(Writer(session))
    result = correlation(session, WEEK0, WEEK0 + 7 * 86400, min_support=7)
    assert result["pairs"] == []
    assert result["groups"] == []


def test_time_of_day_cluster_found(session: Session) -> None:
    _crafted(Writer(session))
    result = time_of_day(session, WEEK0, WEEK0 + 7 * 86400, AMS)
    met = result["integrations"]["met1"]
    assert met["by_hour"][3] == 5
    assert met["by_hour"][15] == 2
    assert met["histogram"][0][3] == 1  # Monday 03:00
    assert sum(map(sum, met["histogram"])) == 7
    finding = next(f for f in result["findings"] if f["integration_id"] == "met1")
    assert finding["finding"] == "most outages start between 03:00 and 04:00"
    assert finding["share"] == round(5 / 7, 4)


def test_top_failures_and_storage_of_insights(session: Session) -> None:
    _crafted(Writer(session))
    rollup_incremental(session, AMS, WEEK0 + 8 * 86400)
    result = compute_insights(session, WEEK0, WEEK0 + 7 * 86400, AMS, period="week")
    by_outages = result["top_failures"]["by_outages"]
    assert by_outages[0] == {"integration_id": "zha1", "integration_domain": "zha", "value": 12}
    assert {r["integration_id"] for r in by_outages} == {"zha1", "hue1", "zw1", "mq1", "met1"}
    assert result["top_failures"]["by_failed_heals"] == []
    session.commit()
    compute_insights(session, WEEK0, WEEK0 + 7 * 86400, AMS, period="week")
    session.commit()
    assert session.scalar(select(func.count()).select_from(PatternInsight)) == 3
    stored = latest_insights(session, insight_type="correlation", period="week")
    assert len(stored) == 1
    assert stored[0]["period_start"] == WEEK0
    assert stored[0]["data"]["groups"][0]["integrations"] == ["hue1", "zha1", "zw1"]


def test_daily_task_computes_yesterday(session: Session) -> None:
    _crafted(Writer(session))
    day3 = WEEK0 + 3 * 86400
    done: list[dict[str, object]] = []
    task = InsightsTask(AMS, now=lambda: day3 + 3600, on_done=done.append)
    assert task.run(session) is None
    session.commit()
    stored = latest_insights(session, period="day")
    assert {s["insight_type"] for s in stored} == {"top_failures", "time_of_day", "correlation"}
    assert all(s["period_start"] == WEEK0 + 2 * 86400 for s in stored)
    assert done
