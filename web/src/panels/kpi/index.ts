import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { KpiPanel } from "./KpiPanel";

export const kpi: PanelKindSpec<"kpi"> = {
  kind: "kpi",
  label: "KPI card",
  defaultSize: PANEL_DEFAULT_SIZES.kpi,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "value", label: "Value", input: "measure" },
    { in: "data_source", key: "target", label: "Target", input: "measure", optional: true },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "format", label: "Format", input: "format" },
    { in: "display", key: "prefix", label: "Prefix", input: "text" },
    { in: "display", key: "unit", label: "Unit", input: "text" },
    { in: "display", key: "decimals", label: "Decimals", input: "number" },
    { in: "display", key: "thresholds", label: "Thresholds", input: "thresholds" },
    { in: "display", key: "thresholds_on", label: "Thresholds compare", input: "threshold_basis" },
  ],
  View: KpiPanel,
  fillsHeight: false,
  isEmpty: (data) => data.value === null,
};
