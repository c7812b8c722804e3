"""A writer wired to a real server, outside Home Assistant."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from custom_components.integration_reliability.export.client import (
    InfluxClient,
    InfluxTarget,
)
from custom_components.integration_reliability.export.points import (
    EncodedBatch,
    EntityContext,
    ExportItem,
    encode_batch,
)
from custom_components.integration_reliability.export.writer import (
    ExportProblem,
    InfluxWriter,
)


@dataclass
class Recorder:
    """An ExportListener that remembers, and wakes waiters on every change."""

    problems: list[tuple[ExportProblem, str]] = field(default_factory=list)
    cleared: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_problem(self, problem: ExportProblem, message: str) -> None:
        self.problems.append((problem, message))
        self.changed.set()

    def on_problem_cleared(self) -> None:
        self.cleared += 1
        self.changed.set()

    def on_stats(self) -> None:
        self.changed.set()

    async def wait_for(self, condition: Callable[[], bool], within: float = 15.0) -> None:
        """Wait (bounded) until `condition()` holds, checking after every change."""
        async with asyncio.timeout(within):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


def encoder(
    *,
    names: Mapping[str, str] | None = None,
    entities: Mapping[str, EntityContext] | None = None,
    tiers: bool = False,
    retention_policy: str | None = None,
) -> Callable[[Sequence[ExportItem]], Any]:
    """The exporter's encoding without Home Assistant: fixed names and entity tags."""

    async def _encode(items: Sequence[ExportItem]) -> EncodedBatch:
        return encode_batch(
            items,
            names or {},
            entities or {},
            tiers=tiers,
            retention_policy=retention_policy,
        )

    return _encode


@contextlib.asynccontextmanager
async def running_writer(
    target: InfluxTarget,
    recorder: Recorder,
    *,
    request_timeout: float = 5.0,
    stop_budget: float = 10.0,
    **kwargs: Any,
) -> AsyncGenerator[InfluxWriter]:
    """A started writer on its own session; stopped (and flushed) at the end."""
    encode = kwargs.pop("encode", None) or encoder()
    async with aiohttp.ClientSession() as session:
        client = InfluxClient(session, target, timeout=request_timeout)
        kwargs.setdefault("batch_size", 1000)
        kwargs.setdefault("flush_interval", 3600)
        writer = InfluxWriter(client, encode, recorder, **kwargs)
        writer.start(asyncio.ensure_future)
        try:
            yield writer
        finally:
            await writer.async_stop(stop_budget)
