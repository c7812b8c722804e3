"""The hot queries use an index (not a scan) on a populated database, on every engine."""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.schema import IntegrationMetrics

from .helpers import T0, event

type MakeStore = Callable[..., ReliabilityStore]

HOUR = 3600.0
RANGE = {"a": T0 + 100 * HOUR, "b": T0 + 101 * HOUR}
QUERIES = {
    "one integration in a time range": (
        "ir_events",
        "SELECT timestamp, event_type_ref FROM ir_events"
        " WHERE integration_ref = 3 AND timestamp >= :a AND timestamp < :b",
    ),
    "one integration in a time range, through the view": (
        "ir_events",
        "SELECT timestamp, event_type, entity_id FROM integration_reliability"
        " WHERE integration_id = 'entry_3' AND timestamp >= :a AND timestamp < :b",
    ),
    "all events in a time range": (
        "ir_events",
        "SELECT integration_ref, timestamp FROM ir_events WHERE timestamp >= :a AND timestamp < :b",
    ),
    "last hour's rollup": (
        "integration_metrics",
        "SELECT integration_id, availability FROM integration_metrics"
        " WHERE period = 'hour' AND period_start >= :a AND period_start < :b",
    ),
}


def _metrics_rows() -> list[dict[str, Any]]:
    rows = []
    for hour in range(24 * 30):
        for integ in range(20):
            for period, length in (
                (("hour", HOUR),) if hour % 24 else (("hour", HOUR), ("day", 86400.0))
            ):
                rows.append(
                    {
                        "integration_id": f"entry_{integ}",
                        "integration_domain": "zha",
                        "period": period,
                        "period_start": T0 + hour * HOUR,
                        "period_end": T0 + hour * HOUR + length,
                    }
                )
    return rows


def _plan(session: Session, sql: str) -> list[Any]:
    backend = session.get_bind().dialect.name
    if backend == "sqlite":
        return list(session.execute(text(f"EXPLAIN QUERY PLAN {sql}"), RANGE))
    if backend == "postgresql":
        return [session.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"), RANGE).scalar_one()]
    return [dict(row._mapping) for row in session.execute(text(f"EXPLAIN {sql}"), RANGE)]


def _pg_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [node]
    for child in node.get("Plans", []):
        nodes.extend(_pg_nodes(child))
    return nodes


def _uses_index(backend: str, plan: list[Any], table: str) -> bool:
    """Whether every access to `table` in the plan is an index search."""
    if backend == "sqlite":
        alias = {"ir_events": ("ir_events", "e"), "integration_metrics": ("integration_metrics",)}
        lines = [row[3] for row in plan if row[3].split(" ")[1] in alias[table]]
        return bool(lines) and all(line.startswith("SEARCH") and "INDEX" in line for line in lines)
    if backend == "postgresql":
        document = plan[0] if isinstance(plan[0], list) else json.loads(plan[0])
        nodes = [n for n in _pg_nodes(document[0]["Plan"]) if n.get("Relation Name") == table]
        return bool(nodes) and all(
            n["Node Type"] in {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"} for n in nodes
        )
    rows = [r for r in plan if r["table"] in {table, "e"}]
    return bool(rows) and all(
        r["type"] in {"range", "ref", "eq_ref", "const"} and r["key"] for r in rows
    )


async def test_hot_queries_use_indexes(make_store: MakeStore, db_url: str) -> None:
    store = make_store(db_url, commit_interval=3600)
    store.start()
    await store.async_wait_ready()
    metrics = _metrics_rows()
    await store.async_run(lambda s: s.execute(insert(IntegrationMetrics), metrics))
    # 30 days of events; the engine refreshes planner statistics as it grows.
    for i in range(30_000):
        store.record(event(i, integration=i % 20, timestamp=T0 + i * 86.4))
    await store.async_flush()
    backend = store.stats.backend

    for name, (table, sql) in QUERIES.items():
        plan = await store.async_run(lambda s, sql=sql: _plan(s, sql))
        assert _uses_index(backend, plan, table), f"{name}: {plan}"
