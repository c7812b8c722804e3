// SVG charts drawn with Lit templates: no chart library, themed by CSS variables.
import { html, svg, nothing, type TemplateResult } from "lit";
import type { Formatter } from "./format.js";
import type { Localize } from "./localize.js";
import { availabilityFloor, heatLevel, seriesBars, sparkPath, timelineLanes } from "./shape.js";
import type { Heatmap, Marker, SeriesPoint, Timeline } from "./types.js";

export function sparkline(values: (number | null)[], label: string): TemplateResult {
  const width = 96;
  const height = 24;
  const floor = availabilityFloor(values);
  return html`<svg
    class="sparkline"
    viewBox="0 0 ${width} ${height}"
    width=${width}
    height=${height}
    role="img"
    aria-label=${label}
    preserveAspectRatio="none"
  >
    ${svg`<path d=${sparkPath(values, width, height - 2, floor)} />`}
  </svg>`;
}

/** Availability per period as bars (day or hour resolution). */
export function availabilityBars(
  points: SeriesPoint[],
  label: (point: SeriesPoint) => string,
  title: string,
): TemplateResult {
  const floor = availabilityFloor(points.map((p) => p.availability));
  const width = 600;
  const height = 80;
  const step = width / Math.max(1, points.length);
  const bars = seriesBars(points, floor);
  return html`<figure class="chart">
    <svg
      class="bars"
      viewBox="0 0 ${width} ${height + 14}"
      role="img"
      aria-label=${title}
      preserveAspectRatio="none"
    >
      ${bars.map(
        (bar, k) => svg`<rect
          class="bar ${bar.level}${bar.point.partial ? " partial" : ""}"
          x=${(k * step + step * 0.1).toFixed(2)}
          y=${(height - bar.height * height).toFixed(2)}
          width=${(step * 0.8).toFixed(2)}
          height=${(bar.height * height).toFixed(2)}
        ><title>${label(bar.point)}</title></rect>`,
      )}
      ${svg`<line class="axis" x1="0" x2=${width} y1=${height} y2=${height} />`}
    </svg>
    <figcaption class="axis-labels">
      <span>${(floor * 100).toFixed(0)} %</span><span>100 %</span>
    </figcaption>
  </figure>`;
}

/** 7 x 24 grid of outage starts; every cell is focusable and says its count. */
export function heatmapGrid(
  data: Heatmap,
  days: string[],
  localize: Localize,
  compact = false,
): TemplateResult {
  const max = Math.max(0, ...data.grid.flat());
  const hours = Array.from({ length: 24 }, (_, h) => h);
  return html`<div class="heatmap${compact ? " compact" : ""}" role="grid" aria-label=${localize("integration.heatmap")}>
    <div class="heat-row heat-head" role="row">
      <span class="heat-day" role="columnheader"></span>
      ${hours.map(
        (h) => html`<span class="heat-hour" role="columnheader">${h % 3 === 0 ? String(h).padStart(2, "0") : ""}</span>`,
      )}
    </div>
    ${data.grid.map(
      (row, d) => html`<div class="heat-row" role="row">
        <span class="heat-day" role="rowheader">${days[d]}</span>
        ${row.map(
          (count, h) => html`<span
            class="heat-cell level-${heatLevel(count, max)}"
            role="gridcell"
            tabindex="0"
            data-day=${d}
            data-hour=${h}
            data-count=${count}
            title="${days[d]} ${String(h).padStart(2, "0")}:00 · ${count}"
            aria-label="${days[d]} ${String(h).padStart(2, "0")}:00: ${count}"
          ></span>`,
        )}
      </div>`,
    )}
    ${data.peak_hour !== null && data.peak_share !== null
      ? html`<p class="heat-peak">
          ${localize("integration.heatmap_peak", {
            share: `${Math.round(data.peak_share * 100)} %`,
            from: `${String(data.peak_hour).padStart(2, "0")}:00`,
            to: `${String((data.peak_hour + 1) % 24).padStart(2, "0")}:00`,
          })}
        </p>`
      : nothing}
  </div>`;
}

const MARKER_CLASS: Record<string, string> = {
  reload: "reload",
  heal_attempt: "heal",
  heal_success: "heal ok",
  heal_failure: "heal bad",
  setup_failure: "setup",
  setup_retry: "setup",
};

/** Outage bars per entity over the range, with heal / reload / setup markers. */
export function timelineChart(
  data: Timeline,
  fmt: Formatter,
  localize: Localize,
  maxLanes = 30,
): TemplateResult {
  const width = 600;
  const laneHeight = 14;
  const lanes = timelineLanes(data.outages, data.start, data.end, width).slice(0, maxLanes);
  const height = Math.max(1, lanes.length) * laneHeight + 18;
  const span = Math.max(1, data.end - data.start);
  const markerX = (m: Marker) => ((m.timestamp - data.start) / span) * width;
  return html`<div class="timeline">
    <div class="lane-labels">
      ${lanes.map((lane) => html`<span class="lane-label" title=${lane.entity}>${lane.entity}</span>`)}
    </div>
    <svg
      class="timeline-chart"
      viewBox="0 0 ${width} ${height}"
      preserveAspectRatio="none"
      role="img"
      aria-label=${localize("integration.timeline")}
    >
      ${lanes.map((lane, k) =>
        lane.bars.map(
          (bar) => svg`<rect class="outage${bar.outage.end === null ? " open" : ""}"
            x=${bar.x.toFixed(2)} y=${k * laneHeight + 2} width=${bar.width.toFixed(2)} height=${laneHeight - 4}
          ><title>${lane.entity}: ${fmt.dateTime(bar.outage.start)} · ${fmt.duration(bar.outage.duration_s)}${
            bar.outage.end === null ? ` (${localize("integration.open")})` : ""
          }</title></rect>`,
        ),
      )}
      ${data.markers.map(
        (m) => svg`<line class="marker ${MARKER_CLASS[m.event_type] ?? ""}"
          x1=${markerX(m).toFixed(2)} x2=${markerX(m).toFixed(2)} y1="0" y2=${height - 16}
        ><title>${localize(`event.${m.event_type}`)} · ${fmt.dateTime(m.timestamp)}</title></line>`,
      )}
      ${svg`<line class="axis" x1="0" x2=${width} y1=${height - 16} y2=${height - 16} />`}
    </svg>
    <div class="timeline-axis"><span>${fmt.dateTime(data.start)}</span><span>${fmt.dateTime(data.end)}</span></div>
  </div>`;
}
