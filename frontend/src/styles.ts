// Shared styles: Home Assistant's theme variables only, so dark and light themes follow.
import { css } from "lit";

export const shared = css`
  :host {
    color: var(--primary-text-color);
    font-family: var(--paper-font-body1_-_font-family, var(--ha-font-family-body, Roboto, sans-serif));
    --ir-good: var(--success-color, #43a047);
    --ir-fair: var(--warning-color, #ffa600);
    --ir-bad: var(--error-color, #db4437);
    --ir-muted: var(--secondary-text-color);
    --ir-line: var(--divider-color, rgba(127, 127, 127, 0.3));
  }
  .card {
    background: var(--ha-card-background, var(--card-background-color, #fff));
    border-radius: var(--ha-card-border-radius, 12px);
    border: 1px solid var(--ha-card-border-color, var(--divider-color, #e0e0e0));
    padding: 16px;
    margin-bottom: 16px;
    box-sizing: border-box;
    min-width: 0;
  }
  h2 {
    font-size: 1.1em;
    font-weight: 500;
    margin: 0 0 12px;
  }
  .muted {
    color: var(--ir-muted);
  }
  .status {
    display: inline-block;
    padding: 2px 8px;
    border-radius: 10px;
    font-size: 0.85em;
    white-space: nowrap;
    border: 1px solid currentColor;
  }
  .status.ok {
    color: var(--ir-good);
  }
  .status.outage,
  .status.setup_error {
    color: var(--ir-bad);
  }
  .status.setup_retry,
  .status.degraded,
  .status.not_loaded {
    color: var(--ir-fair);
  }
  button,
  select,
  input {
    font: inherit;
    color: var(--primary-text-color);
    background: var(--secondary-background-color, transparent);
    border: 1px solid var(--ir-line);
    border-radius: 6px;
    padding: 6px 10px;
    min-height: 36px;
  }
  button {
    cursor: pointer;
  }
  button.primary {
    background: var(--primary-color);
    color: var(--text-primary-color, #fff);
    border-color: var(--primary-color);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  :focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: 2px;
  }
  .sparkline path {
    fill: none;
    stroke: var(--primary-color);
    stroke-width: 1.5;
    vector-effect: non-scaling-stroke;
  }
  .chart {
    margin: 0;
  }
  .bars {
    width: 100%;
    height: 110px;
    display: block;
  }
  .bar.good {
    fill: var(--ir-good);
  }
  .bar.fair {
    fill: var(--ir-fair);
  }
  .bar.bad {
    fill: var(--ir-bad);
  }
  .bar.partial {
    opacity: 0.6;
  }
  .axis {
    stroke: var(--ir-line);
    vector-effect: non-scaling-stroke;
  }
  .axis-labels,
  .timeline-axis {
    display: flex;
    justify-content: space-between;
    font-size: 0.8em;
    color: var(--ir-muted);
  }
  .heatmap {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 0.75em;
    overflow-x: auto;
  }
  .heat-row {
    display: grid;
    grid-template-columns: 2.6em repeat(24, minmax(9px, 1fr));
    gap: 2px;
    align-items: center;
  }
  .heat-cell {
    aspect-ratio: 1;
    border-radius: 2px;
    background: var(--ir-line);
  }
  .heat-cell.level-1 {
    background: color-mix(in srgb, var(--ir-bad) 25%, transparent);
  }
  .heat-cell.level-2 {
    background: color-mix(in srgb, var(--ir-bad) 50%, transparent);
  }
  .heat-cell.level-3 {
    background: color-mix(in srgb, var(--ir-bad) 75%, transparent);
  }
  .heat-cell.level-4 {
    background: var(--ir-bad);
  }
  .heat-day,
  .heat-hour {
    color: var(--ir-muted);
  }
  .heat-peak {
    margin: 8px 0 0;
  }
  .timeline {
    display: grid;
    grid-template-columns: minmax(80px, 30%) 1fr;
    column-gap: 8px;
  }
  .lane-labels {
    display: flex;
    flex-direction: column;
    font-size: 0.75em;
  }
  .lane-label {
    height: 14px;
    line-height: 14px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .timeline-chart {
    width: 100%;
    height: auto;
    display: block;
  }
  .timeline-axis {
    grid-column: 2;
  }
  .outage {
    fill: var(--ir-bad);
  }
  .outage.open {
    fill: var(--ir-fair);
  }
  .marker {
    stroke: var(--primary-color);
    stroke-width: 2;
    vector-effect: non-scaling-stroke;
  }
  .marker.reload {
    stroke: var(--ir-muted);
    stroke-dasharray: 3 2;
  }
  .marker.heal.ok {
    stroke: var(--ir-good);
  }
  .marker.heal.bad {
    stroke: var(--ir-bad);
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 6px 8px;
    border-bottom: 1px solid var(--ir-line);
    white-space: nowrap;
  }
  td.num,
  th.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .scroll {
    overflow-x: auto;
  }
`;
