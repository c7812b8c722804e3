// The "Reliability" sidebar panel: overview, one integration, the engine.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { api, errorMessage, userTimeZone } from "./api.js";
import { availabilityBars, heatmapGrid, sparkline, timelineChart } from "./charts.js";
import { makeFormatter, type Formatter } from "./format.js";
import { localizeList, makeLocalize, type Localize } from "./localize.js";
import { WORST_FIRST, filterRows, sortRows, type Sort, type SortKey } from "./shape.js";
import { parseRoute, type View } from "./route.js";
import { shared } from "./styles.js";
import type {
  Engine,
  EventRow,
  Hass,
  Heatmap,
  IntegrationDetail,
  IntegrationRow,
  Overview,
  Partner,
  RangeChoice,
  RangeName,
  SeriesPoint,
  Spell,
  Timeline,
} from "./types.js";

const RANGES: RangeName[] = ["24h", "7d", "30d", "90d", "1y", "custom"];
const EVENT_TYPES = [
  "unavailable",
  "recovered",
  "blip",
  "setup_failure",
  "setup_retry",
  "reload",
  "heal_attempt",
  "heal_success",
  "heal_failure",
];
// Pushed updates are collapsed: at most one reload of the view per interval.
const REFRESH_DEBOUNCE_MS = 2000;

interface Route {
  prefix: string;
  path: string;
}

const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: "name", label: "overview.columns.name", numeric: false },
  { key: "status", label: "overview.columns.status", numeric: false },
  { key: "availability_24h", label: "overview.columns.availability_24h", numeric: true },
  { key: "availability_7d", label: "overview.columns.availability_7d", numeric: true },
  { key: "availability_30d", label: "overview.columns.availability_30d", numeric: true },
  { key: "availability", label: "overview.columns.availability", numeric: true },
  { key: "outages", label: "overview.columns.outages", numeric: true },
  { key: "unavailable", label: "overview.columns.unavailable", numeric: true },
  { key: "mttr", label: "overview.columns.mttr", numeric: true },
  { key: "mtbf", label: "overview.columns.mtbf", numeric: true },
  { key: "heals", label: "overview.columns.heals", numeric: true },
  { key: "success_rate", label: "overview.columns.success_rate", numeric: true },
];

export class IntegrationReliabilityPanel extends LitElement {
  static properties = {
    hass: { attribute: false },
    narrow: { type: Boolean },
    route: { attribute: false },
    panel: { attribute: false },
    _range: { state: true },
    _overview: { state: true },
    _detail: { state: true },
    _timeline: { state: true },
    _heatmap: { state: true },
    _partners: { state: true },
    _spells: { state: true },
    _events: { state: true },
    _nextCursor: { state: true },
    _eventType: { state: true },
    _entityFilter: { state: true },
    _engine: { state: true },
    _error: { state: true },
    _loading: { state: true },
    _query: { state: true },
    _sort: { state: true },
    _healing: { state: true },
    _healResult: { state: true },
  };

  hass?: Hass;
  narrow = false;
  route?: Route;
  panel?: unknown;
  private _range: RangeChoice = { range: "30d" };
  private _overview?: Overview;
  private _detail?: IntegrationDetail;
  private _timeline?: Timeline;
  private _heatmap?: Heatmap;
  private _partners?: Partner[];
  private _spells?: Spell[];
  private _events: EventRow[] = [];
  private _nextCursor: string | null = null;
  private _eventType = "";
  private _entityFilter = "";
  private _engine?: Engine;
  private _error?: string;
  private _loading = false;
  private _query = "";
  private _sort: Sort = WORST_FIRST;
  private _healing = false;
  private _healResult?: string;
  private _unsubscribe?: Promise<() => Promise<void>>;
  private _refreshTimer?: ReturnType<typeof setTimeout>;
  private _loadedKey = "";
  private _customStart = "";
  private _customEnd = "";
  private _localize: Localize = makeLocalize("en");
  private _fmt: Formatter = makeFormatter("en", "UTC");
  private _days: string[] = [];

  private get _view(): View {
    return parseRoute(this.route?.path ?? "");
  }

  connectedCallback(): void {
    super.connectedCallback();
    this._subscribe();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this._unsubscribe?.then((unsub) => unsub()).catch(() => undefined);
    this._unsubscribe = undefined;
    clearTimeout(this._refreshTimer);
  }

  private _subscribe(): void {
    if (!this.hass || this._unsubscribe || !this.isConnected) return;
    this._unsubscribe = api.subscribe(this.hass, () => {
      clearTimeout(this._refreshTimer);
      this._refreshTimer = setTimeout(() => this._load(true), REFRESH_DEBOUNCE_MS);
    });
    this._unsubscribe.catch(() => (this._unsubscribe = undefined));
  }

  protected willUpdate(changed: PropertyValues): void {
    if (changed.has("hass") && this.hass) {
      const language = this.hass.locale?.language ?? this.hass.language ?? "en";
      const tz = userTimeZone(this.hass);
      this._localize = makeLocalize(language);
      this._fmt = makeFormatter(language, tz);
      this._days = localizeList(language, "days");
      this._subscribe();
    }
    const key = `${JSON.stringify(this._view)}|${JSON.stringify(this._range)}`;
    if (this.hass && key !== this._loadedKey) {
      this._loadedKey = key;
      this._load(false);
    }
  }

  private async _load(quiet: boolean): Promise<void> {
    const hass = this.hass;
    if (!hass) return;
    const view = this._view;
    const range = this._range;
    if (!quiet) {
      this._loading = true;
      this._error = undefined;
    }
    try {
      if (view.kind === "overview") {
        this._overview = await api.overview(hass, range);
      } else if (view.kind === "integration") {
        if (!quiet) {
          this._detail = undefined;
          this._timeline = undefined;
          this._heatmap = undefined;
          this._partners = undefined;
          this._spells = undefined;
          this._healResult = undefined;
        }
        const [detail, timeline, heatmap, partners, spells] = await Promise.all([
          api.integration(hass, view.id, range),
          api.timeline(hass, view.id, range),
          api.heatmap(hass, view.id, range),
          api.correlation(hass, view.id, range),
          api.spells(hass, view.id, range),
        ]);
        this._detail = detail;
        this._timeline = timeline;
        this._heatmap = heatmap;
        this._partners = partners.partners;
        this._spells = spells.spells;
        await this._loadEvents(true);
      } else {
        this._engine = await api.engine(hass);
      }
    } catch (err) {
      this._error = errorMessage(err);
    } finally {
      this._loading = false;
    }
  }

  private async _loadEvents(reset: boolean): Promise<void> {
    const view = this._view;
    if (!this.hass || view.kind !== "integration") return;
    const page = await api.events(this.hass, view.id, this._range, {
      eventType: this._eventType,
      entityId: this._entityFilter,
      cursor: reset ? null : this._nextCursor,
    });
    this._events = reset ? page.events : [...this._events, ...page.events];
    this._nextCursor = page.next_cursor;
  }

  private _navigate(path: string): void {
    const url = `${this.route?.prefix ?? "/integration-reliability"}${path}`;
    history.pushState(null, "", url);
    window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace: false } }));
  }

  private _toggleMenu(): void {
    this.dispatchEvent(new CustomEvent("hass-toggle-menu", { bubbles: true, composed: true }));
  }

  protected render(): TemplateResult {
    const t = this._localize;
    const view = this._view;
    return html`
      <header class="toolbar">
        ${this.narrow
          ? html`<button class="menu" aria-label="Menu" @click=${this._toggleMenu}>☰</button>`
          : nothing}
        <h1>${t("title")}</h1>
        <nav class="tabs" aria-label=${t("title")}>
          <button
            class="tab ${view.kind !== "engine" ? "active" : ""}"
            aria-current=${view.kind !== "engine" ? "page" : "false"}
            @click=${() => this._navigate("")}
          >
            ${t("tabs.overview")}
          </button>
          <button
            class="tab ${view.kind === "engine" ? "active" : ""}"
            aria-current=${view.kind === "engine" ? "page" : "false"}
            @click=${() => this._navigate("/engine")}
          >
            ${t("tabs.engine")}
          </button>
        </nav>
      </header>
      <main>
        ${view.kind !== "engine" ? this._renderRange() : nothing}
        ${this._error
          ? html`<div class="card error" role="alert">${t("common.error", { message: this._error })}</div>`
          : nothing}
        ${view.kind === "overview"
          ? this._renderOverview()
          : view.kind === "integration"
            ? this._renderIntegration()
            : this._renderEngine()}
      </main>
    `;
  }

  private _renderRange(): TemplateResult {
    const t = this._localize;
    return html`<div class="range">
      <label>
        <span>${t("range.label")}</span>
        <select
          class="range-select"
          .value=${this._range.range}
          @change=${(e: Event) => {
            const range = (e.target as HTMLSelectElement).value as RangeName;
            if (range !== "custom") this._range = { range };
            else this._range = { range, start: this._customStart || undefined, end: this._customEnd || undefined };
          }}
        >
          ${RANGES.map(
            (r) => html`<option value=${r} ?selected=${r === this._range.range}>${t(`range.${r}`)}</option>`,
          )}
        </select>
      </label>
      ${this._range.range === "custom"
        ? html`<label><span>${t("range.start")}</span
            ><input
              type="datetime-local"
              .value=${this._customStart}
              @change=${(e: Event) => (this._customStart = (e.target as HTMLInputElement).value)}
          /></label>
          <label><span>${t("range.end")}</span
            ><input
              type="datetime-local"
              .value=${this._customEnd}
              @change=${(e: Event) => (this._customEnd = (e.target as HTMLInputElement).value)}
          /></label>
          <button
            @click=${() =>
              (this._range = {
                range: "custom",
                start: this._customStart || undefined,
                end: this._customEnd || undefined,
              })}
          >
            ${t("range.apply")}
          </button>`
        : nothing}
    </div>`;
  }

  private _loadingOr(ready: unknown): TemplateResult | typeof nothing {
    if (!ready && this._loading) {
      return html`<div class="card muted" aria-busy="true">${this._localize("common.loading")}</div>`;
    }
    return nothing;
  }

  // --- overview -------------------------------------------------------------

  private _renderOverview(): TemplateResult {
    const t = this._localize;
    const fmt = this._fmt;
    const data = this._overview;
    if (!data) return html`${this._loadingOr(data)}`;
    const rows = sortRows(filterRows(data.integrations, this._query), this._sort);
    const totals = data.totals;
    return html`
      <section class="totals" aria-label=${t("overview.integrations")}>
        ${this._tile(t("overview.integrations"), fmt.number(totals.integrations))}
        ${this._tile(t("overview.availability"), fmt.percent(totals.availability, 2))}
        ${this._tile(t("overview.outages"), fmt.number(totals.outages))}
        ${this._tile(t("overview.unavailable"), fmt.duration(totals.unavailable_seconds))}
        ${this._tile(t("overview.problems_now"), fmt.number(totals.problems_now), totals.problems_now > 0)}
        ${this._tile(t("overview.open_outages"), fmt.number(totals.open_outages), totals.open_outages > 0)}
        ${this._tile(t("overview.heals"), fmt.number(totals.heal_attempts))}
        ${this._tile(t("overview.heal_rate"), fmt.percent(totals.success_rate, 0))}
      </section>
      <div class="card">
        <input
          class="search"
          type="search"
          placeholder=${t("overview.search")}
          aria-label=${t("overview.search")}
          .value=${this._query}
          @input=${(e: Event) => (this._query = (e.target as HTMLInputElement).value)}
        />
        ${data.integrations.length === 0
          ? html`<p class="muted empty">${t("overview.empty")}</p>`
          : rows.length === 0
            ? html`<p class="muted">${t("overview.no_match", { query: this._query })}</p>`
            : html`<div class="scroll">
                <table class="overview-table">
                  <thead>
                    <tr>
                      ${COLUMNS.map((col) => this._header(col))}
                      <th>${t("overview.columns.trend")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows.map((row) => this._row(row))}
                  </tbody>
                </table>
              </div>`}
      </div>
    `;
  }

  private _tile(label: string, value: string, alert = false): TemplateResult {
    return html`<div class="tile card${alert ? " alert" : ""}">
      <div class="tile-value">${value}</div>
      <div class="tile-label muted">${label}</div>
    </div>`;
  }

  private _header(col: { key: SortKey; label: string; numeric: boolean }): TemplateResult {
    const active = this._sort.key === col.key;
    const sortState = active ? (this._sort.descending ? "descending" : "ascending") : "none";
    return html`<th class=${col.numeric ? "num" : ""} aria-sort=${sortState}>
      <button
        class="sort"
        @click=${() =>
          (this._sort = {
            key: col.key,
            descending: active ? !this._sort.descending : col.key === "outages" || col.key === "unavailable",
          })}
      >
        ${this._localize(col.label)}${active ? (this._sort.descending ? " ▼" : " ▲") : ""}
      </button>
    </th>`;
  }

  private _row(row: IntegrationRow): TemplateResult {
    const fmt = this._fmt;
    const t = this._localize;
    const open = () => this._navigate(`/integration/${encodeURIComponent(row.integration_id)}`);
    return html`<tr
      class="integration-row"
      data-integration=${row.integration_id}
      tabindex="0"
      @click=${open}
      @keydown=${(e: KeyboardEvent) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          open();
        }
      }}
    >
      <td class="name">
        <span class="integration-name">${row.name}</span>
        <span class="muted domain">${row.integration_domain}</span>
      </td>
      <td><span class="status ${row.status}">${t(`status.${row.status}`)}</span></td>
      <td class="num">${fmt.percent(row.windows["24h"])}</td>
      <td class="num">${fmt.percent(row.windows["7d"])}</td>
      <td class="num">${fmt.percent(row.windows["30d"])}</td>
      <td class="num availability">${fmt.percent(row.availability, 2)}</td>
      <td class="num">${fmt.number(row.unavailable_events)}</td>
      <td class="num">${fmt.duration(row.unavailable_seconds)}</td>
      <td class="num">${fmt.duration(row.mttr_seconds)}</td>
      <td class="num">${fmt.duration(row.mtbf_seconds)}</td>
      <td class="num">${fmt.number(row.heal_attempts)}</td>
      <td class="num">${fmt.percent(row.success_rate, 0)}</td>
      <td>${sparkline(row.sparkline, t("overview.columns.trend"))}</td>
    </tr>`;
  }

  // --- one integration ------------------------------------------------------

  private _renderIntegration(): TemplateResult {
    const t = this._localize;
    const fmt = this._fmt;
    const d = this._detail;
    const back = html`<button class="back" @click=${() => this._navigate("")}>← ${t("integration.back")}</button>`;
    if (!d) return html`${back}${this._loadingOr(d)}`;
    const m = d.metrics;
    const isAdmin = !!this.hass?.user?.is_admin;
    return html`
      ${back}
      <section class="card head">
        <div class="title-line">
          <h2 class="integration-title">${d.name}</h2>
          <span class="status ${d.status}">${t(`status.${d.status}`)}</span>
          ${d.since ? html`<span class="muted">${t("integration.status_since", { time: fmt.dateTime(d.since) })}</span>` : nothing}
          <span class="spacer"></span>
          ${d.can_heal
            ? html`<button
                class="primary heal"
                ?disabled=${!isAdmin || this._healing}
                title=${isAdmin ? "" : t("common.admin_only")}
                @click=${this._heal}
              >
                ${this._healing ? t("integration.healing") : t("integration.heal")}
              </button>`
            : nothing}
        </div>
        ${d.reason ? html`<p class="muted">${d.reason}</p>` : nothing}
        ${this._healResult ? html`<p role="status">${this._healResult}</p>` : nothing}
        <div class="figures">
          ${this._figure(t("overview.columns.availability"), fmt.percent(m?.availability ?? null, 2))}
          ${this._figure(t("overview.outages"), fmt.number(m?.unavailable_events ?? 0))}
          ${this._figure(t("overview.unavailable"), fmt.duration(m?.unavailable_seconds ?? 0))}
          ${this._figure(t("overview.columns.mttr"), fmt.duration(m?.mttr_seconds))}
          ${this._figure(t("overview.columns.mtbf"), fmt.duration(m?.mtbf_seconds))}
          ${this._figure(t("overview.heals"), fmt.number(m?.heal_attempts ?? 0))}
          ${this._figure(t("overview.heal_rate"), fmt.percent(m?.success_rate ?? null, 0))}
        </div>
      </section>
      <section class="card">
        <h2>${t("integration.timeline")}</h2>
        ${this._timeline
          ? this._timeline.outages.length || this._timeline.markers.length
            ? html`${timelineChart(this._timeline, fmt, t)}
              ${this._timeline.truncated
                ? html`<p class="muted">${t("integration.timeline_truncated", { count: this._timeline.outages.length })}</p>`
                : nothing}`
            : html`<p class="muted">${t("integration.timeline_empty")}</p>`
          : nothing}
      </section>
      <div class="two">
        <section class="card">
          <h2>${t("integration.availability_days")}</h2>
          ${availabilityBars(d.days, (p) => this._pointLabel(p, false), t("integration.availability_days"))}
        </section>
        <section class="card">
          <h2>${t("integration.availability_hours")}</h2>
          ${availabilityBars(d.hours, (p) => this._pointLabel(p, true), t("integration.availability_hours"))}
        </section>
      </div>
      <div class="two">
        <section class="card">
          <h2>${t("integration.heatmap")}</h2>
          ${this._heatmap ? heatmapGrid(this._heatmap, this._days, t) : nothing}
        </section>
        <section class="card">
          <h2>${t("integration.together")}</h2>
          ${this._renderPartners()}
        </section>
      </div>
      <section class="card">
        <h2>${t("integration.spells")}</h2>
        ${this._renderSpells()}
      </section>
      <section class="card">
        <h2>${t("integration.events")}</h2>
        ${this._renderEvents()}
      </section>
    `;
  }

  private _figure(label: string, value: string): TemplateResult {
    return html`<div class="figure"><div class="tile-value">${value}</div><div class="muted">${label}</div></div>`;
  }

  private _pointLabel(point: SeriesPoint, hourly: boolean): string {
    const when = hourly ? `${this._fmt.date(point.start)} ${this._fmt.hour(point.start)}` : this._fmt.date(point.start);
    return `${when}: ${this._fmt.percent(point.availability, 2)} · ${this._fmt.number(point.outages)} ${this._localize(
      "overview.outages",
    )}`;
  }

  private _renderPartners(): TemplateResult {
    const t = this._localize;
    if (!this._partners) return html``;
    if (!this._partners.length) return html`<p class="muted">${t("integration.together_empty")}</p>`;
    return html`<div class="scroll"><table class="partners">
      <thead><tr><th>${t("overview.columns.name")}</th><th class="num">${t("integration.lift")}</th>
      <th class="num">${t("integration.support")}</th><th class="num">${t("integration.confidence")}</th></tr></thead>
      <tbody>${this._partners.map(
        (p) => html`<tr>
          <td><button class="link" @click=${() => this._navigate(`/integration/${encodeURIComponent(p.integration_id)}`)}>${p.name}</button></td>
          <td class="num">${this._fmt.number(Math.round(p.lift * 10) / 10)}×</td>
          <td class="num">${this._fmt.number(p.support)}</td>
          <td class="num">${this._fmt.percent(p.confidence, 0)}</td>
        </tr>`,
      )}</tbody></table></div>`;
  }

  private _renderSpells(): TemplateResult {
    const t = this._localize;
    const fmt = this._fmt;
    if (!this._spells) return html``;
    if (!this._spells.length) return html`<p class="muted">${t("integration.spells_empty")}</p>`;
    return html`<div class="scroll"><table class="spells">
      <thead><tr><th>${t("spell.start")}</th><th>${t("spell.end")}</th><th>${t("spell.state")}</th>
      <th>${t("spell.reason")}</th><th class="num">${t("spell.attempts")}</th><th>${t("spell.outcome")}</th></tr></thead>
      <tbody>${this._spells.map(
        (s) => html`<tr>
          <td>${fmt.dateTime(s.start)}</td>
          <td>${s.end ? fmt.dateTime(s.end) : t("integration.open")}</td>
          <td>${s.state ?? t(`event.${s.event_type}`)}</td>
          <td class="wrap">${s.reason ?? t("common.none")}</td>
          <td class="num">${fmt.number(s.attempts)}</td>
          <td>${s.outcome ?? t("common.none")}</td>
        </tr>`,
      )}</tbody></table></div>`;
  }

  private _renderEvents(): TemplateResult {
    const t = this._localize;
    const fmt = this._fmt;
    const entities = this._timeline?.entities ?? [];
    return html`
      <div class="filters">
        <label><span>${t("integration.filter_type")}</span>
          <select class="event-type" @change=${(e: Event) => {
            this._eventType = (e.target as HTMLSelectElement).value;
            this._loadEvents(true).catch((err) => (this._error = errorMessage(err)));
          }}>
            <option value="">${t("integration.all_types")}</option>
            ${EVENT_TYPES.map((type) => html`<option value=${type} ?selected=${type === this._eventType}>${t(`event.${type}`)}</option>`)}
          </select>
        </label>
        <label><span>${t("integration.filter_entity")}</span>
          <select class="event-entity" @change=${(e: Event) => {
            this._entityFilter = (e.target as HTMLSelectElement).value;
            this._loadEvents(true).catch((err) => (this._error = errorMessage(err)));
          }}>
            <option value="">—</option>
            ${entities.map((entity) => html`<option value=${entity} ?selected=${entity === this._entityFilter}>${entity}</option>`)}
          </select>
        </label>
      </div>
      ${this._events.length
        ? html`<div class="scroll"><table class="events">
            <thead><tr><th>${t("event.time")}</th><th>${t("event.type")}</th><th>${t("event.entity")}</th><th>${t("event.details")}</th></tr></thead>
            <tbody>${this._events.map(
              (e) => html`<tr>
                <td>${fmt.dateTime(e.timestamp)}</td>
                <td>${t(`event.${e.event_type}`)}</td>
                <td>${e.entity_id ?? t("common.none")}</td>
                <td class="wrap details">${e.details ? JSON.stringify(e.details) : ""}</td>
              </tr>`,
            )}</tbody></table></div>`
        : html`<p class="muted">${t("integration.events_empty")}</p>`}
      ${this._nextCursor
        ? html`<button class="more" @click=${() => this._loadEvents(false).catch((err) => (this._error = errorMessage(err)))}>
            ${t("integration.more")}
          </button>`
        : nothing}
    `;
  }

  private async _heal(): Promise<void> {
    const view = this._view;
    if (!this.hass || view.kind !== "integration") return;
    this._healing = true;
    this._healResult = undefined;
    try {
      const outcome = await api.heal(this.hass, view.id);
      this._healResult = this._localize("integration.heal_done", {
        outcome: outcome.outcome,
        recovered: outcome.entities_recovered?.length ?? 0,
        affected: outcome.entities_affected?.length ?? 0,
      });
    } catch (err) {
      this._healResult = errorMessage(err);
    } finally {
      this._healing = false;
    }
  }

  // --- engine -----------------------------------------------------------------

  private _renderEngine(): TemplateResult {
    const t = this._localize;
    const fmt = this._fmt;
    const e = this._engine;
    if (!e) return html`${this._loadingOr(e)}`;
    const maxEvents = Math.max(1, ...e.daily_events.map((d) => d.events));
    return html`
      <section class="totals">
        ${this._tile(t("engine.size"), fmt.bytes(e.database_bytes))}
        ${this._tile(t("engine.growth"), t("engine.per_day", { value: fmt.bytes(e.growth_bytes_per_day) }))}
        ${this._tile(t("engine.events_per_day"), fmt.number(Math.round(e.events_per_day ?? 0)))}
        ${this._tile(t("engine.queue"), fmt.number(e.queue_depth), e.queue_depth > 1000)}
        ${this._tile(t("engine.dropped"), fmt.number(e.dropped_records), e.dropped_records > 0)}
        ${this._tile(t("engine.committed"), fmt.number(e.committed_records))}
      </section>
      <section class="card">
        <h2>${t("engine.database")}</h2>
        <p>${t("engine.backend")}: <strong class="backend">${e.backend}</strong> · ${t("engine.schema")}: ${e.schema_version ?? t("common.none")}
          · ${t("engine.last_commit")}: ${fmt.dateTime(e.last_commit)}</p>
        <h2>${t("engine.daily_events")}</h2>
        <div class="growth" role="img" aria-label=${t("engine.daily_events")}>
          ${e.daily_events.map(
            (d) => html`<span class="growth-bar${d.partial ? " partial" : ""}" style="height:${Math.max(2, (d.events / maxEvents) * 100)}%"
              title="${fmt.date(d.start)}: ${fmt.number(d.events)}"></span>`,
          )}
        </div>
      </section>
      <section class="card">
        <h2>${t("engine.jobs")}</h2>
        <div class="scroll"><table class="jobs">
          <thead><tr><th>${t("engine.job_type")}</th><th>${t("engine.job_range")}</th><th>${t("engine.job_status")}</th>
          <th class="num">${t("engine.job_rows")}</th><th class="num">${t("engine.job_took")}</th></tr></thead>
          <tbody>${e.jobs.map(
            (j) => html`<tr>
              <td>${j.job_type}</td>
              <td>${fmt.dateTime(j.range_start)} – ${fmt.dateTime(j.range_end)}</td>
              <td title=${j.error ?? ""}>${j.status}</td>
              <td class="num">${fmt.number(j.rows_written)}</td>
              <td class="num">${j.started_at && j.completed_at ? fmt.duration(j.completed_at - j.started_at) : t("common.none")}</td>
            </tr>`,
          )}</tbody></table></div>
      </section>
    `;
  }

  static styles = [
    shared,
    css`
      :host {
        display: block;
        background: var(--primary-background-color);
        min-height: 100vh;
      }
      .toolbar {
        display: flex;
        align-items: center;
        gap: 12px;
        height: var(--header-height, 56px);
        padding: 0 16px;
        background: var(--app-header-background-color, var(--primary-color));
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        border-bottom: var(--app-header-border-bottom, none);
        box-sizing: border-box;
      }
      .toolbar h1 {
        font-size: 20px;
        font-weight: 400;
        margin: 0;
        flex: 1;
      }
      .toolbar button {
        background: transparent;
        color: inherit;
        border: none;
      }
      .tab.active {
        border-bottom: 2px solid currentColor;
        border-radius: 0;
      }
      main {
        padding: 16px;
        max-width: 1400px;
        margin: 0 auto;
      }
      .range,
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 16px;
        align-items: end;
        margin-bottom: 16px;
      }
      .range label,
      .filters label {
        display: flex;
        flex-direction: column;
        font-size: 0.85em;
        color: var(--secondary-text-color);
        gap: 4px;
      }
      .totals {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
        gap: 12px;
        margin-bottom: 16px;
      }
      .tile {
        margin: 0;
        padding: 12px;
      }
      .tile.alert .tile-value {
        color: var(--ir-bad);
      }
      .tile-value {
        font-size: 1.4em;
        font-weight: 500;
      }
      .tile-label {
        font-size: 0.85em;
      }
      .search {
        width: 100%;
        box-sizing: border-box;
        margin-bottom: 12px;
      }
      th button.sort {
        background: none;
        border: none;
        padding: 0;
        min-height: 0;
        font-weight: 500;
        color: var(--primary-text-color);
      }
      .integration-row {
        cursor: pointer;
      }
      .integration-row:hover {
        background: var(--secondary-background-color);
      }
      .name {
        display: flex;
        flex-direction: column;
      }
      .domain {
        font-size: 0.8em;
      }
      .back {
        margin-bottom: 12px;
      }
      .title-line {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 12px;
      }
      .title-line h2 {
        margin: 0;
      }
      .spacer {
        flex: 1;
      }
      .figures {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(120px, 1fr));
        gap: 12px;
        margin-top: 12px;
      }
      .two {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
        gap: 0 16px;
      }
      button.link {
        background: none;
        border: none;
        padding: 0;
        min-height: 0;
        color: var(--primary-color);
        text-decoration: underline;
      }
      td.wrap {
        white-space: normal;
        word-break: break-word;
      }
      td.details {
        font-family: var(--code-font-family, monospace);
        font-size: 0.8em;
      }
      .growth {
        display: flex;
        align-items: flex-end;
        gap: 2px;
        height: 100px;
      }
      .growth-bar {
        flex: 1;
        background: var(--primary-color);
        border-radius: 2px 2px 0 0;
      }
      .growth-bar.partial {
        opacity: 0.5;
      }
      .error {
        color: var(--ir-bad);
      }
      @media (max-width: 600px) {
        main {
          padding: 8px;
        }
        .two {
          grid-template-columns: 1fr;
        }
        .totals {
          grid-template-columns: repeat(2, 1fr);
        }
      }
    `,
  ];
}

if (!customElements.get("integration-reliability-panel")) {
  customElements.define("integration-reliability-panel", IntegrationReliabilityPanel);
}
