// The date range a dashboard is looked at over: kept in the URL, sent with every data request
// and restated in words above the panels.

/** The range every panel of a dashboard is asked for: dates, a preset, a period or a fiscal year. */
export interface DateRange {
  start_date?: string;
  end_date?: string;
  preset?: string;
  period?: string;
  fy?: string;
}

const KEYS = ["start_date", "end_date", "preset", "period", "fy"] as const;

export const PRESETS: Record<string, string> = {
  last_24h: "Last 24 hours",
  last_7d: "Last 7 days",
  last_30d: "Last 30 days",
  this_month: "This month",
};

export const PERIODS: Record<string, string> = {
  mtd: "Month to date",
  qtd: "Quarter to date",
  ytd: "Year to date",
  fytd: "Fiscal year to date",
};

/** The range a URL's query holds; keys that are not a range's are left to others. */
export function rangeFromParams(params: URLSearchParams): DateRange {
  const range: DateRange = {};
  for (const key of KEYS) {
    const value = params.get(key);
    if (value) range[key] = value;
  }
  return range;
}

/** `params` with the range's keys replaced by `range`'s. */
export function withRange(params: URLSearchParams, range: DateRange): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of KEYS) {
    const value = range[key];
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}

/** The day part (`2025-03-31`) of a range bound, which the URL may hold as a full time. */
export function dayOf(bound: string | undefined): string {
  return bound ? bound.slice(0, 10) : "";
}

function formatDay(day: string, locale?: string): string {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** `2025` or `2025-2026` as a person writes a fiscal year: `FY 2025-26`. */
export function fiscalYearLabel(fy: string): string {
  const first = Number(fy.slice(0, 4));
  if (!Number.isFinite(first)) return fy;
  return `FY ${first}-${String((first + 1) % 100).padStart(2, "0")}`;
}

/**
 * The fiscal years a person can choose, newest first: the one `today` falls in (fiscal years
 * starting in `firstMonth`, 1–12) and the `count - 1` before it, as `2025-2026`.
 */
export function fiscalYears(today: Date, count = 6, firstMonth = 4): string[] {
  const year = today.getFullYear();
  const current = today.getMonth() + 1 >= firstMonth ? year : year - 1;
  return Array.from({ length: count }, (_, i) => `${current - i}-${current - i + 1}`);
}

/** The range in words, dates in the reader's locale: "1 Apr 2024 – 31 Mar 2025". */
export function describeRange(range: DateRange, locale?: string): string {
  if (range.preset) return PRESETS[range.preset] ?? range.preset;
  if (range.fy) return fiscalYearLabel(range.fy);
  const end = dayOf(range.end_date);
  if (range.period) {
    const name = PERIODS[range.period] ?? range.period;
    return end ? `${name}, up to ${formatDay(end, locale)}` : name;
  }
  const start = dayOf(range.start_date);
  if (start && end) return `${formatDay(start, locale)} – ${formatDay(end, locale)}`;
  if (start) return `From ${formatDay(start, locale)}`;
  if (end) return `Up to ${formatDay(end, locale)}`;
  return "All data";
}
