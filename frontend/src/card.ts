// The dashboard card `custom:integration-reliability-card` and its editor.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { api, errorMessage, userTimeZone } from "./api.js";
import { heatmapGrid, sparkline, timelineChart } from "./charts.js";
import { makeFormatter, type Formatter } from "./format.js";
import { localizeList, makeLocalize, type Localize } from "./localize.js";
import { topFlaky } from "./shape.js";
import { shared } from "./styles.js";
import type { Hass, Heatmap, IntegrationRow, RangeName, Timeline } from "./types.js";

export type CardMode = "overview" | "heatmap" | "timeline";

export interface CardConfig {
  type: string;
  mode?: CardMode;
  integration_id?: string;
  top?: number;
  range?: RangeName;
  title?: string;
}

const MODES: CardMode[] = ["overview", "heatmap", "timeline"];
const CARD_RANGES: RangeName[] = ["24h", "7d", "30d", "90d", "1y"];
const PANEL_PATH = "/integration-reliability";

/** The configuration with every default filled in; throws on what cannot work. */
export function normalizeConfig(config: CardConfig): Required<Omit<CardConfig, "integration_id" | "title">> &
  Pick<CardConfig, "integration_id" | "title"> {
  if (!config || typeof config !== "object") throw new Error("Invalid configuration");
  const mode = config.mode ?? "overview";
  if (!MODES.includes(mode)) throw new Error(`Unknown mode "${mode}": use one of ${MODES.join(", ")}`);
  const range = config.range ?? "7d";
  if (!CARD_RANGES.includes(range)) throw new Error(`Unknown range "${range}": use one of ${CARD_RANGES.join(", ")}`);
  const top = config.top ?? 5;
  if (!Number.isInteger(top) || top < 1 || top > 50) throw new Error("top must be a whole number from 1 to 50");
  return { ...config, mode, range, top };
}

export class IntegrationReliabilityCard extends LitElement {
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
    _rows: { state: true },
    _heatmap: { state: true },
    _timeline: { state: true },
    _error: { state: true },
  };

  hass?: Hass;
  private _config?: ReturnType<typeof normalizeConfig>;
  private _rows?: IntegrationRow[];
  private _heatmap?: Heatmap;
  private _timeline?: Timeline;
  private _error?: string;
  private _loadedKey = "";
  private _unsubscribe?: Promise<() => Promise<void>>;
  private _timer?: ReturnType<typeof setTimeout>;
  private _localize: Localize = makeLocalize("en");
  private _fmt: Formatter = makeFormatter("en", "UTC");

  static getConfigElement(): HTMLElement {
    return document.createElement("integration-reliability-card-editor");
  }

  static getStubConfig(): Partial<CardConfig> {
    return { mode: "overview", top: 5, range: "7d" };
  }

  setConfig(config: CardConfig): void {
    this._config = normalizeConfig(config);
  }

  getCardSize(): number {
    return this._config?.mode === "overview" ? 1 + (this._config.top ?? 5) : 5;
  }

  connectedCallback(): void {
    super.connectedCallback();
    this._subscribe();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this._unsubscribe?.then((unsub) => unsub()).catch(() => undefined);
    this._unsubscribe = undefined;
    clearTimeout(this._timer);
  }

  private _subscribe(): void {
    if (!this.hass || this._unsubscribe || !this.isConnected) return;
    this._unsubscribe = api.subscribe(this.hass, () => {
      clearTimeout(this._timer);
      this._timer = setTimeout(() => this._load(), 5000);
    });
    this._unsubscribe.catch(() => (this._unsubscribe = undefined));
  }

  protected willUpdate(changed: PropertyValues): void {
    if (changed.has("hass") && this.hass) {
      const language = this.hass.locale?.language ?? "en";
      this._localize = makeLocalize(language);
      this._fmt = makeFormatter(language, userTimeZone(this.hass));
      this._subscribe();
    }
    const key = JSON.stringify(this._config);
    if (this.hass && this._config && key !== this._loadedKey) {
      this._loadedKey = key;
      this._load();
    }
  }

  private async _load(): Promise<void> {
    const hass = this.hass;
    const config = this._config;
    if (!hass || !config) return;
    const range = { range: config.range };
    try {
      this._error = undefined;
      if (config.mode === "overview") {
        this._rows = topFlaky((await api.overview(hass, range)).integrations, config.top);
      } else if (config.mode === "heatmap") {
        this._heatmap = await api.heatmap(hass, config.integration_id, range);
      } else if (config.integration_id) {
        this._timeline = await api.timeline(hass, config.integration_id, range);
      }
    } catch (err) {
      this._error = errorMessage(err);
    }
  }

  private _open(path: string): void {
    history.pushState(null, "", `${PANEL_PATH}${path}`);
    window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace: false } }));
  }

  protected render(): TemplateResult {
    const config = this._config;
    if (!config) return html``;
    const t = this._localize;
    const title = config.title ?? t(`card.modes.${config.mode}`);
    return html`<ha-card>
      <div class="card-content">
        <h2 class="card-title">${title}</h2>
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : this._body()}
      </div>
    </ha-card>`;
  }

  private _body(): TemplateResult | typeof nothing {
    const config = this._config!;
    const t = this._localize;
    if (config.mode === "overview") {
      if (!this._rows) return html`<p class="muted">${t("common.loading")}</p>`;
      if (!this._rows.length) return html`<p class="muted">${t("overview.empty")}</p>`;
      return html`<ol class="top">
        ${this._rows.map(
          (row) => html`<li>
            <button class="row" data-integration=${row.integration_id} @click=${() => this._open(`/integration/${encodeURIComponent(row.integration_id)}`)}>
              <span class="row-name">${row.name}</span>
              <span class="status ${row.status}">${t(`status.${row.status}`)}</span>
              <span class="num">${this._fmt.percent(row.availability, 2)}</span>
              <span class="num muted">${this._fmt.number(row.unavailable_events)} ${t("overview.columns.outages")}</span>
              ${sparkline(row.sparkline, t("overview.columns.trend"))}
            </button>
          </li>`,
        )}
      </ol>`;
    }
    if (config.mode === "heatmap") {
      if (!this._heatmap) return html`<p class="muted">${t("common.loading")}</p>`;
      return heatmapGrid(this._heatmap, localizeList(this.hass?.locale?.language, "days"), t, true);
    }
    if (!config.integration_id) return html`<p class="muted">${t("card.pick_integration")}</p>`;
    if (!this._timeline) return html`<p class="muted">${t("common.loading")}</p>`;
    if (!this._timeline.outages.length) return html`<p class="muted">${t("integration.timeline_empty")}</p>`;
    return timelineChart(this._timeline, this._fmt, t, 12);
  }

  static styles = [
    shared,
    css`
      .card-content {
        padding: 16px;
      }
      .card-title {
        margin: 0 0 12px;
      }
      .top {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .row {
        display: grid;
        grid-template-columns: 1fr auto auto;
        grid-template-areas: "name status avail" "spark spark outages";
        gap: 2px 8px;
        align-items: center;
        width: 100%;
        text-align: left;
        background: none;
        border: none;
        border-bottom: 1px solid var(--ir-line);
        border-radius: 0;
        padding: 8px 0;
      }
      .row-name {
        grid-area: name;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .row .status {
        grid-area: status;
      }
      .row .num {
        text-align: right;
      }
      .row .sparkline {
        grid-area: spark;
        width: 100%;
      }
      .error {
        color: var(--ir-bad);
      }
    `,
  ];
}

interface FormSchema {
  name: string;
  required?: boolean;
  selector: Record<string, unknown>;
}

/** The card editor: Home Assistant's own form, with our integrations to pick from. */
export class IntegrationReliabilityCardEditor extends LitElement {
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
    _options: { state: true },
  };

  hass?: Hass;
  private _config?: CardConfig;
  private _options: { value: string; label: string }[] = [];
  private _fetched = false;

  setConfig(config: CardConfig): void {
    this._config = config;
  }

  protected willUpdate(): void {
    if (this.hass && !this._fetched) {
      this._fetched = true;
      api
        .overview(this.hass, { range: "30d" })
        .then((data) => {
          this._options = data.integrations.map((row) => ({ value: row.integration_id, label: row.name }));
        })
        .catch(() => undefined);
    }
  }

  private _schema(t: Localize): FormSchema[] {
    const mode = this._config?.mode ?? "overview";
    const schema: FormSchema[] = [
      {
        name: "mode",
        required: true,
        selector: { select: { mode: "dropdown", options: MODES.map((m) => ({ value: m, label: t(`card.modes.${m}`) })) } },
      },
      {
        name: "range",
        selector: { select: { mode: "dropdown", options: CARD_RANGES.map((r) => ({ value: r, label: t(`range.${r}`) })) } },
      },
      { name: "title", selector: { text: {} } },
    ];
    if (mode === "overview") schema.push({ name: "top", selector: { number: { min: 1, max: 50, mode: "box" } } });
    else schema.push({ name: "integration_id", selector: { select: { mode: "dropdown", options: this._options } } });
    return schema;
  }

  protected render(): TemplateResult {
    if (!this.hass || !this._config) return html``;
    const t = makeLocalize(this.hass.locale?.language);
    const labels: Record<string, string> = {
      mode: t("card.mode"),
      range: t("card.range"),
      title: t("card.title"),
      top: t("card.top"),
      integration_id: t("card.integration"),
    };
    return html`<ha-form
      .hass=${this.hass}
      .data=${{ mode: "overview", range: "7d", top: 5, ...this._config }}
      .schema=${this._schema(t)}
      .computeLabel=${(s: FormSchema) => labels[s.name] ?? s.name}
      @value-changed=${this._changed}
    ></ha-form>`;
  }

  private _changed(e: CustomEvent<{ value: CardConfig }>): void {
    e.stopPropagation();
    const config = { ...e.detail.value };
    (Object.keys(config) as (keyof CardConfig)[]).forEach((key) => {
      if (config[key] === "" || config[key] === undefined) delete config[key];
    });
    this._config = config;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }));
  }
}

if (!customElements.get("integration-reliability-card")) {
  customElements.define("integration-reliability-card", IntegrationReliabilityCard);
}
if (!customElements.get("integration-reliability-card-editor")) {
  customElements.define("integration-reliability-card-editor", IntegrationReliabilityCardEditor);
}

interface CustomCardEntry {
  type: string;
  name: string;
  description: string;
  preview: boolean;
}
const registry = window as unknown as { customCards?: CustomCardEntry[] };
registry.customCards = registry.customCards ?? [];
if (!registry.customCards.some((card) => card.type === "integration-reliability-card")) {
  registry.customCards.push({
    type: "integration-reliability-card",
    name: "Integration Reliability",
    description: "Most flaky integrations, a time-of-day heatmap or an outage timeline.",
    preview: true,
  });
}
