import { useMemo } from "react";
import { EChart, type ChartPick } from "../../EChart";
import { formatAxis, formatValue } from "../../format";
import { itemTooltip } from "../../chartText";
import { usePalette } from "../../branding";
import type { ViewProps } from "../spec";

type Point = [number | null, number | null, number | null, string];

export function ScatterPanel({ panel, data, numbers, onDrill }: ViewProps<"scatter">) {
  const display = panel.display;
  const palette = usePalette();
  const option = useMemo(() => {
    const format = display.format ?? "number";
    const text = (value: number | null) =>
      formatValue(value, format, { decimals: display.decimals, style: numbers, short: true });
    // One series per colour group (or one for every point).
    const groups = new Map<string, Point[]>();
    for (const p of data.points) {
      const key = p.group ?? data.y;
      const list = groups.get(key) ?? [];
      list.push([p.x, p.y, p.size, p.label]);
      groups.set(key, list);
    }
    const sizes = data.points.map((p) => p.size ?? 0);
    const largest = Math.max(1, ...sizes.map(Math.abs));
    const symbolSize = (value: Point) =>
      data.size === null || value[2] === null ? 12 : 6 + 26 * Math.sqrt(Math.abs(value[2]) / largest);
    const axis = (name: string) => ({
      type: "value",
      name,
      nameLocation: "middle",
      nameGap: 30,
      scale: true,
      axisLabel: { formatter: (value: number) => formatAxis(value, format, numbers), hideOverlap: true },
    });
    return {
      color: display.line_colors?.length ? display.line_colors : palette,
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: itemTooltip((p) => {
          const value = p.value as Point;
          const lines: [string, string][] = [
            [data.x, text(value[0])],
            [data.y, text(value[1])],
          ];
          if (data.size !== null) lines.push([data.size, text(value[2])]);
          return lines;
        }),
      },
      legend: { show: data.color_by !== null, type: "scroll", top: 0 },
      grid: { left: 64, right: 20, top: data.color_by !== null ? 36 : 16, bottom: 44 },
      xAxis: axis(data.x),
      yAxis: { ...axis(data.y), nameGap: 52 },
      // Groups in name order, so a colour means the same group on every load.
      series: [...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, points]) => ({
          name,
          type: "scatter",
          symbolSize,
          data: points.map((value) => ({ name: value[3], value })),
          itemStyle: { opacity: 0.8 },
        })),
    };
  }, [data, display, numbers, palette]);
  const onPick = onDrill
    ? (pick: ChartPick) => {
        if (pick.name) onDrill({ value: pick.name, label: pick.name });
      }
    : undefined;
  return (
    <div className="scatter">
      <EChart option={option} label={panel.title} onPick={onPick} />
      {data.truncated ? <div className="panel-foot">Showing the first points only; add a filter</div> : null}
    </div>
  );
}
