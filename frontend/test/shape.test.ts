import { describe, expect, it } from "vitest";
import {
  availabilityFloor,
  filterRows,
  heatLevel,
  seriesBars,
  sortRows,
  sparkPath,
  timelineLanes,
  topFlaky,
  WORST_FIRST,
} from "../src/shape.js";
import { parseRoute } from "../src/route.js";
import type { IntegrationRow } from "../src/types.js";

function row(id: string, availability: number | null, extra: Partial<IntegrationRow> = {}): IntegrationRow {
  return {
    integration_id: id,
    integration_domain: id,
    name: id.toUpperCase(),
    status: "ok",
    reason: null,
    since: null,
    entities_down: 0,
    availability,
    unavailable_events: availability === null ? 0 : Math.round((1 - availability) * 1000),
    unavailable_seconds: availability === null ? 0 : (1 - availability) * 86400,
    mttr_seconds: null,
    mtbf_seconds: null,
    heal_attempts: 0,
    heal_successes: 0,
    heal_failures: 0,
    success_rate: null,
    windows: { "24h": availability, "7d": availability, "30d": availability },
    open_outages: 0,
    sparkline: [],
    ...extra,
  };
}

describe("sortRows", () => {
  const rows = [row("b", 0.99), row("a", 0.5), row("none", null), row("c", 1)];
  it("ranks worst first and puts rows without a value last", () => {
    expect(sortRows(rows, WORST_FIRST).map((r) => r.integration_id)).toEqual(["a", "b", "c", "none"]);
  });
  it("keeps rows without a value last when descending too", () => {
    const order = sortRows(rows, { key: "availability", descending: true }).map((r) => r.integration_id);
    expect(order).toEqual(["c", "b", "a", "none"]);
  });
  it("ranks a failing setup without availability as the worst", () => {
    const failing = row("f", null, { status: "setup_error" });
    expect(sortRows([...rows, failing], WORST_FIRST)[0].integration_id).toBe("f");
  });
  it("sorts by name case-insensitively", () => {
    expect(sortRows(rows, { key: "name", descending: false }).map((r) => r.name)).toEqual(["A", "B", "C", "NONE"]);
  });
});

describe("filterRows", () => {
  const rows = [row("zha", 0.9, { name: "Zigbee Home Automation" }), row("hue", 0.99, { name: "Philips Hue" })];
  it("matches every word against name, domain and id", () => {
    expect(filterRows(rows, "zigbee auto").map((r) => r.integration_id)).toEqual(["zha"]);
    expect(filterRows(rows, "HUE").map((r) => r.integration_id)).toEqual(["hue"]);
    expect(filterRows(rows, "  ")).toHaveLength(2);
    expect(filterRows(rows, "zigbee hue")).toHaveLength(0);
  });
});

describe("topFlaky", () => {
  it("keeps only integrations that had trouble, worst first", () => {
    const rows = [row("ok", 1), row("bad", 0.8), row("meh", 0.99), row("down", 1, { status: "outage" })];
    expect(topFlaky(rows, 2).map((r) => r.integration_id)).toEqual(["bad", "meh"]);
    expect(topFlaky(rows, 10).map((r) => r.integration_id)).toEqual(["bad", "meh", "down"]);
  });
});

describe("heatLevel", () => {
  it("is 0 only without outages and 4 at the busiest cell", () => {
    expect(heatLevel(0, 10)).toBe(0);
    expect(heatLevel(1, 10)).toBe(1);
    expect(heatLevel(10, 10)).toBe(4);
    expect(heatLevel(6, 10)).toBe(3);
    expect(heatLevel(3, 0)).toBe(0);
  });
});

describe("timelineLanes", () => {
  it("lays outages out per entity, most downtime first, clipped to the range", () => {
    const lanes = timelineLanes(
      [
        { entity_id: "sensor.a", start: 0, end: 10, known_start: true, duration_s: 10 },
        { entity_id: "sensor.b", start: 50, end: null, known_start: true, duration_s: 50 },
        { entity_id: "sensor.a", start: 90, end: 200, known_start: true, duration_s: 110 },
      ],
      0,
      100,
      1000,
    );
    expect(lanes.map((l) => l.entity)).toEqual(["sensor.a", "sensor.b"]);
    expect(lanes[0].bars.map((b) => [b.x, b.width])).toEqual([
      [0, 100],
      [900, 100],
    ]);
    expect(lanes[1].bars[0]).toMatchObject({ x: 500, width: 500 });
  });
});

describe("sparkPath and availabilityFloor", () => {
  it("breaks the line at missing days", () => {
    expect(sparkPath([1, null, 1], 10, 10, 0.9)).toBe("M0.0 0.0M10.0 0.0");
    expect(sparkPath([], 10, 10)).toBe("");
  });
  it("picks a round floor below the worst point", () => {
    expect(availabilityFloor([1, 0.995])).toBe(0.99);
    expect(availabilityFloor([0.93, null])).toBe(0.9);
    expect(availabilityFloor([0.2])).toBe(0);
    expect(availabilityFloor([null])).toBe(0.9);
  });
  it("classes bars by level and keeps partial periods visible", () => {
    const bars = seriesBars(
      [
        { start: 0, end: 1, partial: false, availability: 1, outages: 0, unavailable_seconds: 0 },
        { start: 1, end: 2, partial: true, availability: 0.95, outages: 1, unavailable_seconds: 5 },
        { start: 2, end: 3, partial: false, availability: null, outages: 0, unavailable_seconds: 0 },
      ],
      0.9,
    );
    expect(bars.map((b) => b.level)).toEqual(["good", "bad", "none"]);
    expect(bars[1].height).toBeCloseTo(0.5);
  });
});

describe("parseRoute", () => {
  it("maps panel paths to views", () => {
    expect(parseRoute("")).toEqual({ kind: "overview" });
    expect(parseRoute("/engine")).toEqual({ kind: "engine" });
    expect(parseRoute("/integration/01J%2Fx")).toEqual({ kind: "integration", id: "01J/x" });
    expect(parseRoute("/integration")).toEqual({ kind: "overview" });
  });
});
