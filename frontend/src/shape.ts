// Data shaping for the views: pure functions, unit tested.
import type { IntegrationRow, Outage, SeriesPoint } from "./types.js";

export type SortKey =
  | "name"
  | "status"
  | "availability_24h"
  | "availability_7d"
  | "availability_30d"
  | "availability"
  | "outages"
  | "unavailable"
  | "mttr"
  | "mtbf"
  | "heals"
  | "success_rate";

export interface Sort {
  key: SortKey;
  descending: boolean;
}

/** The default order: worst first (lowest availability, most unavailable time). */
export const WORST_FIRST: Sort = { key: "availability", descending: false };

const FAILING = new Set(["setup_error", "setup_retry"]);

const STATUS_RANK: Record<string, number> = {
  setup_error: 0,
  setup_retry: 1,
  outage: 2,
  degraded: 3,
  not_loaded: 4,
  ok: 5,
};

function sortValue(row: IntegrationRow, key: SortKey): number | string | null {
  switch (key) {
    case "name":
      return row.name.toLocaleLowerCase();
    case "status":
      return STATUS_RANK[row.status] ?? 9;
    case "availability_24h":
      return row.windows["24h"];
    case "availability_7d":
      return row.windows["7d"];
    case "availability_30d":
      return row.windows["30d"];
    case "availability":
      // A setup failing now without any measured availability ranks as the worst.
      return row.availability ?? (FAILING.has(row.status) ? 0 : null);
    case "outages":
      return row.unavailable_events;
    case "unavailable":
      return row.unavailable_seconds;
    case "mttr":
      return row.mttr_seconds;
    case "mtbf":
      return row.mtbf_seconds;
    case "heals":
      return row.heal_attempts;
    case "success_rate":
      return row.success_rate;
  }
}

/** Rows sorted by `sort`; rows without a value go last either way; ties: worse first, then name. */
export function sortRows(rows: readonly IntegrationRow[], sort: Sort): IntegrationRow[] {
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null && vb !== null) return 1;
    if (vb === null && va !== null) return -1;
    if (va !== null && vb !== null && va !== vb) {
      return (va < vb ? -1 : 1) * sign;
    }
    const ua = a.unavailable_seconds ?? 0;
    const ub = b.unavailable_seconds ?? 0;
    if (ua !== ub) return ub - ua;
    return a.name.localeCompare(b.name);
  });
}

/** Rows whose name, domain or id contains every word of `query` (case-insensitive). */
export function filterRows(rows: readonly IntegrationRow[], query: string): IntegrationRow[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...rows];
  return rows.filter((row) => {
    const text = `${row.name} ${row.integration_domain} ${row.integration_id}`.toLocaleLowerCase();
    return words.every((word) => text.includes(word));
  });
}

/** Heat level 0..4 of a count against the busiest cell (0 only for no outage). */
export function heatLevel(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.max(1, Math.min(4, Math.ceil((count / max) * 4)));
}

export interface Lane {
  entity: string;
  bars: { x: number; width: number; outage: Outage }[];
}

/** Outages laid out per entity on [start, end) scaled to `width`; at least 1 px per bar. */
export function timelineLanes(
  outages: readonly Outage[],
  start: number,
  end: number,
  width: number,
): Lane[] {
  const span = Math.max(1, end - start);
  const lanes = new Map<string, Lane>();
  for (const outage of outages) {
    const entity = outage.entity_id ?? "—";
    let lane = lanes.get(entity);
    if (!lane) {
      lane = { entity, bars: [] };
      lanes.set(entity, lane);
    }
    const a = Math.max(start, outage.start);
    const b = Math.min(end, outage.end ?? end);
    const x = ((a - start) / span) * width;
    lane.bars.push({ x, width: Math.max(1, ((b - a) / span) * width), outage });
  }
  // Entities with the most downtime first.
  const downtime = (lane: Lane) => lane.bars.reduce((sum, bar) => sum + bar.outage.duration_s, 0);
  return [...lanes.values()].sort(
    (a, b) => downtime(b) - downtime(a) || a.entity.localeCompare(b.entity),
  );
}

/** Points of a sparkline path (availability 0..1 mapped to height; gaps for null). */
export function sparkPath(values: readonly (number | null)[], width: number, height: number, floor = 0): string {
  if (!values.length) return "";
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const scale = (v: number) => height - ((v - floor) / (1 - floor || 1)) * height;
  let path = "";
  let pen = false;
  values.forEach((value, k) => {
    if (value === null) {
      pen = false;
      return;
    }
    const x = (k * step).toFixed(1);
    const y = scale(Math.max(floor, value)).toFixed(1);
    path += `${pen ? "L" : "M"}${x} ${y}`;
    pen = true;
  });
  return path;
}

/** The lower bound of an availability axis: a round value below the worst point. */
export function availabilityFloor(values: readonly (number | null)[]): number {
  const present = values.filter((v): v is number => v !== null);
  if (!present.length) return 0.9;
  const worst = Math.min(...present);
  for (const floor of [0.99, 0.95, 0.9, 0.75, 0.5]) {
    if (worst >= floor) return floor;
  }
  return 0;
}

/** Worst-first top `count` integrations that had any trouble in the range. */
export function topFlaky(rows: readonly IntegrationRow[], count: number): IntegrationRow[] {
  return sortRows(rows, WORST_FIRST)
    .filter((row) => (row.unavailable_events ?? 0) > 0 || row.status !== "ok")
    .slice(0, count);
}

/** Bars of an availability series: height from availability, class by level. */
export function seriesBars(points: readonly SeriesPoint[], floor: number) {
  return points.map((point) => ({
    point,
    level:
      point.availability === null
        ? "none"
        : point.availability >= 0.999
          ? "good"
          : point.availability >= 0.99
            ? "fair"
            : "bad",
    height:
      point.availability === null
        ? 0
        : Math.max(0.02, (Math.max(floor, point.availability) - floor) / (1 - floor || 1)),
  }));
}
