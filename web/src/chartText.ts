// Tooltip text for the charts: the axis value as the panel names it and each series' value in
// the panel's format. ECharts draws tooltips as HTML, so every piece of data is escaped.
import { format } from "echarts/core";

interface AxisParam {
  axisValue?: string | number;
  marker?: string;
  seriesName?: string;
  value?: unknown;
}

/** The number a series point holds: a `[time, value]` pair's second part, or the value. */
function pointValue(value: unknown): number | null {
  const raw = Array.isArray(value) ? value[1] : value;
  return typeof raw === "number" ? raw : null;
}

/** A formatter for `tooltip: {trigger: "axis"}`. */
export function axisTooltip(
  axisLabel: (value: string | number) => string,
  valueText: (value: number | null, series?: string) => string,
) {
  return (params: AxisParam | AxisParam[]) => {
    const list = Array.isArray(params) ? params : [params];
    const head = list[0]?.axisValue;
    const lines = list.map(
      (p) =>
        `${p.marker ?? ""}${format.encodeHTML(p.seriesName ?? "")}&nbsp;&nbsp;<b>${format.encodeHTML(
          valueText(pointValue(p.value), p.seriesName),
        )}</b>`,
    );
    return [head === undefined ? "" : format.encodeHTML(axisLabel(head)), ...lines].join("<br/>");
  };
}

/** A formatter for `tooltip: {trigger: "item"}`: the item's name, then lines of label and
 * value, every part escaped. */
export function itemTooltip(lines: (params: ItemParam) => [string, string][]) {
  return (params: ItemParam) =>
    [
      `${params.marker ?? ""}<b>${format.encodeHTML(params.name ?? "")}</b>`,
      ...lines(params).map(
        ([label, value]) => `${format.encodeHTML(label)}&nbsp;&nbsp;<b>${format.encodeHTML(value)}</b>`,
      ),
    ].join("<br/>");
}

export interface ItemParam {
  name?: string;
  marker?: string;
  value?: unknown;
  percent?: number;
  dataIndex?: number;
  seriesIndex?: number;
}

/** The colours of a chart's categories when the panel names none (pies, scatter groups). */
export const CATEGORY_COLOURS = [
  "#2563EB",
  "#F97316",
  "#10B981",
  "#A855F7",
  "#EF4444",
  "#0EA5E9",
  "#EAB308",
  "#EC4899",
];
