import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { GaugePanel } from "./GaugePanel";

export const gauge: PanelKindSpec<"gauge"> = {
  kind: "gauge",
  label: "Gauge",
  defaultSize: PANEL_DEFAULT_SIZES.gauge,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "value", label: "Value", input: "measure" },
    { in: "data_source", key: "target", label: "Target", input: "measure", optional: true },
    { in: "data_source", key: "min", label: "Dial from", input: "number", optional: true },
    { in: "data_source", key: "max", label: "Dial to", input: "number", optional: true },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "format", label: "Format", input: "format" },
    { in: "display", key: "decimals", label: "Decimals", input: "number" },
    { in: "display", key: "thresholds", label: "Bands", input: "thresholds" },
    { in: "display", key: "thresholds_on", label: "Bands compare", input: "threshold_basis" },
  ],
  View: GaugePanel,
  fillsHeight: true,
  isEmpty: (data) => data.value === null,
};
