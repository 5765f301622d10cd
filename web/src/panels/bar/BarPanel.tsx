import { useMemo } from "react";
import { EChart, type ChartPick } from "../../EChart";
import { formatAxis, formatValue } from "../../format";
import { axisTooltip } from "../../chartText";
import { usePalette } from "../../branding";
import type { ViewProps } from "../spec";

export function BarPanel({ panel, data, numbers, onDrill }: ViewProps<"bar">) {
  const horizontal = panel.display.horizontal ?? false;
  const palette = usePalette();
  const option = useMemo(() => {
    // Every category keeps its label; long ones are cut rather than skipped.
    const categoryAxis = {
      type: "category",
      data: data.categories,
      axisLabel: { interval: 0, width: 90, overflow: "truncate" },
    };
    const format = panel.display.format ?? "number";
    const valueAxis = {
      type: "value",
      axisLabel: { formatter: (value: number) => formatAxis(value, format, numbers) },
    };
    return {
      color: panel.display.line_colors?.length
        ? panel.display.line_colors
        : [palette[0], "#94A3B8", ...palette.slice(1)],
      animation: false,
      tooltip: {
        trigger: "axis",
        formatter: axisTooltip(
          (category) => String(category),
          (value) => formatValue(value, format, { decimals: panel.display.decimals, style: numbers }),
        ),
      },
      legend: { show: data.series.length > 1, top: 0 },
      grid: { left: horizontal ? 96 : 48, right: 16, top: 32, bottom: 28 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: data.series.map((series) => ({ name: series.name, type: "bar", data: series.values })),
    };
  }, [data, panel.display, horizontal, numbers, palette]);
  // A bar, or the space above it, opens the rows of its category.
  const onPick = onDrill
    ? (pick: ChartPick) => {
        const index = pick.dataIndex ?? (typeof pick.axisValue === "number" ? pick.axisValue : -1);
        const category = data.categories[index];
        if (category !== undefined) onDrill({ value: category, label: category });
      }
    : undefined;
  return <EChart option={option} label={panel.title} onPick={onPick} />;
}
