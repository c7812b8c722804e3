"""Benchmark of the analytics layer on one year of realistic events.

Generates 50 integrations x 40 entities with ~1,000,000 events (independent
outages with a heavy-tailed duration, integration-wide bursts, outages shared
by groups of integrations, nightly failures, blips, setup retries and heals)
straight into a SQLite file with executemany (this measures the analytics,
not the writer thread), then times: the full catch-up rollup, incremental
hourly runs, metrics queries from rollups versus the same answer from raw
events, insights, and the 90-day purge. Last line: one JSON object.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_analytics.py [--events-scale 1.0] [--db PATH]
"""

from __future__ import annotations

import argparse
from datetime import datetime
import json
from pathlib import Path
import random
import statistics
import tempfile
import time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.insights import compute_insights
from custom_components.integration_reliability.store.purge import purge
from custom_components.integration_reliability.store.queries import get_totals
from custom_components.integration_reliability.store.rollup import (
    rollup_incremental,
)
from custom_components.integration_reliability.store.schema import (
    EVENTS_VIEW_SQL,
    Base,
    Domain,
    EntityRow,
    Event,
    EventTypeRow,
    Integration,
    TrackedEntity,
)
from custom_components.integration_reliability.store.storage import storage_stats

TZ = ZoneInfo("Europe/Amsterdam")
YEAR_START = datetime(2025, 6, 1, tzinfo=TZ).timestamp()
YEAR_END = datetime(2026, 6, 1, 12, tzinfo=TZ).timestamp()  # noon: next hours are ordinary
DOMAINS = ["zha", "hue", "mqtt", "zwave_js", "shelly", "esphome", "tplink", "sonos", "cast", "met"]
TYPES = [
    "unavailable",
    "recovered",
    "blip",
    "setup_failure",
    "setup_retry",
    "reload",
    "heal_attempt",
    "heal_success",
    "heal_failure",
]
N_INTEGRATIONS, N_ENTITIES = 50, 40
GROUPS = [(0, 1, 2), (10, 11, 12), (20, 21), (30, 31, 32), (40, 41)]


def _duration(rng: random.Random) -> float:
    # Mostly minutes, sometimes hours, rarely days.
    return min(rng.lognormvariate(5.0, 1.6), 5 * 86400)


def generate(rng: random.Random, scale: float) -> tuple[list[tuple[Any, ...]], int]:
    """Rows (integration, entity, type, ts, details) and the number of outages."""
    spans: dict[tuple[int, int], list[float]] = {}  # (i, e) -> outage starts

    def down(i: int, e: int, t: float) -> None:
        spans.setdefault((i, e), []).append(t)

    span = YEAR_END - YEAR_START
    for i in range(N_INTEGRATIONS):
        flaky = rng.lognormvariate(0, 1.0)
        for e in range(N_ENTITIES):
            for _ in range(int(rng.expovariate(1 / (110 * flaky * scale)))):
                down(i, e, YEAR_START + rng.random() * span)
        for _ in range(int(60 * flaky * scale)):  # integration-wide bursts
            t = YEAR_START + rng.random() * span
            for e in rng.sample(range(N_ENTITIES), rng.randint(5, N_ENTITIES)):
                down(i, e, t + rng.uniform(0, 30))
        if i % 10 == 5:  # nightly failure around 03:00
            day = YEAR_START
            while day < YEAR_END:
                if rng.random() < 0.6:
                    down(i, rng.randrange(N_ENTITIES), day + 3 * 3600 + rng.uniform(0, 3000))
                day += 86400
    for group in GROUPS:  # shared cause: one coordinator, one access point
        for _ in range(int(50 * scale)):
            t = YEAR_START + rng.random() * span
            for i in group:
                for e in rng.sample(range(N_ENTITIES), rng.randint(3, 20)):
                    down(i, e, t + rng.uniform(0, 60))
    rows: list[tuple[Any, ...]] = []
    outages = 0
    for (i, e), starts in spans.items():
        starts.sort()
        free_at = 0.0
        for t in starts:
            if t < free_at:
                continue  # already down: the listener records no second outage
            end = t + _duration(rng)
            rows.append((i, e, 0, t, None))
            outages += 1
            if end < YEAR_END:
                rows.append((i, e, 1, end, json.dumps({"duration_s": round(end - t, 3)})))
            free_at = end
    for i in range(N_INTEGRATIONS):
        rows.extend(
            (
                i,
                rng.randrange(N_ENTITIES),
                2,
                YEAR_START + rng.random() * span,
                json.dumps({"count": rng.randint(1, 5)}),
            )
            for _ in range(int(3000 * scale * rng.random()))
        )
        for _ in range(int(400 * scale * rng.random())):
            t = YEAR_START + rng.random() * span
            kind = rng.choice([3, 4, 4, 4, 5, 6])
            rows.append((i, None, kind, t, None))
            if kind == 6:
                rows.append((i, None, rng.choice([7, 7, 7, 8]), t + 120, None))
    rows.sort(key=lambda r: r[3])
    return rows, outages


def load(session: Session, rows: list[tuple[Any, ...]]) -> None:
    session.execute(
        insert(Integration),
        [
            {"id": i + 1, "integration_id": f"entry{i:02d}", "integration_domain": DOMAINS[i % 10]}
            for i in range(N_INTEGRATIONS)
        ],
    )
    session.execute(insert(Domain), [{"id": k + 1, "domain": d} for k, d in enumerate(DOMAINS)])
    session.execute(
        insert(EventTypeRow), [{"id": k + 1, "event_type": t} for k, t in enumerate(TYPES)]
    )
    session.execute(
        insert(EntityRow),
        [
            {"id": i * N_ENTITIES + e + 1, "entity_id": f"sensor.{DOMAINS[i % 10]}_{i}_{e}"}
            for i in range(N_INTEGRATIONS)
            for e in range(N_ENTITIES)
        ],
    )
    session.execute(
        insert(TrackedEntity),
        [
            {
                "entity_id": f"sensor.{DOMAINS[i % 10]}_{i}_{e}",
                "integration_id": f"entry{i:02d}",
                "integration_domain": DOMAINS[i % 10],
                "platform": DOMAINS[i % 10],
                "first_seen": YEAR_START - 86400,
                "removed_at": None,
                "updated_at": YEAR_START,
            }
            for i in range(N_INTEGRATIONS)
            for e in range(N_ENTITIES)
        ],
    )
    session.commit()
    add_events(session, rows)


def add_events(session: Session, rows: list[tuple[Any, ...]]) -> None:
    for k in range(0, len(rows), 50_000):
        session.execute(
            insert(Event),
            [
                {
                    "integration_ref": i + 1,
                    "domain_ref": i % 10 + 1,
                    "event_type_ref": t + 1,
                    "entity_ref": None if e is None else i * N_ENTITIES + e + 1,
                    "timestamp": ts,
                    "details": details,
                    "created_at": ts,
                }
                for i, e, t, ts, details in rows[k : k + 50_000]
            ],
        )
    session.commit()


def raw_counts(session: Session, iref: int, start: float, end: float) -> dict[str, int]:
    """The same counts as the rollups, straight from the raw events."""
    counts = dict(
        session.execute(
            select(Event.event_type_ref, func.count())
            .where(Event.integration_ref == iref, Event.timestamp >= start, Event.timestamp < end)
            .group_by(Event.event_type_ref)
        )
        .tuples()
        .all()
    )
    by_type = {TYPES[ref - 1]: n for ref, n in counts.items()}
    return {
        "total_events": sum(by_type.values()),
        "setup_failures": by_type.get("setup_failure", 0),
        "reloads": by_type.get("reload", 0),
        "heal_successes": by_type.get("heal_success", 0),
        "heal_failures": by_type.get("heal_failure", 0),
    }


def rollup_counts(session: Session, iid: str, start: float, end: float) -> dict[str, int]:
    """The counts over [start, end) from the coarsest rollups covering it."""
    (row,) = get_totals(session, start=start, end=end, tz=TZ, integration_ids=[iid])
    return {
        name: row[name]
        for name in ("total_events", "setup_failures", "reloads", "heal_successes", "heal_failures")
    }


def timed(func_: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = func_(*args, **kwargs)
    return (time.perf_counter() - t0) * 1000, result


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events-scale", type=float, default=1.0)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench_analytics.db"
    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _: Any) -> None:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")

    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text(EVENTS_VIEW_SQL))
    session = Session(engine)
    rng = random.Random(2026)

    t0 = time.perf_counter()
    rows, outages = generate(rng, args.events_scale)
    load(session, rows)
    session.execute(text("ANALYZE"))
    print(
        f"generated+loaded {len(rows):,} events ({outages:,} outages) "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    hours = rollup_incremental(session, TZ, YEAR_END + 600)
    backfill_s = time.perf_counter() - t0
    print(f"full backfill: {hours:,} hours in {backfill_s:.2f} s")

    incremental: list[float] = []
    for h in range(6):
        hour0 = YEAR_END + h * 3600
        extra = [
            (
                rng.randrange(N_INTEGRATIONS),
                rng.randrange(N_ENTITIES),
                rng.choice([0, 1, 2, 4]),
                hour0 + rng.random() * 3600,
                None,
            )
            for _ in range(115)
        ]
        add_events(session, sorted(extra, key=lambda r: r[3]))
        ms, done = timed(rollup_incremental, session, TZ, hour0 + 3600 + 600)
        assert done == 1
        incremental.append(ms)
    incremental_ms = statistics.median(incremental)
    print(
        f"incremental hourly run: median {incremental_ms:.2f} ms "
        f"(runs: {', '.join(f'{v:.1f}' for v in incremental)})"
    )

    now = YEAR_END + 6 * 3600
    today = datetime.fromtimestamp(now, TZ).replace(hour=0, minute=0, second=0).timestamp()
    hour_now = YEAR_END + 6 * 3600  # the rollups' frontier after the incremental runs
    windows = {
        "24h": (hour_now - 86400, hour_now),
        "7d": (hour_now - 7 * 86400, hour_now),
        "30d": (hour_now - 30 * 86400, hour_now),
        "365d": (hour_now - 365 * 86400, hour_now),
    }
    results: dict[str, dict[str, float]] = {}
    print(f"{'query':>6} {'rollup med':>11} {'p95':>8} {'raw med':>9} {'p95':>8} {'ratio':>7}")
    for name, (start, end) in windows.items():
        roll, raw = [], []
        for _ in range(args.repeat):
            i = rng.randrange(N_INTEGRATIONS)
            ms_r, a = timed(rollup_counts, session, f"entry{i:02d}", start, end)
            ms_w, b = timed(raw_counts, session, i + 1, start, end)
            assert a == b, (name, a, b)
            roll.append(ms_r)
            raw.append(ms_w)
        results[name] = {
            "rollup_median": statistics.median(roll),
            "rollup_p95": pct(roll, 0.95),
            "raw_median": statistics.median(raw),
            "raw_p95": pct(raw, 0.95),
        }
        r = results[name]
        print(
            f"{name:>6} {r['rollup_median']:>9.2f}ms {r['rollup_p95']:>6.2f}ms "
            f"{r['raw_median']:>7.2f}ms {r['raw_p95']:>6.2f}ms "
            f"{r['raw_median'] / r['rollup_median']:>6.1f}x"
        )

    t0 = time.perf_counter()
    insights = compute_insights(session, today - 30 * 86400, today, TZ, period="30d")
    session.commit()
    insights_s = time.perf_counter() - t0
    pairs = insights["correlation"]["pairs"]
    print(
        f"insights (30 days): {insights_s:.2f} s; correlated pairs: "
        f"{[p['integrations'] for p in pairs]}; groups: "
        f"{[g['integrations'] for g in insights['correlation']['groups']]}; "
        f"time-of-day findings: {len(insights['time_of_day']['findings'])}"
    )

    size_before = storage_stats(session, now=now)
    t0 = time.perf_counter()
    purged = purge(session, TZ, now=now)
    purge_s = time.perf_counter() - t0
    size_after = storage_stats(session, now=now)
    print(
        f"purge to 90 days: {purge_s:.2f} s in {purged.batches} batches, removed {purged.removed}; "
        f"database {size_before['database_bytes'] / 1e6:.1f} MB -> "
        f"{size_after['database_bytes'] / 1e6:.1f} MB "
        f"(file keeps its pages until VACUUM); tiers after: "
        f"{ {k: round(v / 1e6, 1) if v else v for k, v in size_after['tiers'].items()} } MB"
    )
    session.close()
    engine.dispose()
    print(
        json.dumps(
            {
                "events": len(rows),
                "outages": outages,
                "backfill_s": round(backfill_s, 3),
                "incremental_hour_ms": round(incremental_ms, 3),
                **{
                    f"query_{name}_{kind}_ms_{stat}": round(r[f"{kind}_{stat}"], 3)
                    for name, r in results.items()
                    for kind in ("rollup", "raw")
                    for stat in ("median", "p95")
                },
                "query_365d_speedup": round(
                    results["365d"]["raw_median"] / results["365d"]["rollup_median"], 1
                ),
                "insights_s": round(insights_s, 3),
                "purge_s": round(purge_s, 3),
                "purged_events": purged.removed.get("ir_events", 0),
            }
        )
    )


if __name__ == "__main__":
    main()
