// Number and date formatting shared by every panel.
import type { JsonValue, ValueFormat } from "./wire";

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 2 });

export function formatValue(
  value: JsonValue | undefined,
  format: ValueFormat = "number",
  decimals?: number | null,
): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "string") {
    if (format === "datetime") return value.replace("T", " ").replace(/(\.\d+)?Z?$/, "");
    return value;
  }
  switch (format) {
    case "compact":
      return compact.format(value);
    case "percent":
      return `${value.toFixed(decimals ?? 1)}%`;
    case "currency":
    case "number":
    default: {
      // Large amounts read best whole; small ones keep two decimals unless the panel says.
      const fraction = decimals ?? (Number.isInteger(value) || Math.abs(value) >= 1000 ? 0 : 2);
      return value.toLocaleString("en", { minimumFractionDigits: fraction, maximumFractionDigits: fraction });
    }
  }
}

/** Axis labels: short numbers (`70M`) so axes stay narrow. */
export function formatAxis(value: number): string {
  return compact.format(value);
}
