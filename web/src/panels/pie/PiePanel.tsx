import { useMemo } from "react";
import { EChart, type ChartPick } from "../../EChart";
import { formatValue } from "../../format";
import { itemTooltip } from "../../chartText";
import { usePalette } from "../../branding";
import type { ViewProps } from "../spec";

const OTHER_COLOUR = "#94A3B8";

export function PiePanel({ panel, data, numbers, onDrill }: ViewProps<"pie">) {
  const display = panel.display;
  const palette = usePalette();
  const option = useMemo(() => {
    const format = display.format ?? "number";
    const colors = display.line_colors?.length ? display.line_colors : palette;
    const text = (value: number | null) =>
      formatValue(value, format, { decimals: display.decimals, style: numbers, short: true });
    const name = (slice: (typeof data.slices)[number]) =>
      slice.other ? `Other (${slice.members})` : slice.name;
    return {
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: itemTooltip((p) => {
          const slice = data.slices[p.dataIndex ?? 0];
          return [
            ["Value", text(slice?.value ?? null)],
            ["Share", formatValue(p.percent ?? null, "percent", { decimals: 1, style: numbers })],
          ];
        }),
      },
      legend: { type: "scroll", orient: "vertical", right: 0, top: "middle" },
      series: [
        {
          type: "pie",
          radius: display.donut ? ["45%", "72%"] : [0, "72%"],
          center: ["40%", "50%"],
          avoidLabelOverlap: true,
          label: { show: false },
          data: data.slices.map((slice, index) => ({
            name: name(slice),
            value: slice.value,
            itemStyle: { color: slice.other ? OTHER_COLOUR : colors[index % colors.length] },
          })),
        },
      ],
    };
  }, [data, display, numbers, palette]);
  // A named slice opens its rows; "Other" holds many values and opens none.
  const onPick = onDrill
    ? (pick: ChartPick) => {
        const slice = pick.dataIndex === undefined ? undefined : data.slices[pick.dataIndex];
        if (slice && !slice.other) onDrill({ value: slice.name, label: slice.name });
      }
    : undefined;
  return (
    <div className="pie">
      <EChart option={option} label={panel.title} onPick={onPick} />
      {data.total !== null ? (
        <div className="panel-foot" data-testid="pie-total">
          Total {formatValue(data.total, display.format ?? "number", { style: numbers, short: true })}
        </div>
      ) : null}
    </div>
  );
}
