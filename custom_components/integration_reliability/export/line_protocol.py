"""InfluxDB line protocol: escaping and one point per line.

The server's parser (InfluxDB 1.x, and 2.x which shares it) treats a
backslash as an escape only directly before a comma, a space or `=` in tag
values, and before `"` or a backslash in string fields. So:

* tag values: `,`, ` ` and `=` get a backslash and arrive unchanged; any other
  backslash is written as is and arrives unchanged. Two things cannot be
  written at all: a line break (it ends the line) becomes a space, and a
  backslash at the very end (it would escape the delimiter after it) gets a
  space after it. Empty values are left out: a tag cannot be empty.
* string fields: `"` and backslashes are escaped; line breaks are kept.

Keys and measurement names are ours (plain ASCII) and are written as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
import math

type FieldValue = int | float | str


# Tag values repeat (ids, domains, event types, entity ids): escape each once.
@lru_cache(maxsize=8192)
def tag_value(value: str) -> str:
    """Escape a tag value (non-empty: callers leave empty tags out)."""
    escaped = (
        value.replace(",", "\\,")
        .replace(" ", "\\ ")
        .replace("=", "\\=")
        .replace("\n", "\\ ")
        .replace("\r", "\\ ")
    )
    if escaped.endswith("\\"):
        # A final backslash would escape the comma or space after the value.
        escaped += "\\ "
    return escaped


def string_field(value: str) -> str:
    """Quote and escape a string field value."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def field_value(value: FieldValue) -> str | None:
    """Format a field value; None for a float that InfluxDB cannot store."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return string_field(value)


def encode_point(
    measurement: str,
    tags: Iterable[tuple[str, str | None]],
    fields: Iterable[tuple[str, FieldValue | None]],
    timestamp: int,
) -> str | None:
    """One line of line protocol; None when no field has a value.

    Tags with an empty or missing value and fields without a value are left
    out. Tag keys should come sorted (the server sorts them otherwise).
    """
    parts = [measurement]
    parts.extend(f",{key}={tag_value(value)}" for key, value in tags if value)
    written = [
        f"{key}={encoded}"
        for key, value in fields
        if value is not None and (encoded := field_value(value)) is not None
    ]
    if not written:
        return None
    parts.append(" ")
    parts.append(",".join(written))
    parts.append(f" {timestamp}")
    return "".join(parts)
