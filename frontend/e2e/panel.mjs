// Real-browser run of the Reliability panel and card against a running hass.
// Started by tests/e2e/driver.py inside the test's network namespace:
//   IR_BASE=http://127.0.0.1:8123 IR_USER=… IR_PASSWORD=… IR_SHOTS=<dir> IR_REPORT=<file> node panel.mjs
// Writes what it saw to IR_REPORT (the pytest test asserts on it) and a PNG of
// every view into IR_SHOTS (the README's screenshots are made this way).
import { chromium } from "playwright-core";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const base = process.env.IR_BASE ?? "http://127.0.0.1:8123";
const shots = process.env.IR_SHOTS;
const report = { steps: [], console_errors: [] };
const TIMEOUT = 30000;

function step(name, data = {}) {
  report.steps.push(name);
  Object.assign(report, data);
}

async function shot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

const browser = await chromium.launch({
  executablePath: process.env.IR_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless=new", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  // Nothing but our hass: the frontend's brand icons and the like are aborted.
  await context.route("**/*", (route) =>
    new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort(),
  );
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error" && /integration-reliability|integration_reliability/.test(msg.text())) {
      report.console_errors.push(msg.text());
    }
  });
  page.on("pageerror", (err) => report.console_errors.push(String(err)));

  await page.goto(`${base}/`, { waitUntil: "domcontentloaded" });
  await page.fill('input[name="username"]', process.env.IR_USER);
  await page.fill('input[name="password"]', process.env.IR_PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => !url.href.includes("auth/authorize"), { timeout: TIMEOUT });
  step("login");

  // The sidebar names the panel.
  await page.locator("ha-sidebar").getByText("Reliability").first().waitFor({ timeout: TIMEOUT });
  step("sidebar");

  // Overview: the seeded integrations, worst first.
  await page.goto(`${base}/integration-reliability`, { waitUntil: "domcontentloaded" });
  const rows = page.locator("integration-reliability-panel tr.integration-row");
  await rows.first().waitFor({ timeout: TIMEOUT });
  const order = await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-integration")));
  const names = await page.locator("integration-reliability-panel .integration-name").allTextContents();
  step("overview", { overview_order: order, overview_names: names });
  await shot(page, "overview");

  // Keyboard: focus the seeded worst integration's row and press Enter to open it.
  const open = process.env.IR_OPEN ?? "zha";
  await page.locator(`integration-reliability-panel tr.integration-row[data-integration="${open}"]`).focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/integration-reliability\/integration\//, { timeout: TIMEOUT });
  const cells = page.locator("integration-reliability-panel .heat-cell");
  await cells.first().waitFor({ timeout: TIMEOUT });
  const byHour = await cells.evaluateAll((els) => {
    const hours = Array(24).fill(0);
    for (const el of els) hours[Number(el.dataset.hour)] += Number(el.dataset.count);
    return hours;
  });
  const title = await page.locator("integration-reliability-panel .integration-title").textContent();
  await page.locator("integration-reliability-panel .timeline-chart rect.outage").first().waitFor({ timeout: TIMEOUT });
  const outageBars = await page.locator("integration-reliability-panel .timeline-chart rect.outage").count();
  const heal = await page.locator("integration-reliability-panel button.heal").count();
  step("integration", {
    integration_url: page.url(),
    integration_title: title?.trim(),
    heatmap_by_hour: byHour,
    timeline_bars: outageBars,
    heal_buttons: heal,
  });
  await shot(page, "integration");

  // Back to the overview.
  await page.locator("integration-reliability-panel button.back").click();
  await page.waitForURL((url) => url.pathname === "/integration-reliability", { timeout: TIMEOUT });
  await rows.first().waitFor({ timeout: TIMEOUT });
  step("back", { back_rows: await rows.count() });

  // Engine page.
  await page.locator("integration-reliability-panel button.tab").nth(1).click();
  await page.locator("integration-reliability-panel .backend").waitFor({ timeout: TIMEOUT });
  step("engine", { engine_backend: (await page.locator("integration-reliability-panel .backend").textContent())?.trim() });
  await shot(page, "engine");

  // Phone width: the page itself does not scroll sideways.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}/integration-reliability`, { waitUntil: "domcontentloaded" });
  await rows.first().waitFor({ timeout: TIMEOUT });
  const overflow = await page.evaluate(() => {
    const panel = document.querySelector("home-assistant")
      ?.shadowRoot?.querySelector("home-assistant-main")
      ?.shadowRoot?.querySelector("partial-panel-resolver");
    return { page: document.documentElement.scrollWidth, panel: panel ? panel.scrollWidth : null };
  });
  step("narrow", { narrow_scroll_width: overflow });
  await shot(page, "overview-375px");
  await page.setViewportSize({ width: 1280, height: 900 });

  // A dashboard with the card, written over the websocket as the UI editor would.
  await page.evaluate(async () => {
    const hass = document.querySelector("home-assistant").hass;
    await hass.callWS({
      type: "lovelace/config/save",
      config: {
        title: "Reliability",
        views: [
          {
            title: "Reliability",
            path: "reliability",
            cards: [
              { type: "custom:integration-reliability-card", mode: "overview", top: 3, range: "30d" },
              { type: "custom:integration-reliability-card", mode: "heatmap", integration_id: "zha", range: "30d" },
              { type: "custom:integration-reliability-card", mode: "timeline", integration_id: "zha", range: "7d" },
            ],
          },
        ],
      },
    });
  });
  await page.goto(`${base}/lovelace/reliability`, { waitUntil: "domcontentloaded" });
  const cardRows = page.locator("integration-reliability-card button.row");
  await cardRows.first().waitFor({ timeout: TIMEOUT });
  const cardOrder = await cardRows.evaluateAll((els) => els.map((el) => el.getAttribute("data-integration")));
  const cardCells = page.locator("integration-reliability-card .heat-cell");
  await cardCells.first().waitFor({ timeout: TIMEOUT });
  const cardHours = await cardCells.evaluateAll((els) => {
    const hours = Array(24).fill(0);
    for (const el of els) hours[Number(el.dataset.hour)] += Number(el.dataset.count);
    return hours;
  });
  await page.locator("integration-reliability-card .timeline-chart rect.outage").first().waitFor({ timeout: TIMEOUT });
  step("card", { card_order: cardOrder, card_heatmap_by_hour: cardHours });
  await shot(page, "card");

  // The card opens the panel on the integration.
  await cardRows.first().click();
  await page.waitForURL(/\/integration-reliability\/integration\//, { timeout: TIMEOUT });
  await page.locator("integration-reliability-panel .integration-title").waitFor({ timeout: TIMEOUT });
  step("card_to_panel", { card_link_url: page.url() });
} catch (err) {
  report.error = String(err && err.stack ? err.stack : err);
} finally {
  await browser.close();
  writeFileSync(process.env.IR_REPORT ?? "browser-report.json", JSON.stringify(report, null, 2));
}
