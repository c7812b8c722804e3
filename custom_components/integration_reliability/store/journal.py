"""The spill journal: what could not be written at stop, replayed at the next start.

A local, append-only file next to the configuration. It starts with a magic
line; each frame is a big-endian header (payload length, CRC-32 of the
payload) followed by the payload, one JSON object per batch with the batch's
key (the ledger key that makes a replay idempotent), its events and entity
updates. A reader stops at the first frame that is truncated or fails its
checksum, keeps what came before and reports the rest as damaged. The file's
size is bounded: frames that no longer fit are not written, and the caller
counts their records as dropped. No Home Assistant imports.
"""

from __future__ import annotations

from collections.abc import Iterable
import contextlib
from dataclasses import asdict, dataclass, field
import json
import logging
import os
import struct
import threading
from typing import Any, Final
import zlib

from .records import EventRecord, EventType, TrackedEntityRecord
from .util import corrupt_suffix

_LOGGER = logging.getLogger(__name__)

MAGIC: Final = b"IRJOURNAL1\n"
_HEADER: Final = struct.Struct(">II")
DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class JournalBatch:
    """One batch as written: replayed in one transaction under its ledger key."""

    key: str
    events: list[EventRecord] = field(default_factory=list)
    entities: list[TrackedEntityRecord] = field(default_factory=list)

    @property
    def records(self) -> int:
        """How many records the batch holds."""
        return len(self.events) + len(self.entities)


@dataclass(frozen=True, slots=True)
class JournalContents:
    """What a journal held: the readable batches, and what was not readable."""

    batches: list[JournalBatch]
    damage: str | None = None


def _encode(batch: JournalBatch) -> bytes:
    payload = {
        "key": batch.key,
        "events": [
            [
                e.integration_id,
                e.integration_domain,
                str(e.event_type),
                e.timestamp,
                e.entity_id,
                e.details,
            ]
            for e in batch.events
        ],
        "entities": [asdict(entity) for entity in batch.entities],
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def _decode(payload: bytes) -> JournalBatch:
    data: dict[str, Any] = json.loads(payload)
    return JournalBatch(
        key=str(data["key"]),
        events=[
            EventRecord(
                integration_id=row[0],
                integration_domain=row[1],
                event_type=EventType(row[2]),
                timestamp=float(row[3]),
                entity_id=row[4],
                details=row[5],
            )
            for row in data["events"]
        ],
        entities=[TrackedEntityRecord(**entity) for entity in data["entities"]],
    )


class Journal:
    """The spill file; appends and reads may come from different threads."""

    def __init__(self, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def exists(self) -> bool:
        """Whether there is anything to replay."""
        return os.path.exists(self.path)

    def append(self, batches: Iterable[JournalBatch]) -> int:
        """Append batches until the size bound; return how many records were written.

        Raises OSError when the file cannot be written at all (e.g. a full disk).
        """
        written = 0
        with self._lock:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            with open(self.path, "ab") as file:
                size = file.seek(0, os.SEEK_END)
                if size == 0:
                    file.write(MAGIC)
                    size = len(MAGIC)
                for batch in batches:
                    payload = _encode(batch)
                    if size + _HEADER.size + len(payload) > self.max_bytes:
                        break
                    file.write(_HEADER.pack(len(payload), zlib.crc32(payload)) + payload)
                    size += _HEADER.size + len(payload)
                    written += batch.records
                file.flush()
                os.fsync(file.fileno())
        return written

    def read(self) -> JournalContents:
        """Every readable batch, in order; stops at the first damaged frame."""
        with self._lock:
            try:
                with open(self.path, "rb") as file:
                    data = file.read()
            except FileNotFoundError:
                return JournalContents([])
        if not data.startswith(MAGIC):
            return JournalContents([], f"not a journal ({len(data)} bytes skipped)")
        batches: list[JournalBatch] = []
        offset = len(MAGIC)
        while offset < len(data):
            damage: str | None = None
            if offset + _HEADER.size > len(data):
                damage = "truncated frame header"
            else:
                length, crc = _HEADER.unpack_from(data, offset)
                payload = data[offset + _HEADER.size : offset + _HEADER.size + length]
                if len(payload) < length:
                    damage = "truncated frame"
                elif zlib.crc32(payload) != crc:
                    damage = "checksum mismatch"
                else:
                    try:
                        batches.append(_decode(payload))
                    except (ValueError, KeyError, TypeError, IndexError) as err:
                        damage = f"unreadable frame ({err})"
            if damage is not None:
                return JournalContents(
                    batches,
                    f"{damage} after {len(batches)} batches; {len(data) - offset} bytes skipped",
                )
            offset += _HEADER.size + length
        return JournalContents(batches)

    def discard(self) -> None:
        """Remove the journal once everything in it is committed."""
        with self._lock, contextlib.suppress(FileNotFoundError):
            os.remove(self.path)

    def move_aside(self) -> str:
        """Keep a damaged journal for inspection under a `.corrupt.<time>` name."""
        target = f"{self.path}{corrupt_suffix()}"
        with self._lock:
            os.replace(self.path, target)
        _LOGGER.error("Moved the damaged journal %s aside to %s", self.path, target)
        return target
