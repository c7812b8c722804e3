"""Ingest benchmark: ReliabilityStore.record vs raw sqlite3.executemany.

Run by hand: `.venv/bin/python benchmarks/bench_store.py [--events N]`.
Both runs write the same rows into a fresh SQLite file with the same schema
and indexes (built by the package's Alembic migrations), with the same
pragmas (WAL, synchronous=NORMAL) and a commit every 1000 rows. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
import json
import os
from pathlib import Path
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine

from custom_components.integration_reliability.store import core
from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.records import (
    EventRecord,
    EventType,
)
from custom_components.integration_reliability.store.util import sqlite_url

BATCH = 1000
DOMAINS = [
    "zha", "mqtt", "hue", "shelly", "tuya", "esphome", "sonos", "cast", "zwave_js",
    "tplink", "unifi", "netatmo", "tado", "ring", "nest", "homekit_controller", "deconz",
    "xiaomi_miio", "broadlink", "yeelight", "wled", "met", "openweathermap", "roku",
    "samsungtv", "denonavr", "fritz", "synology_dsm", "plex", "octoprint",
]  # fmt: skip


def generate(n: int, seed: int = 1) -> Iterator[EventRecord]:
    """Realistic events: 50 integrations, 2000 entities, mostly outages and recoveries."""
    rnd = random.Random(seed)
    integrations = [(f"01J{i:023d}", DOMAINS[i % len(DOMAINS)]) for i in range(50)]
    entities = []
    for e in range(2000):
        integration_id, domain = integrations[e % 50]
        entities.append((f"sensor.{domain}_device_{e}_power", integration_id, domain))
    down: dict[int, float] = {}
    ts = 1_760_000_000.0
    for _ in range(n):
        ts += rnd.expovariate(1 / 3.0)
        e = rnd.randrange(2000)
        entity_id, integration_id, domain = entities[e]
        roll = rnd.random()
        if roll < 0.03:
            kind = rnd.choice((EventType.HEAL_ATTEMPT, EventType.HEAL_SUCCESS, EventType.BLIP))
            yield EventRecord(integration_id, domain, kind, ts, entity_id, None)
        elif e in down:
            started = down.pop(e)
            yield EventRecord(
                integration_id,
                domain,
                EventType.RECOVERED,
                ts,
                entity_id,
                {"duration_s": round(ts - started, 1)},
            )
        else:
            down[e] = ts
            yield EventRecord(integration_id, domain, EventType.UNAVAILABLE, ts, entity_id, None)


def db_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_engine(path: str, n: int) -> dict[str, Any]:
    store = ReliabilityStore(sqlite_url(path), batch_size=BATCH)
    latencies: list[float] = []
    write_once = store._write_once

    def timed(*args: Any) -> None:
        started = time.perf_counter()
        write_once(*args)
        latencies.append((time.perf_counter() - started) * 1000)

    store._write_once = timed  # type: ignore[method-assign]
    store.start()
    await store.async_wait_ready()
    started = time.perf_counter()
    for i, rec in enumerate(generate(n)):
        store.record(rec)
        # Keep the producer under the queue bound; a real loop produces far slower.
        if i % 10_000 == 0 and store.stats.queue_depth > 50_000:
            await store.async_flush()
    await store.async_flush()
    elapsed = time.perf_counter() - started
    stats = store.stats
    await store.async_stop()
    assert stats.dropped_records == 0, stats
    assert stats.committed_records == n, stats
    return {"seconds": elapsed, "latencies": latencies}


def run_raw(path: str, n: int) -> dict[str, Any]:
    engine = create_engine(sqlite_url(path))
    with engine.connect() as conn:
        command_config = core._alembic_config(conn)
        core.command.upgrade(command_config, "head")
        conn.commit()
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    lookups: dict[str, dict[str, int]] = {
        "ir_integrations": {},
        "ir_domains": {},
        "ir_event_types": {},
        "ir_entities": {},
    }
    columns = {
        "ir_integrations": "integration_id",
        "ir_domains": "domain",
        "ir_event_types": "event_type",
        "ir_entities": "entity_id",
    }

    def ref(table: str, key: str, domain: str = "") -> int:
        cache = lookups[table]
        if key not in cache:
            if table == "ir_integrations":
                cur = db.execute(
                    "INSERT INTO ir_integrations (integration_id, integration_domain)"
                    " VALUES (?, ?)",
                    (key, domain),
                )
            else:
                cur = db.execute(f"INSERT INTO {table} ({columns[table]}) VALUES (?)", (key,))
            assert cur.lastrowid is not None
            cache[key] = cur.lastrowid
        return cache[key]

    insert = (
        "INSERT INTO ir_events (integration_ref, domain_ref, event_type_ref, entity_ref,"
        " timestamp, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    latencies: list[float] = []
    started = time.perf_counter()
    rows: list[tuple[Any, ...]] = []
    now = float(int(time.time()))  # same whole-second created_at as the engine

    def flush() -> None:
        t0 = time.perf_counter()
        db.executemany(insert, rows)
        db.commit()
        latencies.append((time.perf_counter() - t0) * 1000)
        rows.clear()

    for rec in generate(n):
        rows.append(
            (
                ref("ir_integrations", rec.integration_id, rec.integration_domain),
                ref("ir_domains", rec.integration_domain),
                ref("ir_event_types", rec.event_type),
                ref("ir_entities", rec.entity_id) if rec.entity_id else None,
                rec.timestamp,
                json.dumps(rec.details, separators=(",", ":")) if rec.details else None,
                now,
            )
        )
        if len(rows) >= BATCH:
            flush()
    if rows:
        flush()
    elapsed = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"seconds": elapsed, "latencies": latencies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    n = parser.parse_args().events
    with tempfile.TemporaryDirectory() as tmp:
        engine_path = os.path.join(tmp, "engine.db")
        raw_path = os.path.join(tmp, "raw.db")
        engine = asyncio.run(run_engine(engine_path, n))
        engine_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        raw = run_raw(raw_path, n)
        raw_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        engine_bytes = db_bytes(engine_path) / n
        raw_bytes = db_bytes(raw_path) / n
    engine_rate = n / engine["seconds"]
    raw_rate = n / raw["seconds"]
    e_lat, r_lat = engine["latencies"], raw["latencies"]
    rows = [
        ("rows/s", f"{engine_rate:,.0f}", f"{raw_rate:,.0f}"),
        ("ratio engine/raw", f"{engine_rate / raw_rate:.2f}", ""),
        ("bytes/event on disk", f"{engine_bytes:.1f}", f"{raw_bytes:.1f}"),
        ("commit p50 (ms)", f"{pct(e_lat, 0.5):.2f}", f"{pct(r_lat, 0.5):.2f}"),
        ("commit p99 (ms)", f"{pct(e_lat, 0.99):.2f}", f"{pct(r_lat, 0.99):.2f}"),
        ("peak RSS so far (MiB)", f"{engine_rss:.0f}", f"{raw_rss:.0f}"),
    ]  # fmt: skip
    print(f"{n:,} events, batch {BATCH}, SQLite {sqlite3.sqlite_version}")
    print(f"{'':24}{'engine':>14}{'raw sqlite3':>14}")
    for label, a, b in rows:
        print(f"{label:24}{a:>14}{b:>14}")
    print(
        json.dumps(
            {
                "events": n,
                "engine_rows_per_s": round(engine_rate),
                "raw_rows_per_s": round(raw_rate),
                "ratio": round(engine_rate / raw_rate, 3),
                "bytes_per_event": round(engine_bytes, 1),
                "raw_bytes_per_event": round(raw_bytes, 1),
                "commit_p50_ms": round(pct(engine["latencies"], 0.5), 3),
                "commit_p99_ms": round(pct(engine["latencies"], 0.99), 3),
                "commit_mean_ms": round(statistics.fmean(engine["latencies"]), 3),
                "peak_rss_mib": round(engine_rss),
            }
        )
    )


if __name__ == "__main__":
    main()
