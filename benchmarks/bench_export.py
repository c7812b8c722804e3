"""InfluxDB export benchmark: points/s written to a real InfluxDB 1.x.

Run by hand: `.venv/bin/python benchmarks/bench_export.py [--points N] [--rounds R]`.
Starts its own `influxd` (Debian's influxdb package) on a free loopback port
with its data in a temporary folder. Each round exports the same N realistic
events through the exporter (queue, batches of 1000, encoding, retries, HTTP
over aiohttp) into a fresh database, and — the named baseline, interleaved in
the same run — POSTs the same lines, encoded beforehand, straight to
/write with aiohttp: the server's own ceiling on this machine. Figures are
wall time (min and median of the rounds), our process's CPU time per point
(`time.process_time`) and the server's (from /proc). The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import json
import os
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from benchmarks.bench_store import generate
from custom_components.integration_reliability.export.client import (
    ApiVersion,
    InfluxClient,
    InfluxTarget,
)
from custom_components.integration_reliability.export.points import (
    EncodedBatch,
    ExportItem,
    encode_batch,
)
from custom_components.integration_reliability.export.writer import InfluxWriter
from custom_components.integration_reliability.store.records import EventRecord
from tests.export.influxd import InfluxServer

BATCH = 1000


class _Done:
    """ExportListener that wakes the benchmark when everything is written."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.writer: InfluxWriter | None = None
        self.event = asyncio.Event()

    def on_problem(self, problem: object, message: str) -> None:
        raise RuntimeError(message)

    def on_problem_cleared(self) -> None:
        """Nothing to clear."""

    def on_stats(self) -> None:
        if self.writer is not None and self.writer.stats.exported >= self.total:
            self.event.set()


def _server_cpu(pid: int) -> float:
    """utime + stime of the server, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _encode(items: Sequence[ExportItem]) -> EncodedBatch:
    # The exporter encodes in Home Assistant's executor; the same thread hop here.
    return await asyncio.to_thread(encode_batch, items, {}, {}, tiers=False, retention_policy=None)


async def _exporter_round(server: InfluxServer, database: str, events: list[EventRecord]) -> None:
    async with aiohttp.ClientSession() as session:
        client = InfluxClient(
            session, InfluxTarget(url=server.url, api_version=ApiVersion.V1, database=database)
        )
        done = _Done(len(events))
        writer = InfluxWriter(
            client, _encode, done, batch_size=BATCH, flush_interval=0.05, queue_size=len(events)
        )
        done.writer = writer
        writer.start(asyncio.ensure_future)
        writer.submit(events)
        await done.event.wait()
        await writer.async_stop()


async def _baseline_round(server: InfluxServer, database: str, bodies: list[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for body in bodies:
            async with session.post(
                f"{server.url}/write", params={"db": database, "precision": "s"}, data=body
            ) as response:
                assert response.status == 204, await response.text()


def _measure(server: InfluxServer, run: Any) -> tuple[float, float, float]:
    assert server.process is not None
    wall, cpu, scpu = time.perf_counter(), time.process_time(), _server_cpu(server.process.pid)
    asyncio.run(run)
    return (
        time.perf_counter() - wall,
        time.process_time() - cpu,
        _server_cpu(server.process.pid) - scpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    events = list(generate(args.points))
    lines = encode_batch(events, {}, {}, tiers=False, retention_policy=None).lines[None]
    bodies = ["\n".join(lines[i : i + BATCH]).encode() for i in range(0, len(lines), BATCH)]

    results: dict[str, list[tuple[float, float, float]]] = {"exporter": [], "raw_post": []}
    with tempfile.TemporaryDirectory() as tmp:
        server = InfluxServer(Path(tmp), auth=False)
        server.start()
        try:
            for round_ in range(args.rounds):
                for name in (
                    ("exporter", "raw_post") if round_ % 2 == 0 else ("raw_post", "exporter")
                ):
                    database = f"{name}_{round_}"
                    server.query(f'CREATE DATABASE "{database}"')
                    run = (
                        _exporter_round(server, database, events)
                        if name == "exporter"
                        else _baseline_round(server, database, bodies)
                    )
                    results[name].append(_measure(server, run))
                    count = server.query(
                        "SELECT count(value) FROM integration_reliability", database
                    )
                    assert int(count[0]["values"][0][1]) == len(events), (name, count)
        finally:
            server.stop()

    print(f"{args.points} points, batches of {BATCH}, {args.rounds} interleaved rounds")
    print(
        f"{'run':<10} {'points/s min':>13} {'median':>10} {'client µs/pt':>13} {'server µs/pt':>13}"
    )
    summary: dict[str, dict[str, float]] = {}
    for name, runs in results.items():
        walls = [r[0] for r in runs]
        best = args.points / min(walls)
        median = args.points / statistics.median(walls)
        client = min(r[1] for r in runs) / args.points * 1e6
        server_cpu = min(r[2] for r in runs) / args.points * 1e6
        summary[name] = {
            "points_per_s_best": round(best),
            "points_per_s_median": round(median),
            "client_cpu_us_per_point": round(client, 2),
            "server_cpu_us_per_point": round(server_cpu, 2),
        }
        print(f"{name:<10} {best:>13.0f} {median:>10.0f} {client:>13.2f} {server_cpu:>13.2f}")
    ratio = summary["exporter"]["points_per_s_median"] / summary["raw_post"]["points_per_s_median"]
    print(f"exporter / raw POST (median throughput): {ratio:.2f}")
    print(
        json.dumps(
            {
                "benchmark": "export",
                "points": args.points,
                "batch": BATCH,
                "rounds": args.rounds,
                "baseline": "raw_post",
                **summary,
                "exporter_vs_raw_post": round(ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
