import { useMemo } from "react";
import { EChart } from "../../EChart";
import { formatValue } from "../../format";
import type { ViewProps } from "../spec";
import { RowsButton } from "../RowsButton";

const TRACK = "#CBD5E1";

export function GaugePanel({ panel, data, numbers, onDrill }: ViewProps<"gauge">) {
  const display = panel.display;
  const format = display.format ?? "number";
  const text = (value: number | null) =>
    formatValue(value, format, { decimals: display.decimals, style: numbers, short: true });
  const option = useMemo(() => {
    const span = data.max - data.min;
    const share = (x: number) => Math.min(1, Math.max(0, (x - data.min) / span));
    // The dial's colour stops: the bands where they are, the plain track elsewhere.
    const stops: [number, string][] = [];
    let reached = 0;
    for (const band of data.bands) {
      const from = share(band.from);
      if (from > reached) stops.push([from, TRACK]);
      stops.push([share(band.to), band.color]);
      reached = share(band.to);
    }
    if (reached < 1) stops.push([1, TRACK]);
    const value = data.value === null ? null : Math.min(data.max, Math.max(data.min, data.value));
    const series: object[] = [
      {
        type: "gauge",
        min: data.min,
        max: data.max,
        radius: "92%",
        center: ["50%", "58%"],
        startAngle: 200,
        endAngle: -20,
        axisLine: { lineStyle: { width: 14, color: stops } },
        pointer: { width: 6, length: "58%", itemStyle: { color: "#475569" } },
        anchor: { show: true, size: 10, itemStyle: { color: "#475569" } },
        progress: { show: false },
        splitNumber: 4,
        axisTick: { show: false },
        splitLine: { show: false },
        axisLabel: { distance: 22, formatter: (v: number) => text(v), fontSize: 11 },
        detail: { show: false },
        title: { show: false },
        data: value === null ? [] : [{ value, name: panel.title }],
      },
    ];
    if (data.target !== null) {
      // The target is a short mark on the dial.
      series.push({
        type: "gauge",
        min: data.min,
        max: data.max,
        radius: "92%",
        center: ["50%", "58%"],
        startAngle: 200,
        endAngle: -20,
        axisLine: { show: false },
        axisTick: { show: false },
        splitLine: { show: false },
        axisLabel: { show: false },
        pointer: {
          icon: "rect",
          width: 4,
          length: 22,
          offsetCenter: [0, "-84%"],
          itemStyle: { color: "#2563EB" },
        },
        detail: { show: false },
        title: { show: false },
        data: [{ value: Math.min(data.max, Math.max(data.min, data.target)), name: "Target" }],
      });
    }
    return { animation: false, series };
    // `text` depends only on these.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, display, numbers, panel.title]);
  return (
    <div className="gauge">
      <EChart option={option} label={`${panel.title}: ${text(data.value)}`} />
      <div className="gauge-reading">
        <span className="gauge-value" data-testid="gauge-value">
          {text(data.value)}
        </span>
        {data.target !== null ? (
          <span className="gauge-target">
            of {text(data.target)} target
            {data.attainment !== null
              ? ` · ${formatValue(data.attainment, "percent", { decimals: 1, style: numbers })}`
              : ""}
          </span>
        ) : null}
        {data.status ? <span className="gauge-status">{data.status.label}</span> : null}
        <RowsButton title={panel.title} onDrill={onDrill} />
      </div>
    </div>
  );
}
