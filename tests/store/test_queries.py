"""Read functions: metrics rows, range totals, paginated events, live summaries."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.planner import rollup_incremental
from custom_components.integration_reliability.store.queries import (
    decode_cursor,
    get_events,
    get_metrics,
    get_totals,
    integration_summaries,
    recent_jobs,
)

from .test_rollup import local
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

DAY = local(AMS, 2026, 5, 12)


def _two_integrations(writer: Writer) -> None:
    writer.track(Tracked("light.a", "e1", "hue", DAY - 86400), Tracked("light.b", "e2", "zha", DAY))
    writer.add(
        *outage("e1", "hue", "light.a", DAY + 3600, DAY + 7200),
        Ev("e2", "zha", "heal_attempt", DAY + 100),
        Ev("e2", "zha", "heal_failure", DAY + 160),
    )


def test_get_metrics_filters_and_fields(session: Session) -> None:
    _two_integrations(Writer(session))
    rollup_incremental(session, AMS, DAY + 86400 + 600)
    rows = get_metrics(session, period="day", start=DAY, end=DAY + 86400, domains=["hue"])
    assert len(rows) == 1
    row = rows[0]
    assert row["integration_id"] == "e1"
    assert (row["period_start"], row["period_end"]) == (DAY, DAY + 86400)
    assert row["unavailable_events"] == 1
    assert row["availability"] == pytest.approx(1 - 3600 / 86400)
    assert row["mttr_seconds"] == 3600
    assert row["success_rate"] is None
    zha = get_metrics(session, period="day", start=DAY, end=DAY + 1, integration_ids=["e2"])
    assert zha[0]["success_rate"] == 0.0
    assert len(get_metrics(session, period="hour", start=DAY, end=DAY + 86400)) == 3


def test_totals_over_a_range_equal_raw(session: Session) -> None:
    writer = Writer(session)
    start, end = local(AMS, 2026, 2, 20), local(AMS, 2026, 4, 10)
    generate(writer, start, end, seed=11, integrations=2)
    rollup_incremental(session, AMS, end + 600)
    # Months, days and hours tile this range: 3 Mar 15:00 .. 2 Apr 09:00.
    a, b = local(AMS, 2026, 2, 25, 15), local(AMS, 2026, 4, 2, 9)
    for row in get_totals(session, start=a, end=b, tz=AMS):
        ref = reference_metrics(writer.events, writer.tracked, row["integration_id"], a, b)
        for name in ("total_events", "unavailable_seconds", "tracked_entity_seconds", "blips"):
            assert row[name] == pytest.approx(ref[name]), name
        assert row["availability"] == pytest.approx(ref["availability"])
        assert row["mttr_seconds"] == pytest.approx(ref["mttr_seconds"])


def test_totals_filters_agree(session: Session) -> None:
    """One id, several ids, domains and no filter give the same rows."""
    writer = Writer(session)
    start, end = local(AMS, 2026, 2, 20), local(AMS, 2026, 4, 10)
    generate(writer, start, end, seed=3, integrations=3)
    rollup_incremental(session, AMS, end + 600)
    a, b = local(AMS, 2026, 2, 21, 7), local(AMS, 2026, 4, 9, 17)
    everything = {r["integration_id"]: r for r in get_totals(session, start=a, end=b, tz=AMS)}
    assert sorted(everything) == ["entry0", "entry1", "entry2"]
    for iid, row in everything.items():
        assert get_totals(session, start=a, end=b, tz=AMS, integration_ids=[iid]) == [row]
    two = get_totals(session, start=a, end=b, tz=AMS, integration_ids=["entry0", "entry2"])
    assert two == [everything["entry0"], everything["entry2"]]
    by_domain = get_totals(session, start=a, end=b, tz=AMS, domains=["dom1"])
    assert by_domain == [everything["entry1"]]
    mixed = get_totals(
        session, start=a, end=b, tz=AMS, integration_ids=["entry0"], domains=["dom1"]
    )
    assert mixed == [everything["entry0"], everything["entry1"]]
    # Off-grid edges round to the hour grid (the same cached tiling).
    assert get_totals(session, start=a - 1800, end=b + 1800, tz=AMS) == [
        {**r, "start": a - 1800, "end": b + 1800} for r in everything.values()
    ]


def test_events_keyset_pagination(session: Session) -> None:
    writer = Writer(session)
    writer.add(*(Ev("e1", "hue", "reload", DAY + k // 2) for k in range(25)))  # ties on ts
    writer.add(Ev("e2", "zha", "reload", DAY + 5))
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        page = get_events(session, integration_ids=["e1"], limit=10, after=after)
        pages += 1
        seen += [e["id"] for e in page.events]
        if page.next_cursor is None:
            break
        after = decode_cursor(page.next_cursor)
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25
    first = get_events(session, limit=1).events[0]
    assert first["event_type"] == "reload"
    assert first["integration_domain"] in {"hue", "zha"}
    with pytest.raises(ValueError, match="malformed"):
        decode_cursor("garbage")


def test_live_summary_includes_the_partial_hour(session: Session) -> None:
    writer = Writer(session)
    _two_integrations(writer)
    rollup_incremental(session, AMS, DAY + 10 * 3600 + 600)
    # After the last rollup: a new outage, still open.
    writer.add(*outage("e1", "hue", "light.a", DAY + 10 * 3600 + 60, None))
    now = DAY + 10 * 3600 + 1860
    summary = integration_summaries(session, now=now, day_start=DAY)
    hue = summary.integrations["e1"]
    assert hue.outages_today == 2
    assert hue.unavailable_now == 1
    assert hue.last_outage == DAY + 10 * 3600 + 60
    assert hue.mttr_7d == 3600
    assert hue.heal_success_rate is None
    # 24 h window from the first whole rolled-up hour in it: 1 h + 30 min down.
    window = now - (DAY - 13 * 3600)
    assert hue.availability_24h == pytest.approx(1 - 5400 / window)
    assert summary.integrations["e2"].heal_success_rate == 0.0
    assert summary.events_recorded == 5
    assert summary.last_aggregation == DAY + 10 * 3600
    assert recent_jobs(session, limit=1)[0]["job_type"] == "rollup_hour"
