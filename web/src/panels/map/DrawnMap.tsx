import { useContext, useMemo } from "react";
import { ThemeContext } from "../../theme";
import { EChart, type ChartPick } from "../../EChart";
import { formatValue } from "../../format";
import { usePalette } from "../../branding";
import { itemTooltip } from "../../chartText";
import type { ViewProps } from "../spec";
import { CREDITS, register } from "./boundaries";

export default function DrawnMap({ panel, data, numbers, onDrill }: ViewProps<"map">) {
  const display = panel.display;
  const palette = usePalette();
  const dark = useContext(ThemeContext) === "dark";
  const known = register(data.map);
  const unmatched = data.regions.filter((r) => !known.has(r.name)).map((r) => r.name);
  const measure = panel.data_source.value.label ?? "Value";
  const option = useMemo(() => {
    const format = display.format ?? "number";
    const text = (value: number | null) =>
      formatValue(value, format, { decimals: display.decimals, style: numbers, short: true });
    const values = data.regions.map((r) => r.value).filter((v): v is number => v !== null);
    const low = values.length ? Math.min(...values) : 0;
    const high = values.length ? Math.max(...values) : 1;
    return {
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: itemTooltip((p) => {
          const value = typeof p.value === "number" && !Number.isNaN(p.value) ? p.value : null;
          return [[measure, value === null ? "none in the range" : text(value)]];
        }),
      },
      visualMap: {
        type: "continuous",
        min: low,
        max: high === low ? low + 1 : high,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: 120,
        text: [text(high), text(low)],
        inRange: { color: [dark ? "#1E3A5F" : "#DBEAFE", palette[0]] },
      },
      series: [
        {
          type: "map",
          map: data.map,
          roam: false,
          top: 8,
          bottom: 36,
          itemStyle: {
            borderColor: dark ? "#475569" : "#94A3B8",
            borderWidth: 0.5,
            areaColor: dark ? "#1E293B" : "#E2E8F0",
          },
          emphasis: { label: { show: false }, itemStyle: { areaColor: "#F59E0B" } },
          select: { disabled: true },
          data: data.regions.map((r) => ({ name: r.name, value: r.value ?? Number.NaN })),
        },
      ],
    };
  }, [data, display, numbers, palette, measure, dark]);
  const largest = data.regions[0];
  const label = largest
    ? `${panel.title}: ${data.regions.length} regions, the largest ${largest.name}`
    : `${panel.title}: no regions`;
  const pick = onDrill
    ? (p: ChartPick) => {
        if (p.name && data.regions.some((r) => r.name === p.name)) onDrill({ value: p.name, label: p.name });
      }
    : undefined;
  return (
    <figure className="map-panel">
      <EChart option={option} label={label} onPick={pick} />
      <figcaption>
        {unmatched.length > 0 ? (
          <span data-testid="map-unmatched">Not on the map: {unmatched.join(", ")}. </span>
        ) : null}
        <small>{CREDITS[data.map]}</small>
      </figcaption>
    </figure>
  );
}
