// Our websocket commands: the only way the panel and the card get data.
import type {
  Engine,
  EventsPage,
  Hass,
  HealOutcome,
  Heatmap,
  IntegrationDetail,
  Overview,
  Partner,
  RangeChoice,
  Spell,
  Timeline,
} from "./types.js";

const DOMAIN = "integration_reliability";

/** The time zone the user's profile asks for: the browser's, or the server's. */
export function userTimeZone(hass: Hass): string {
  if (hass.locale.time_zone === "local") {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  }
  return hass.config.time_zone;
}

function rangeFields(hass: Hass, choice: RangeChoice): Record<string, unknown> {
  const fields: Record<string, unknown> = { range: choice.range, time_zone: userTimeZone(hass) };
  if (choice.range === "custom") {
    if (choice.start) fields.start = choice.start;
    if (choice.end) fields.end = choice.end;
  }
  return fields;
}

export const api = {
  overview: (hass: Hass, choice: RangeChoice) =>
    hass.callWS<Overview>({ type: `${DOMAIN}/overview`, ...rangeFields(hass, choice) }),
  integration: (hass: Hass, id: string, choice: RangeChoice) =>
    hass.callWS<IntegrationDetail>({
      type: `${DOMAIN}/integration`,
      integration_id: id,
      ...rangeFields(hass, choice),
    }),
  timeline: (hass: Hass, id: string, choice: RangeChoice) =>
    hass.callWS<Timeline>({
      type: `${DOMAIN}/timeline`,
      integration_id: id,
      ...rangeFields(hass, choice),
    }),
  heatmap: (hass: Hass, id: string | undefined, choice: RangeChoice) =>
    hass.callWS<Heatmap>({
      type: `${DOMAIN}/heatmap`,
      ...(id ? { integration_id: id } : {}),
      ...rangeFields(hass, choice),
    }),
  correlation: (hass: Hass, id: string, choice: RangeChoice) =>
    hass.callWS<{ partners: Partner[] }>({
      type: `${DOMAIN}/correlation`,
      integration_id: id,
      ...rangeFields(hass, choice),
    }),
  spells: (hass: Hass, id: string, choice: RangeChoice) =>
    hass.callWS<{ spells: Spell[] }>({
      type: `${DOMAIN}/spells`,
      integration_id: id,
      ...rangeFields(hass, choice),
    }),
  events: (
    hass: Hass,
    id: string,
    choice: RangeChoice,
    filters: { eventType?: string; entityId?: string; cursor?: string | null },
  ) =>
    hass.callWS<EventsPage>({
      type: `${DOMAIN}/events`,
      integration_id: id,
      limit: 50,
      ...(filters.eventType ? { event_types: [filters.eventType] } : {}),
      ...(filters.entityId ? { entity_id: filters.entityId } : {}),
      ...(filters.cursor ? { cursor: filters.cursor } : {}),
      ...rangeFields(hass, choice),
    }),
  engine: (hass: Hass) =>
    hass.callWS<Engine>({ type: `${DOMAIN}/engine`, time_zone: userTimeZone(hass) }),
  heal: (hass: Hass, id: string) =>
    hass.callWS<HealOutcome>({ type: `${DOMAIN}/heal`, integration_id: id }),
  /** Calls `onUpdate` whenever new data is committed; returns the unsubscribe function. */
  subscribe: (hass: Hass, onUpdate: () => void) =>
    hass.connection.subscribeMessage<{ reason: string }>(() => onUpdate(), {
      type: `${DOMAIN}/subscribe`,
    }),
};

/** The message of a websocket error (translated by the server where it is ours). */
export function errorMessage(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) {
    return String((err as { message: unknown }).message);
  }
  return String(err);
}
