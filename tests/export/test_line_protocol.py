"""Line protocol escaping, proven by a round trip through a real InfluxDB 1.x."""

from __future__ import annotations

import pytest

from custom_components.integration_reliability.export.client import ApiVersion, InfluxTarget
from custom_components.integration_reliability.export.line_protocol import (
    encode_point,
    field_value,
    string_field,
    tag_value,
)
from custom_components.integration_reliability.export.points import EntityContext
from custom_components.integration_reliability.store.records import EventRecord, EventType

from .helpers import Recorder, encoder, running_writer
from .influxd import ADMIN, InfluxServer

# What users can put in names, areas, entity ids and reasons.
HOSTILE = [
    "Living room, 1st floor",
    "a=b",
    "say \"hi\" and 'bye'",
    "back\\slash",
    "x\\,y",
    "x\\ y",
    "x\\=y",
    "double\\\\backslash",
    "ends with a backslash\\",
    "\\",
    "line one\nline two",
    "carriage\rreturn",
    "tab\there",
    "Küche 🌡 温度 ÅÄÖ",
    " padded ",
    ",",
    "=",
    " ",
]


def as_stored_tag(value: str) -> str:
    """What InfluxDB keeps of a tag value (README: the two values it cannot hold)."""
    value = value.replace("\n", " ").replace("\r", " ")
    return value + " " if value.endswith("\\") else value


def test_tag_escapes() -> None:
    assert tag_value("a b,c=d") == "a\\ b\\,c\\=d"
    assert tag_value("back\\slash") == "back\\slash"
    assert tag_value("end\\") == "end\\\\ "
    assert tag_value("two\nlines") == "two\\ lines"


def test_field_values() -> None:
    assert string_field('a "b" \\c') == '"a \\"b\\" \\\\c"'
    assert field_value(3) == "3i"
    assert field_value(2.0) == "2.0"
    assert field_value(True) == "true"
    assert field_value(float("nan")) is None
    assert field_value(float("inf")) is None


def test_point_leaves_out_empty_tags_and_missing_fields() -> None:
    assert (
        encode_point("m", [("a", ""), ("b", None), ("c", "x")], [("f", None), ("g", 1)], 5)
        == "m,c=x g=1i 5"
    )
    assert encode_point("m", [("c", "x")], [("f", None), ("g", float("nan"))], 5) is None


async def test_hostile_values_round_trip(influxd: InfluxServer) -> None:
    influxd.query('CREATE DATABASE "escaping"')
    target = InfluxTarget(
        url=influxd.url,
        api_version=ApiVersion.V1,
        database="escaping",
        username=ADMIN[0],
        password=ADMIN[1],
    )
    records = [
        EventRecord(
            f"entry{i}",
            "zha",
            EventType.SETUP_RETRY,
            1_700_000_000 + i,
            f"sensor.{value}",
            {"reason": value, "attempts": 1},
        )
        for i, value in enumerate(HOSTILE)
    ]
    names = {f"entry{i}": value for i, value in enumerate(HOSTILE)}
    entities = {
        f"sensor.{value}": EntityContext(device_class=value, area=value) for value in HOSTILE
    }
    recorder = Recorder()
    async with running_writer(
        target, recorder, encode=encoder(names=names, entities=entities)
    ) as writer:
        writer.submit(records)
    assert (writer.stats.exported, writer.stats.dropped) == (len(HOSTILE), 0)

    rows = influxd.rows(
        "SELECT reason, area, device_class, entity_id, integration_name, integration_id"
        " FROM integration_reliability",
        "escaping",
    )
    by_id = {row["integration_id"]: row for row in rows}
    assert len(by_id) == len(HOSTILE)
    for i, value in enumerate(HOSTILE):
        row = by_id[f"entry{i}"]
        # String fields keep everything, line breaks included.
        assert row["reason"] == value
        for tag in ("area", "device_class", "integration_name"):
            assert row[tag] == as_stored_tag(value), (tag, value)
        assert row["entity_id"] == as_stored_tag(f"sensor.{value}")


@pytest.mark.parametrize("value", HOSTILE)
def test_a_tag_value_never_leaks_into_the_next_key(value: str) -> None:
    line = encode_point("m", [("a", value), ("b", "next")], [("f", 1)], 1)
    assert line is not None
    assert "\n" not in line
    assert line.endswith(",b=next f=1i 1")
