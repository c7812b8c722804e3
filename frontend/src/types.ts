// Shapes of our websocket answers (custom_components/integration_reliability/websocket.py)
// and of the slice of Home Assistant's `hass` object the panel and card use.

export interface HassLocale {
  language: string;
  time_zone?: "local" | "server";
}

export interface HassUser {
  is_admin: boolean;
}

export interface HassConnection {
  subscribeMessage<T>(
    callback: (message: T) => void,
    message: Record<string, unknown>,
  ): Promise<() => Promise<void>>;
}

export interface Hass {
  callWS<T>(message: Record<string, unknown>): Promise<T>;
  connection: HassConnection;
  locale: HassLocale;
  language?: string;
  config: { time_zone: string };
  user?: HassUser;
  themes?: { darkMode?: boolean };
}

export type RangeName = "24h" | "7d" | "30d" | "90d" | "1y" | "custom";

export interface RangeChoice {
  range: RangeName;
  start?: string;
  end?: string;
}

export type Status = "ok" | "outage" | "setup_retry" | "setup_error" | "not_loaded" | "degraded";

export interface IntegrationRow {
  integration_id: string;
  integration_domain: string;
  name: string;
  status: Status;
  reason: string | null;
  since: number | null;
  entities_down: number;
  availability: number | null;
  unavailable_events: number | null;
  unavailable_seconds: number | null;
  mttr_seconds: number | null;
  mtbf_seconds: number | null;
  heal_attempts: number | null;
  heal_successes: number | null;
  heal_failures: number | null;
  success_rate: number | null;
  windows: { "24h": number | null; "7d": number | null; "30d": number | null };
  open_outages: number;
  sparkline: (number | null)[];
}

export interface Overview {
  start: number;
  end: number;
  frontier: number | null;
  sparkline_days: number[];
  integrations: IntegrationRow[];
  time_zone: string;
  totals: {
    integrations: number;
    availability: number | null;
    outages: number;
    unavailable_seconds: number;
    open_outages: number;
    heal_attempts: number;
    heal_successes: number;
    heal_failures: number;
    success_rate: number | null;
    problems_now: number;
  };
}

export interface SeriesPoint {
  start: number;
  end: number;
  partial: boolean;
  availability: number | null;
  outages: number;
  unavailable_seconds: number;
}

export interface IntegrationDetail {
  integration_id: string;
  integration_domain: string;
  name: string;
  status: Status;
  reason: string | null;
  since: number | null;
  entities_down: number;
  can_heal: boolean;
  start: number;
  end: number;
  metrics: IntegrationRow | null;
  days: SeriesPoint[];
  hours: SeriesPoint[];
}

export interface Outage {
  entity_id: string | null;
  start: number;
  end: number | null;
  known_start: boolean;
  duration_s: number;
}

export interface Marker {
  timestamp: number;
  event_type: string;
  details: Record<string, unknown> | null;
}

export interface Timeline {
  start: number;
  end: number;
  outages: Outage[];
  markers: Marker[];
  entities: string[];
  truncated: boolean;
}

export interface Heatmap {
  start: number;
  end: number;
  grid: number[][];
  by_hour: number[];
  outages: number;
  peak_hour: number | null;
  peak_share: number | null;
}

export interface Partner {
  integration_id: string;
  integration_domain: string;
  name: string;
  support: number;
  expected: number;
  lift: number;
  p_value: number;
  confidence: number;
}

export interface Spell {
  event_type: string;
  start: number;
  end: number | null;
  state: string | null;
  reason: string | null;
  attempts: number | null;
  duration_s: number | null;
  outcome: string | null;
}

export interface EventRow {
  id: number;
  integration_id: string;
  integration_domain: string;
  timestamp: number;
  event_type: string;
  entity_id: string | null;
  details: Record<string, unknown> | null;
}

export interface EventsPage {
  events: EventRow[];
  next_cursor: string | null;
}

export interface Job {
  job_type: string;
  range_start: number | null;
  range_end: number | null;
  started_at: number | null;
  completed_at: number | null;
  status: string;
  rows_processed: number | null;
  rows_written: number | null;
  error: string | null;
}

export interface Engine {
  backend: string;
  database_bytes: number | null;
  growth_bytes_per_day: number | null;
  events_per_day: number | null;
  daily_events: { start: number; events: number; partial: boolean }[];
  queue_depth: number;
  dropped_records: number;
  committed_records: number;
  last_commit: number | null;
  schema_version: number | null;
  running: boolean;
  jobs: Job[];
}

export interface HealOutcome {
  outcome: string;
  entities_affected?: string[];
  entities_recovered?: string[];
  [key: string]: unknown;
}
