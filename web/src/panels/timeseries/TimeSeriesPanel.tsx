import { useMemo } from "react";
import { EChart, type ChartPick } from "../../EChart";
import { formatAxis, formatBucket, formatValue } from "../../format";
import { axisTooltip } from "../../chartText";
import { usePalette } from "../../branding";
import type { ViewProps } from "../spec";

export function TimeSeriesPanel({ panel, data, numbers, onDrill }: ViewProps<"timeseries">) {
  const display = panel.display;
  const palette = usePalette();
  const option = useMemo(() => {
    const colors = display.line_colors?.length ? display.line_colors : palette;
    const format = display.format ?? "number";
    const rightFormat = display.right_format ?? format;
    const onRight = (name: string) => (display.right_axis ?? []).includes(name);
    const twoAxes = data.series.some((s) => onRight(s.name));
    const formatOf = (name: string | undefined) =>
      name !== undefined && onRight(name) ? rightFormat : format;
    const long = ["day", "week", "month", "quarter", "year"].includes(data.bucket);
    return {
      color: colors,
      animation: false,
      tooltip: {
        trigger: "axis",
        formatter: axisTooltip(
          (time) => formatBucket(time, data.bucket, numbers.locale),
          (value, series) =>
            formatValue(value, formatOf(series), { decimals: display.decimals, style: numbers }),
        ),
      },
      legend: { show: data.series.length > 1, type: "scroll", top: 0 },
      // The legend sits on top, the axis name under it.
      grid: {
        left: 56,
        right: twoAxes ? 56 : 16,
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
      yAxis: [
        {
          type: "value",
          name: display.y_axis_label,
          min: display.y_axis_range?.[0],
          max: display.y_axis_range?.[1],
          axisLabel: { formatter: (value: number) => formatAxis(value, format, numbers) },
        },
        ...(twoAxes
          ? [
              {
                type: "value",
                name: display.right_axis_label,
                splitLine: { show: false },
                axisLabel: { formatter: (value: number) => formatAxis(value, rightFormat, numbers) },
              },
            ]
          : []),
      ],
      series: data.series.map((series, index) => {
        const right = onRight(series.name);
        // Level lines ride on the first line of their axis.
        const levels = (display.target_lines ?? []).filter((l) => (l.right ?? false) === right);
        const firstOnAxis = data.series.findIndex((s) => onRight(s.name) === right) === index;
        return {
          name: series.name,
          type: "line",
          triggerLineEvent: true,
          yAxisIndex: right ? 1 : 0,
          smooth: display.smooth ?? false,
          stack: display.stacked && !right ? "left" : undefined,
          showSymbol: !display.stacked && series.points.length < 60,
          // The rest of a top-N chart is plain grey.
          color: series.name === "Other" && data.hidden_series > 0 ? "#94A3B8" : undefined,
          lineStyle: (display.dashed ?? []).includes(series.name) ? { type: "dashed" } : undefined,
          areaStyle:
            display.fill_area || display.stacked ? { opacity: display.stacked ? 0.5 : 0.15 } : undefined,
          data: series.points,
          markLine:
            firstOnAxis && levels.length
              ? {
                  silent: true,
                  symbol: "none",
                  data: levels.map((level) => ({
                    yAxis: level.value,
                    name: level.label,
                    lineStyle: { color: level.color ?? "#EF4444", type: "dashed" },
                    label: { formatter: level.label, position: "insideEndTop" },
                  })),
                }
              : undefined,
        };
      }),
    };
  }, [data, display, numbers, palette]);
  // A point opens the rows of its bucket, of its line when the lines are values of a column
  // (not the folded "Other"); between points, the bucket under the pointer for every line.
  const split = Boolean(panel.data_source.series_label);
  const onPick = onDrill
    ? (pick: ChartPick) => {
        const series = data.series.find((s) => s.name === pick.seriesName);
        let at = series && pick.dataIndex !== undefined ? series.points[pick.dataIndex]?.[0] : undefined;
        if (at === undefined && typeof pick.axisValue === "number") {
          const wanted = pick.axisValue;
          let best = Infinity;
          for (const [time] of data.series.flatMap((s) => s.points)) {
            const distance = Math.abs(new Date(time).getTime() - wanted);
            if (distance < best) [best, at] = [distance, time];
          }
        }
        if (at === undefined) return;
        const folded = series?.name === "Other" && data.hidden_series > 0;
        const value = split && series && !folded ? series.name : undefined;
        const when = formatBucket(at, data.bucket, numbers.locale);
        onDrill({ value, at, grain: data.bucket, label: value ? `${value}, ${when}` : when });
      }
    : undefined;
  return (
    <div className="timeseries">
      <EChart option={option} label={panel.title} onPick={onPick} />
      <div className="panel-foot">
        Bucket: {data.bucket}
        {data.truncated ? " · showing the first points only; narrow the range" : ""}
        {data.hidden_series > 0 && !data.series.some((s) => s.name === "Other")
          ? ` · the ${data.series.length} largest lines of ${data.series.length + data.hidden_series}`
          : ""}
      </div>
    </div>
  );
}
