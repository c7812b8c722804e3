import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, makeFormatter } from "../src/format.js";
import { localizeList, makeLocalize } from "../src/localize.js";

describe("formatDuration", () => {
  it("shows the two largest units", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(12)).toBe("12 s");
    expect(formatDuration(250)).toBe("4 min 10 s");
    expect(formatDuration(3600)).toBe("1 h");
    expect(formatDuration(3 * 86400 + 4 * 3600 + 59)).toBe("3 d 4 h");
    expect(formatDuration(null)).toBe("—");
  });
});

describe("makeFormatter", () => {
  it("never rounds an outage up to 100 %", () => {
    const fmt = makeFormatter("en", "UTC");
    expect(fmt.percent(0.99999, 2)).toBe("99.99%");
    expect(fmt.percent(1, 1)).toBe("100.0%");
    expect(fmt.percent(null)).toBe("—");
  });
  it("uses the language and the time zone given", () => {
    const de = makeFormatter("de", "Europe/Berlin");
    expect(de.percent(0.5, 1)).toMatch(/^50,0\s%$/u);
    const tokyo = makeFormatter("en", "Asia/Tokyo");
    const utc = makeFormatter("en", "UTC");
    expect(tokyo.hour(0)).toBe("09:00 AM");
    expect(utc.hour(0)).toBe("12:00 AM");
  });
  it("formats bytes", () => {
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1_500_000)).toBe("1.5 MB");
  });
});

describe("localize", () => {
  it("fills placeholders and falls back to English", () => {
    const t = makeLocalize("de-CH");
    expect(t("overview.no_match", { query: "zha" })).toBe("No integration matches “zha”.");
    expect(t("no.such.key")).toBe("no.such.key");
    expect(localizeList("en", "days")).toHaveLength(7);
  });
});
