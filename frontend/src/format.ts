// Numbers, durations and times in the user's language and time zone.

export interface Formatter {
  percent(value: number | null | undefined, digits?: number): string;
  number(value: number | null | undefined): string;
  duration(seconds: number | null | undefined): string;
  dateTime(epoch: number | null | undefined): string;
  date(epoch: number): string;
  hour(epoch: number): string;
  bytes(value: number | null | undefined): string;
}

const NONE = "—";

/** Formatters for `language` (BCP 47) and the IANA `timeZone`. */
export function makeFormatter(language: string, timeZone: string): Formatter {
  const pct = new Map<number, Intl.NumberFormat>();
  const num = new Intl.NumberFormat(language);
  const dt = new Intl.DateTimeFormat(language, {
    timeZone,
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  const day = new Intl.DateTimeFormat(language, { timeZone, month: "short", day: "numeric" });
  const hour = new Intl.DateTimeFormat(language, { timeZone, hour: "2-digit", minute: "2-digit" });
  return {
    percent(value, digits = 1) {
      if (value === null || value === undefined) return NONE;
      let f = pct.get(digits);
      if (!f) {
        f = new Intl.NumberFormat(language, {
          style: "percent",
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
        });
        pct.set(digits, f);
      }
      // Never round a real outage up to 100 %.
      const scale = 10 ** (digits + 2);
      return f.format(Math.floor(value * scale) / scale);
    },
    number: (value) => (value === null || value === undefined ? NONE : num.format(value)),
    duration: (seconds) => formatDuration(seconds, language),
    dateTime: (epoch) => (epoch === null || epoch === undefined ? NONE : dt.format(epoch * 1000)),
    date: (epoch) => day.format(epoch * 1000),
    hour: (epoch) => hour.format(epoch * 1000),
    bytes: (value) => formatBytes(value, language),
  };
}

/** "3 d 4 h", "5 h 2 min", "4 min 10 s", "12 s": the two largest units. */
export function formatDuration(seconds: number | null | undefined, language = "en"): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return NONE;
  const units: [string, number][] = [
    ["d", 86400],
    ["h", 3600],
    ["min", 60],
    ["s", 1],
  ];
  let rest = Math.max(0, Math.round(seconds));
  const counts = units.map(([unit, size]): [string, number] => {
    const count = Math.floor(rest / size);
    rest -= count * size;
    return [unit, count];
  });
  const first = counts.findIndex(([, count]) => count > 0);
  if (first < 0) return "0 s";
  const num = new Intl.NumberFormat(language);
  const shown = [counts[first]];
  if (first + 1 < counts.length && counts[first + 1][1] > 0) shown.push(counts[first + 1]);
  return shown.map(([unit, count]) => `${num.format(count)} ${unit}`).join(" ");
}

export function formatBytes(value: number | null | undefined, language = "en"): string {
  if (value === null || value === undefined) return NONE;
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = value;
  let k = 0;
  while (v >= 1000 && k < units.length - 1) {
    v /= 1000;
    k += 1;
  }
  const f = new Intl.NumberFormat(language, { maximumFractionDigits: k === 0 ? 0 : 1 });
  return `${f.format(v)} ${units[k]}`;
}
