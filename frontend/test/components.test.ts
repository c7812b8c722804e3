// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import "../src/panel.js";
import "../src/card.js";
import { normalizeConfig } from "../src/card.js";
import type { Hass } from "../src/types.js";

const overview = {
  start: 0,
  end: 86400,
  frontier: 0,
  sparkline_days: [0],
  time_zone: "UTC",
  totals: {
    integrations: 2,
    availability: 0.99,
    outages: 3,
    unavailable_seconds: 600,
    open_outages: 1,
    heal_attempts: 0,
    heal_successes: 0,
    heal_failures: 0,
    success_rate: null,
    problems_now: 1,
  },
  integrations: ["good", "bad"].map((id) => ({
    integration_id: id,
    integration_domain: id,
    name: id === "bad" ? "Bad bridge" : "Good hub",
    status: id === "bad" ? "outage" : "ok",
    reason: null,
    since: null,
    entities_down: id === "bad" ? 1 : 0,
    availability: id === "bad" ? 0.98 : 1,
    unavailable_events: id === "bad" ? 3 : 0,
    unavailable_seconds: id === "bad" ? 600 : 0,
    mttr_seconds: null,
    mtbf_seconds: null,
    heal_attempts: 0,
    heal_successes: 0,
    heal_failures: 0,
    success_rate: null,
    windows: { "24h": 1, "7d": 1, "30d": 1 },
    open_outages: 0,
    sparkline: [1],
  })),
};

function fakeHass(calls: Record<string, unknown>[], answer: unknown = overview): Hass {
  return {
    callWS: async <T,>(message: Record<string, unknown>) => {
      calls.push(message);
      return answer as T;
    },
    connection: { subscribeMessage: async () => async () => undefined },
    locale: { language: "en", time_zone: "server" },
    config: { time_zone: "Europe/Amsterdam" },
    user: { is_admin: false },
  };
}

async function settle(el: HTMLElement & { updateComplete?: Promise<unknown> }) {
  for (let k = 0; k < 5; k += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await el.updateComplete;
  }
}

// The overview table's rows are checked in the real browser (tests/test_browser.py):
// happy-dom's template parser does not keep <tr>/<th> roots of Lit templates.
describe("panel", () => {
  it("asks the server in the user's time zone and shows the install's totals", async () => {
    const calls: Record<string, unknown>[] = [];
    const el = document.createElement("integration-reliability-panel") as HTMLElement & {
      hass: Hass;
      route: { prefix: string; path: string };
      updateComplete: Promise<unknown>;
    };
    el.hass = fakeHass(calls, { ...overview, integrations: [] });
    el.route = { prefix: "/integration-reliability", path: "" };
    document.body.append(el);
    await settle(el);
    expect(calls[0]).toMatchObject({
      type: "integration_reliability/overview",
      range: "30d",
      time_zone: "Europe/Amsterdam",
    });
    const tiles = [...el.shadowRoot!.querySelectorAll(".tile")];
    expect(tiles).toHaveLength(8);
    expect(tiles[1].textContent).toContain("99.00%");
    expect(el.shadowRoot!.querySelector(".tile.alert")).not.toBeNull();
    expect(el.shadowRoot!.textContent).toContain("Nothing recorded yet");
    // Another range asks again.
    const select = el.shadowRoot!.querySelector("select.range-select") as HTMLSelectElement;
    select.value = "1y";
    select.dispatchEvent(new Event("change"));
    await settle(el);
    expect(calls.at(-1)).toMatchObject({ range: "1y" });
    el.remove();
  });
});

describe("card", () => {
  it("validates its configuration with defaults", () => {
    expect(normalizeConfig({ type: "custom:integration-reliability-card" })).toMatchObject({
      mode: "overview",
      top: 5,
      range: "7d",
    });
    expect(() => normalizeConfig({ type: "x", mode: "pie" as never })).toThrow(/Unknown mode/);
    expect(() => normalizeConfig({ type: "x", top: 0 })).toThrow(/top/);
  });
  it("shows the top flaky integrations only", async () => {
    const calls: Record<string, unknown>[] = [];
    const el = document.createElement("integration-reliability-card") as HTMLElement & {
      hass: Hass;
      setConfig(config: unknown): void;
      updateComplete: Promise<unknown>;
    };
    el.setConfig({ type: "custom:integration-reliability-card", top: 3 });
    el.hass = fakeHass(calls);
    document.body.append(el);
    await settle(el);
    const rows = [...el.shadowRoot!.querySelectorAll("button.row")];
    expect(rows.map((r) => r.getAttribute("data-integration"))).toEqual(["bad"]);
    expect(calls[0]).toMatchObject({ range: "7d" });
    el.remove();
  });
});
