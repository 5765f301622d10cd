import { useMemo } from "react";
import { EChart } from "../../EChart";
import { formatAxis } from "../../format";
import type { ViewProps } from "../spec";

const PALETTE = ["#2563EB", "#F97316", "#10B981", "#A855F7", "#EF4444", "#0EA5E9", "#EAB308", "#64748B"];

export function TimeSeriesPanel({ panel, data }: ViewProps<"timeseries">) {
  const display = panel.display;
  const option = useMemo(() => {
    const colors = display.line_colors?.length ? display.line_colors : PALETTE;
    return {
      color: colors,
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { show: data.series.length > 1, type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: data.series.length > 1 ? 32 : 12, bottom: 28 },
      xAxis: { type: "time" },
      yAxis: {
        type: "value",
        name: display.y_axis_label,
        min: display.y_axis_range?.[0],
        max: display.y_axis_range?.[1],
        axisLabel: { formatter: formatAxis },
      },
      series: data.series.map((series) => ({
        name: series.name,
        type: "line",
        showSymbol: series.points.length < 60,
        areaStyle: display.fill_area ? { opacity: 0.15 } : undefined,
        data: series.points,
      })),
    };
  }, [data, display]);
  return (
    <div className="timeseries">
      <EChart option={option} label={panel.title} />
      <div className="panel-foot">
        Bucket: {data.bucket}
        {data.truncated ? " · showing the first points only; narrow the range" : ""}
      </div>
    </div>
  );
}
