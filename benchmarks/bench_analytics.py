"""Benchmark of the analytics layer on one year of realistic events.

Generates 50 integrations x 40 entities with ~1,000,000 events (independent
outages with a heavy-tailed duration, integration-wide bursts, outages shared
by groups of integrations, nightly failures, blips, setup retries and heals)
straight into a SQLite file with executemany (this measures the analytics,
not the writer thread), then times: the full catch-up rollup, incremental
hourly runs, metrics queries from rollups versus the same answer from raw
events, insights, and the 90-day purge. Last line: one JSON object.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_analytics.py [--events N] [--days N]

The generated database is cached under benchmarks/ (git-ignored) per
(events, days, seed) and copied before each run, so only the first run of a
size pays for the generation; `--regenerate` rebuilds it.
"""

from __future__ import annotations

import argparse
from datetime import datetime
import json
import math
from pathlib import Path
import random
import shutil
import statistics
import tempfile
import time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.insights import compute_insights, correlation
from custom_components.integration_reliability.store.panel_queries import heatmap, overview
from custom_components.integration_reliability.store.planner import RollupResult, rollup_incremental
from custom_components.integration_reliability.store.purge import purge
from custom_components.integration_reliability.store.queries import get_totals
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
from custom_components.integration_reliability.store.tasks import RollupTask, StoreTask

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
COUNTED = {
    "setup_failure": "setup_failures",
    "setup_retry": "setup_retries",
    "reload": "reloads",
    "heal_attempt": "heal_attempts",
    "heal_success": "heal_successes",
    "heal_failure": "heal_failures",
}
N_INTEGRATIONS, N_ENTITIES = 50, 40
INCREMENTAL_HOURS = 12
CACHE_DIR = Path(__file__).parent
GENERATOR_VERSION = 2  # bump when generate() changes: names the cached database
GROUPS = [(0, 1, 2), (10, 11, 12), (20, 21), (30, 31, 32), (40, 41)]


def _duration(rng: random.Random) -> float:
    # Mostly minutes, sometimes hours, rarely days.
    return min(rng.lognormvariate(5.0, 1.6), 5 * 86400)


def generate(
    rng: random.Random, scale: float, start: float = YEAR_START, end: float = YEAR_END
) -> tuple[list[tuple[Any, ...]], int]:
    """Rows (integration, entity, type, ts, details) and the number of outages.

    Rates are per year of [start, end) times `scale` (1.0: about a million
    events in a year); a shorter span keeps the density with `scale` 1.0.
    """
    spans: dict[tuple[int, int], list[float]] = {}  # (i, e) -> outage starts

    def down(i: int, e: int, t: float) -> None:
        spans.setdefault((i, e), []).append(t)

    span = end - start
    scale *= span / (YEAR_END - YEAR_START)
    for i in range(N_INTEGRATIONS):
        flaky = rng.lognormvariate(0, 1.0)
        for e in range(N_ENTITIES):
            for _ in range(int(rng.expovariate(1 / (110 * flaky * scale)))):
                down(i, e, start + rng.random() * span)
        for _ in range(int(60 * flaky * scale)):  # integration-wide bursts
            t = start + rng.random() * span
            for e in rng.sample(range(N_ENTITIES), rng.randint(5, N_ENTITIES)):
                down(i, e, t + rng.uniform(0, 30))
        if i % 10 == 5:  # nightly failure around 03:00
            day = start
            while day < end:
                if rng.random() < 0.6:
                    down(i, rng.randrange(N_ENTITIES), day + 3 * 3600 + rng.uniform(0, 3000))
                day += 86400
    for group in GROUPS:  # shared cause: one coordinator, one access point
        for _ in range(int(50 * scale)):
            t = start + rng.random() * span
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
            stop = t + _duration(rng)
            rows.append((i, e, 0, t, None))
            outages += 1
            if stop < end:
                details: dict[str, Any] = {"duration_s": round(stop - t, 3)}
                if rng.random() < 0.01:  # entity removed while down: not a repair
                    details["closed_by"] = "entity_removed"
                rows.append((i, e, 1, stop, json.dumps(details)))
            free_at = stop
    for i in range(N_INTEGRATIONS):
        rows.extend(
            (
                i,
                rng.randrange(N_ENTITIES),
                2,
                start + rng.random() * span,
                json.dumps({"count": rng.randint(1, 5)}),
            )
            for _ in range(int(3000 * scale * rng.random()))
        )
        for _ in range(int(400 * scale * rng.random())):
            t = start + rng.random() * span
            kind = rng.choice([3, 4, 4, 4, 5, 6])
            spell = None
            if kind in (3, 4):  # one row per failure spell, rewritten when it ends
                attempts = rng.randint(1, 12)
                spell = json.dumps(
                    {
                        "state": "setup_retry" if kind == 4 else "setup_error",
                        "reason": "timeout",
                        "attempts": attempts,
                        "ended": t + 60 * attempts,
                        "duration_s": 60.0 * attempts,
                        "outcome": "loaded",
                    }
                )
            rows.append((i, None, kind, t, spell))
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


def raw_totals(session: Session, iref: int, iid: str, start: float, end: float) -> dict[str, Any]:
    """The same metrics as the rollups over [start, end), from the raw events only.

    Honest equivalent of `get_totals`: the integration's events are read in
    time order (from its first one, since outages open at `start` need their
    true start: without the rollups' checkpoints that means replaying history),
    outages are paired per entity exactly as the rollups define them
    (duplicates ignored, `closed_by` rows end an outage but are no repair),
    blips are counted from their details, and tracked entity-seconds come
    from `tracked_entities`.
    """
    m: dict[str, Any] = dict.fromkeys(
        ["total_events", "unavailable_events", "recovered_events", "blips", *COUNTED.values()], 0
    )
    unavailable_s = repair_s = 0.0
    open_: dict[int | None, float] = {}
    rows = session.execute(
        select(Event.timestamp, Event.event_type_ref, Event.entity_ref, Event.details)
        .where(Event.integration_ref == iref, Event.timestamp < end)
        .order_by(Event.timestamp, Event.id)
    )
    for ts, tref, eref, details in rows:
        kind = TYPES[tref - 1]
        inside = ts >= start
        if inside:
            m["total_events"] += 1
        if kind == "unavailable":
            if eref not in open_:
                open_[eref] = ts
                if inside:
                    m["unavailable_events"] += 1
        elif kind == "recovered":
            began = open_.pop(eref, None)
            if began is not None and inside:
                unavailable_s += ts - max(began, start)
                if not (details and json.loads(details).get("closed_by")):
                    m["recovered_events"] += 1
                    repair_s += ts - began
        elif not inside:
            continue
        elif kind == "blip":
            count = json.loads(details).get("count", 1) if details else 1
            m["blips"] += count if isinstance(count, int) and count > 0 else 1
        elif kind in COUNTED:
            m[COUNTED[kind]] += 1
    unavailable_s += sum(end - max(began, start) for began in open_.values())
    tracked = 0.0
    for first, removed in session.execute(
        select(TrackedEntity.first_seen, TrackedEntity.removed_at).where(
            TrackedEntity.integration_id == iid
        )
    ):
        tracked += max(0.0, min(end if removed is None else removed, end) - max(first, start))
    m["unavailable_seconds"], m["repair_seconds_total"] = unavailable_s, repair_s
    m["tracked_entity_seconds"] = tracked
    m["availability"] = min(1.0, max(0.0, 1 - unavailable_s / tracked)) if tracked else None
    m["mttr_seconds"] = repair_s / m["recovered_events"] if m["recovered_events"] else None
    m["mtbf_seconds"] = (
        max(0.0, tracked - unavailable_s) / m["unavailable_events"]
        if m["unavailable_events"]
        else None
    )
    heals = m["heal_successes"] + m["heal_failures"]
    m["success_rate"] = m["heal_successes"] / heals if heals else None
    return m


def rollup_totals(session: Session, iid: str, start: float, end: float) -> dict[str, Any]:
    """The metrics over [start, end) from the coarsest rollups covering it."""
    found = get_totals(session, start=start, end=end, tz=TZ, integration_ids=[iid])
    return found[0] if found else {}


def assert_same(rollup: dict[str, Any], raw: dict[str, Any], where: object) -> None:
    for name, expected in raw.items():
        actual = rollup.get(name)
        if isinstance(expected, float) and actual is not None:
            assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-6), (
                where,
                name,
                actual,
                expected,
            )
        else:
            assert actual == expected, (where, name, actual, expected)


def timed(func_: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = func_(*args, **kwargs)
    return (time.perf_counter() - t0) * 1000, result


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def hour_of_events(rng: random.Random, hour0: float) -> list[tuple[Any, ...]]:
    """About 115 new events in the hour from `hour0` (a million a year): outages
    (their recoveries a few minutes later, some in the next hour), blips, a retry."""
    rows: list[tuple[Any, ...]] = []
    busy = set()
    while len(rows) < 100:
        i, e = rng.randrange(N_INTEGRATIONS), rng.randrange(N_ENTITIES)
        if (i, e) in busy:
            continue
        busy.add((i, e))
        t = hour0 + rng.random() * 3600
        rows.append((i, e, 0, t, None))
        stop = t + _duration(rng)
        if stop < hour0 + 2 * 3600:
            rows.append((i, e, 1, stop, json.dumps({"duration_s": round(stop - t, 3)})))
    rows += [
        (i, rng.randrange(N_ENTITIES), 2, hour0 + rng.random() * 3600, '{"count": 2}')
        for i in rng.sample(range(N_INTEGRATIONS), 12)
    ]
    rows.append((rng.randrange(N_INTEGRATIONS), None, 4, hour0 + rng.random() * 3600, None))
    return sorted(rows, key=lambda r: r[3])


def file_bytes(path: Path) -> int:
    """The database file and its WAL, as the disk sees them."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def prepare(events: int, days: int, regenerate: bool) -> tuple[Path, int, int, float]:
    """The cached, loaded database for this size (generated on first use)."""
    start = datetime.fromtimestamp(YEAR_END - days * 86400, TZ).replace(hour=0).timestamp()
    cached = CACHE_DIR / f"bench_analytics_v{GENERATOR_VERSION}_{events}_{days}d.db"
    meta = cached.with_suffix(".json")
    if regenerate or not (cached.exists() and meta.exists()):
        t0 = time.perf_counter()
        for stale in (cached, meta):
            stale.unlink(missing_ok=True)
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{building}")
        Base.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text(EVENTS_VIEW_SQL))
        with Session(engine) as session:
            scale = events / 1_000_000 * (YEAR_END - YEAR_START) / (YEAR_END - start)
            rows, outages = generate(random.Random(2026), scale, start, YEAR_END)
            load(session, rows)
            session.execute(text("ANALYZE"))
            session.commit()
        engine.dispose()
        building.rename(cached)
        meta.write_text(json.dumps({"events": len(rows), "outages": outages}))
        print(
            f"generated+loaded {len(rows):,} events ({outages:,} outages) "
            f"in {time.perf_counter() - t0:.1f} s (cached as {cached.name})"
        )
    info = json.loads(meta.read_text())
    return cached, info["events"], info["outages"], start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000, help="about this many events")
    parser.add_argument("--days", type=int, default=365, help="span of the generated data")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached database")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--prepare-only", action="store_true", help="only build the cache")
    args = parser.parse_args()
    cached, n_events, outages, data_start = prepare(args.events, args.days, args.regenerate)
    if args.prepare_only:
        return
    work = Path(tempfile.mkdtemp()) / "bench_analytics.db"
    shutil.copyfile(cached, work)
    print(f"{n_events:,} events ({outages:,} outages) over {args.days} days")
    engine = create_engine(f"sqlite:///{work}")

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _: Any) -> None:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")

    session = Session(engine)
    rng = random.Random(7)

    t0 = time.perf_counter()
    hours = rollup_incremental(session, TZ, YEAR_END + 600)
    backfill_s = time.perf_counter() - t0
    print(f"full backfill: {hours:,} hours in {backfill_s:.2f} s")

    # One incremental hourly run as the engine does it: a RollupTask slice + commit.
    incremental: list[float] = []
    for h in range(INCREMENTAL_HOURS):
        hour0 = YEAR_END + h * 3600
        add_events(session, hour_of_events(rng, hour0))
        done: list[RollupResult] = []
        task = RollupTask(TZ, now=lambda h0=hour0: h0 + 3600 + 600, on_done=done.append)
        t0 = time.perf_counter()
        step: StoreTask | None = task
        while step is not None:
            step = step.run(session)
            session.commit()
        incremental.append((time.perf_counter() - t0) * 1000)
        assert done, "the task did not finish"
        assert (done[0].hours, done[0].error) == (1, None), done
    incremental_ms = statistics.median(incremental)
    print(
        f"incremental hourly run (115 new events, RollupTask + commit): median "
        f"{incremental_ms:.2f} ms (runs: {', '.join(f'{v:.1f}' for v in incremental)})"
    )

    hour_now = YEAR_END + INCREMENTAL_HOURS * 3600  # the rollups' frontier now
    now = hour_now
    today = datetime.fromtimestamp(now, TZ).replace(hour=0, minute=0, second=0).timestamp()
    windows = {
        "24h": (hour_now - 86400, hour_now),
        "7d": (hour_now - 7 * 86400, hour_now),
        "30d": (hour_now - 30 * 86400, hour_now),
        "365d": (hour_now - 365 * 86400, hour_now),
    }
    results: dict[str, dict[str, float]] = {}
    print("per-integration metrics (all of them: counts, unavailable s, availability, MTTR, ...)")
    print(f"{'query':>6} {'rollup med':>11} {'p95':>8} {'raw med':>9} {'p95':>8} {'ratio':>7}")
    for name, (start, end) in windows.items():
        roll, raw = [], []
        for _ in range(args.repeat):
            i = rng.randrange(N_INTEGRATIONS)
            ms_r, a = timed(rollup_totals, session, f"entry{i:02d}", start, end)
            ms_w, b = timed(raw_totals, session, i + 1, f"entry{i:02d}", start, end)
            assert_same(a, b, (name, i))
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

    # The panel's overview (all 50 integrations, 365 days + the 24 h / 7 d / 30 d
    # windows, the daily sparkline and the live tail), against the same figures
    # recomputed from the raw events (the baseline), CPU time of this thread.
    overview_cpu: list[float] = []
    for _ in range(max(5, args.repeat // 3)):
        c0 = time.thread_time()
        panel = overview(session, start=now - 365 * 86400, now=now, tz=TZ)
        overview_cpu.append((time.thread_time() - c0) * 1000)
    assert len(panel["integrations"]) == N_INTEGRATIONS, len(panel["integrations"])
    sample = {row["integration_id"]: row for row in panel["integrations"]}["entry05"]
    raw = raw_totals(session, 6, "entry05", panel["start"], now)
    assert sample["unavailable_events"] == raw["unavailable_events"], (sample, raw)
    c0 = time.thread_time()
    for i in range(N_INTEGRATIONS):
        raw_totals(session, i + 1, f"entry{i:02d}", now - 365 * 86400, now)
    overview_raw_ms = (time.thread_time() - c0) * 1000
    c0 = time.thread_time()
    heat = heatmap(session, start=now - 365 * 86400, end=now, tz=TZ, integration_id="entry05")
    heatmap_ms = (time.thread_time() - c0) * 1000
    overview_ms = statistics.median(overview_cpu)
    print(
        f"panel overview (50 integrations, 365 d + windows + sparkline): median "
        f"{overview_ms:.1f} ms CPU, min {min(overview_cpu):.1f} ms "
        f"(raw events for the same range: {overview_raw_ms:.0f} ms); "
        f"heatmap of one integration over 365 d: {heatmap_ms:.1f} ms "
        f"(peak hour {heat['peak_hour']})"
    )

    t0 = time.perf_counter()
    insights = compute_insights(session, today - 30 * 86400, today, TZ, period="30d")
    session.commit()
    insights_s = time.perf_counter() - t0
    corr = insights["correlation"]
    true_pairs = {
        tuple(sorted((f"entry{a:02d}", f"entry{b:02d}")))
        for group in GROUPS
        for a in group
        for b in group
        if a < b
    }
    found = [tuple(sorted(p["integrations"])) for p in corr["pairs"]]
    print(
        f"insights (30 days): {insights_s:.2f} s; correlation: {corr.get('pairs_tested')} pairs "
        f"tested, {len(found)} found ({sum(p in true_pairs for p in found)} of them "
        f"planted shared causes): {found}; groups: "
        f"{[g['integrations'] for g in corr['groups']]}; "
        f"time-of-day findings: {len(insights['time_of_day']['findings'])}"
    )
    t0 = time.perf_counter()
    year = correlation(session, data_start, hour_now)
    year_s = time.perf_counter() - t0
    found = [tuple(sorted(p["integrations"])) for p in year["pairs"]]
    print(
        f"correlation over all {args.days} days: {year_s:.2f} s; {len(found)} pairs found "
        f"({sum(p in true_pairs for p in found)} planted, of {len(true_pairs)}): {found}; "
        f"groups: {[g['integrations'] for g in year['groups']]}"
    )

    size_before = storage_stats(session, now=now)
    file_before = file_bytes(work)
    auto_vacuum = session.execute(text("PRAGMA auto_vacuum")).scalar_one()
    t0 = time.perf_counter()
    purged = purge(session, TZ, now=now)
    purge_s = time.perf_counter() - t0
    size_after = storage_stats(session, now=now)
    file_after = file_bytes(work)
    print(
        f"purge to 90 days: {purge_s:.2f} s in {purged.batches} batches, removed {purged.removed}; "
        f"file {file_before / 1e6:.1f} MB -> {file_after / 1e6:.1f} MB "
        f"(auto_vacuum was {('none', 'full', 'incremental')[auto_vacuum]}; "
        f"{'one VACUUM switched it to incremental' if purged.repacked else 'incremental steps'}, "
        f"{purged.reclaimed_bytes / 1e6:.1f} MB given back; "
        f"reusable inside {size_after['reusable_bytes'] / 1e6:.1f} MB); tiers after: "
        f"{ {k: round(v / 1e6, 1) if v else v for k, v in size_after['tiers'].items()} } MB"
    )
    assert size_before["database_bytes"] >= size_after["database_bytes"]
    session.close()
    engine.dispose()
    shutil.rmtree(work.parent, ignore_errors=True)
    print(
        json.dumps(
            {
                "events": n_events,
                "outages": outages,
                "days": args.days,
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
                "panel_overview_365d_ms_median": round(overview_ms, 3),
                "panel_overview_365d_ms_min": round(min(overview_cpu), 3),
                "panel_overview_365d_raw_ms": round(overview_raw_ms, 1),
                "panel_heatmap_365d_ms": round(heatmap_ms, 3),
                "insights_s": round(insights_s, 3),
                "correlated_pairs_30d": len(corr["pairs"]),
                "purge_s": round(purge_s, 3),
                "purged_events": purged.removed.get("ir_events", 0),
                "file_bytes_before_purge": file_before,
                "file_bytes_after_purge": file_after,
                "purge_repacked": purged.repacked,
            }
        )
    )


if __name__ == "__main__":
    main()
