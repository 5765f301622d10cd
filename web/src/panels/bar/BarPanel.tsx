import { useMemo } from "react";
import { EChart } from "../../EChart";
import { formatAxis } from "../../format";
import type { ViewProps } from "../spec";

export function BarPanel({ panel, data }: ViewProps<"bar">) {
  const horizontal = panel.display.horizontal ?? false;
  const option = useMemo(() => {
    // Every category keeps its label; long ones are cut rather than skipped.
    const categoryAxis = {
      type: "category",
      data: data.categories,
      axisLabel: { interval: 0, width: 90, overflow: "truncate" },
    };
    const valueAxis = { type: "value", axisLabel: { formatter: formatAxis } };
    return {
      color: panel.display.line_colors?.length
        ? panel.display.line_colors
        : ["#2563EB", "#94A3B8", "#10B981"],
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { show: data.series.length > 1, top: 0 },
      grid: { left: horizontal ? 96 : 48, right: 16, top: 32, bottom: 28 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: data.series.map((series) => ({ name: series.name, type: "bar", data: series.values })),
    };
  }, [data, panel.display, horizontal]);
  return <EChart option={option} label={panel.title} />;
}
