import { useMemo } from "react";
import { EChart } from "../../EChart";
import { formatAxis, formatBucket, formatValue } from "../../format";
import { axisTooltip } from "../../chartText";
import type { ViewProps } from "../spec";

const PALETTE = ["#2563EB", "#F97316", "#10B981", "#A855F7", "#EF4444", "#0EA5E9", "#EAB308", "#64748B"];

export function TimeSeriesPanel({ panel, data, numbers }: ViewProps<"timeseries">) {
  const display = panel.display;
  const option = useMemo(() => {
    const colors = display.line_colors?.length ? display.line_colors : PALETTE;
    const format = display.format ?? "number";
    const long = ["day", "week", "month", "quarter", "year"].includes(data.bucket);
    return {
      color: colors,
      animation: false,
      tooltip: {
        trigger: "axis",
        formatter: axisTooltip(
          (time) => formatBucket(time, data.bucket, numbers.locale),
          (value) => formatValue(value, format, { decimals: display.decimals, style: numbers }),
        ),
      },
      legend: { show: data.series.length > 1, type: "scroll", top: 0 },
      // The legend sits on top, the axis name under it.
      grid: {
        left: 56,
        right: 16,
        top: (data.series.length > 1 ? 32 : 12) + (display.y_axis_label ? 20 : 0),
        bottom: 28,
      },
      // Buckets of a day or more are labelled as what they are: "Jan 2025", "Q1 2025".
      xAxis: long
        ? {
            type: "time",
            axisLabel: {
              formatter: (time: number) => formatBucket(time, data.bucket, numbers.locale),
              hideOverlap: true,
            },
          }
        : { type: "time" },
      yAxis: {
        type: "value",
        name: display.y_axis_label,
        min: display.y_axis_range?.[0],
        max: display.y_axis_range?.[1],
        axisLabel: { formatter: (value: number) => formatAxis(value, format, numbers) },
      },
      series: data.series.map((series) => ({
        name: series.name,
        type: "line",
        showSymbol: series.points.length < 60,
        areaStyle: display.fill_area ? { opacity: 0.15 } : undefined,
        data: series.points,
      })),
    };
  }, [data, display, numbers]);
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
