import { formatValue } from "../../format";
import { readableOn } from "../../colour";
import type { ViewProps } from "../spec";
import { RowsButton } from "../RowsButton";

export function KpiPanel({ panel, data, numbers, onDrill }: ViewProps<"kpi">) {
  const display = panel.display;
  const color = data.status?.color;
  const options = { decimals: display.decimals, style: numbers, short: true };
  const format = display.format ?? "number";
  return (
    <div className="kpi">
      {/* The status colour marks the card, not the figure: coloured text would fail contrast. */}
      <div
        className="kpi-value"
        data-testid="kpi-value"
        style={color ? { borderLeftColor: color } : undefined}
      >
        {display.prefix ?? ""}
        {formatValue(data.value, format, options)}
        {display.unit ? <span className="kpi-unit">{display.unit}</span> : null}
      </div>
      {data.target !== null ? (
        <div className="kpi-target">
          Target {display.prefix ?? ""}
          {formatValue(data.target, format, options)}
          {data.attainment !== null ? (
            <> · {formatValue(data.attainment, "percent", { decimals: 1, style: numbers })} achieved</>
          ) : null}
        </div>
      ) : null}
      {data.status ? (
        <div
          className="kpi-status"
          style={{ background: data.status.color, color: readableOn(data.status.color) }}
        >
          {data.status.label}
        </div>
      ) : null}
      <RowsButton title={panel.title} onDrill={onDrill} />
    </div>
  );
}
