import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { HealthPanel } from "./HealthPanel";

export const healthStatus: PanelKindSpec<"health_status"> = {
  kind: "health_status",
  label: "Health list",
  defaultSize: PANEL_DEFAULT_SIZES.health_status,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "columns", label: "Name, status, time and message columns", input: "columns" },
    { in: "display", key: "status_mapping", label: "Status colours and labels", input: "status_mapping" },
  ],
  View: HealthPanel,
  fillsHeight: false,
  isEmpty: (data) => data.items.length === 0,
};
