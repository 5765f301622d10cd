import { formatValue } from "../../format";
import type { ViewProps } from "../spec";

export function KpiPanel({ panel, data }: ViewProps<"kpi">) {
  const display = panel.display;
  const color = data.status?.color;
  return (
    <div className="kpi">
      <div className="kpi-value" data-testid="kpi-value" style={color ? { color } : undefined}>
        {display.prefix ?? ""}
        {formatValue(data.value, display.format ?? "number", display.decimals)}
        {display.unit ? <span className="kpi-unit">{display.unit}</span> : null}
      </div>
      {data.target !== null ? (
        <div className="kpi-target">
          Target {display.prefix ?? ""}
          {formatValue(data.target, display.format ?? "number", display.decimals)}
          {data.attainment !== null ? <> · {formatValue(data.attainment, "percent", 1)} achieved</> : null}
        </div>
      ) : null}
      {data.status ? (
        <div className="kpi-status" style={{ background: data.status.color }}>
          {data.status.label}
        </div>
      ) : null}
    </div>
  );
}
