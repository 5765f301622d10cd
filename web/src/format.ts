// Number and date formatting shared by every panel: the panel's format, the dashboard's
// currency and the reader's locale (Indian lakh and crore grouping for rupees).
import type { Grain, JsonValue, ValueFormat } from "./wire";

/** How a dashboard writes numbers: its currency and the locale whose grouping it uses. */
export interface NumberStyle {
  /// ISO 4217 code money is shown in.
  currency?: string;
  /// A BCP 47 locale; the reader's own when unset.
  locale?: string;
}

/** The style of a dashboard in `currency`: rupees group in lakhs and crores. */
export function numberStyle(currency?: string | null): NumberStyle {
  if (!currency) return {};
  return { currency, locale: currency === "INR" ? "en-IN" : undefined };
}

const formats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ""}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, options);
    } catch {
      // An unknown currency code in a dashboard: plain numbers rather than nothing.
      format = new Intl.NumberFormat(locale, { ...options, style: "decimal", currency: undefined });
    }
    formats.set(key, format);
  }
  return format;
}

/** The currency part of a format: money in the dashboard's currency, else nothing. */
function moneyOptions(format: ValueFormat, style: NumberStyle): Intl.NumberFormatOptions {
  return format === "currency" && style.currency ? { style: "currency", currency: style.currency } : {};
}

/** Money is written short (₹1.14 Cr, $1.2M) from a lakh up, in KPI cards and on axes. */
const SHORT_FROM = 100_000;

export interface FormatOptions {
  decimals?: number | null;
  style?: NumberStyle;
  /// Write large amounts short (cards, axes); tables keep them whole.
  short?: boolean;
}

export function formatValue(
  value: JsonValue | undefined,
  format: ValueFormat = "number",
  options: FormatOptions = {},
): string {
  const { decimals, style = {}, short = false } = options;
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "string") {
    if (format === "datetime") return formatDateTime(value, style.locale);
    if (format === "date") return formatDate(value, style.locale);
    return value;
  }
  const money = moneyOptions(format, style);
  switch (format) {
    case "compact":
      return numberFormat(style.locale, { notation: "compact", maximumFractionDigits: decimals ?? 2 }).format(
        value,
      );
    case "percent":
      return `${numberFormat(style.locale, {
        minimumFractionDigits: decimals ?? 1,
        maximumFractionDigits: decimals ?? 1,
      }).format(value)}%`;
    case "currency":
      if (short && Math.abs(value) >= SHORT_FROM)
        return numberFormat(style.locale, {
          ...money,
          notation: "compact",
          minimumFractionDigits: 0,
          maximumFractionDigits: decimals ?? 2,
        }).format(value);
      return numberFormat(style.locale, { ...money, ...fractions(value, decimals) }).format(value);
    case "number":
    default:
      return numberFormat(style.locale, fractions(value, decimals)).format(value);
  }
}

/** Large amounts read best whole; small ones keep two decimals unless the panel says. */
function fractions(value: number, decimals?: number | null): Intl.NumberFormatOptions {
  const fraction = decimals ?? (Number.isInteger(value) || Math.abs(value) >= 1000 ? 0 : 2);
  return { minimumFractionDigits: fraction, maximumFractionDigits: fraction };
}

/** Axis labels: short numbers (`70M`, `7 Cr`, `₹7 Cr`) so axes stay narrow. */
export function formatAxis(value: number, format: ValueFormat = "number", style: NumberStyle = {}): string {
  if (format === "percent") return `${value}%`;
  const money = moneyOptions(format, style);
  return numberFormat(style.locale, {
    ...money,
    notation: "compact",
    minimumFractionDigits: 0,
    maximumFractionDigits: 1,
  }).format(value);
}

function parseTime(iso: string): Date | null {
  const time = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(time.getTime()) ? null : time;
}

/** A moment in the reader's locale and time zone: "3 Dec 2026, 09:14". */
export function formatDateTime(iso: string, locale?: string): string {
  const time = parseTime(iso);
  if (!time) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(time);
}

/** A calendar day, as stored (no time-zone shift): "3 Dec 2026". */
export function formatDate(iso: string, locale?: string): string {
  const time = parseTime(iso.slice(0, 10));
  if (!time) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(time);
}

/**
 * A bucket's start as its grain names it: "Jan 2025" for a month, "Q1 2025" for a quarter,
 * "3 Dec" for a day, "09:00" for an hour. Buckets of a day or longer are calendar dates (UTC).
 */
export function formatBucket(time: number | string, grain: Grain, locale?: string): string {
  const date = typeof time === "number" ? new Date(time) : parseTime(time);
  if (!date) return String(time);
  const utc = { timeZone: "UTC" } as const;
  switch (grain) {
    case "year":
      return String(date.getUTCFullYear());
    case "quarter":
      return `Q${Math.floor(date.getUTCMonth() / 3) + 1} ${date.getUTCFullYear()}`;
    case "month":
      return new Intl.DateTimeFormat(locale, { ...utc, month: "short", year: "numeric" }).format(date);
    case "week":
    case "day":
      return new Intl.DateTimeFormat(locale, {
        ...utc,
        day: "numeric",
        month: "short",
        year: "numeric",
      }).format(date);
    default:
      return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
  }
}
