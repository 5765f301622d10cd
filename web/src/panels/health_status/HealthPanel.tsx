import { formatDateTime } from "../../format";
import type { ViewProps } from "../spec";

export function HealthPanel({ data }: ViewProps<"health_status">) {
  return (
    <ul className="health">
      {data.items.map((item) => (
        <li key={item.name} title={item.message ?? undefined}>
          <span className="dot" style={{ background: item.color }} aria-hidden="true" />
          <span className="health-name">{item.name}</span>
          <span className="health-label">{item.label}</span>
          <span className="health-time">{item.checked_at ? formatDateTime(item.checked_at) : ""}</span>
        </li>
      ))}
    </ul>
  );
}
