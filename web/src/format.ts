// Number and date formatting shared by every panel.
import type { ValueFormat } from "./api";

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 2 });

export function formatValue(
  value: string | number | null | undefined,
  format: ValueFormat = "number",
  decimals?: number,
): string {
  if (value === null || value === undefined) return "–";
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
    default:
      return value.toLocaleString("en", {
        minimumFractionDigits: decimals ?? 0,
        maximumFractionDigits: decimals ?? (Number.isInteger(value) ? 0 : 2),
      });
  }
}
