import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { MapPanel } from "./MapPanel";

export const map: PanelKindSpec<"map"> = {
  kind: "map",
  label: "Map",
  defaultSize: PANEL_DEFAULT_SIZES.map,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "map", label: "Map", input: "map" },
    { in: "data_source", key: "region", label: "Region column", input: "dimension" },
    { in: "data_source", key: "value", label: "Value", input: "measure" },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "format", label: "Format", input: "format" },
  ],
  View: MapPanel,
  fillsHeight: true,
  isEmpty: (data) => data.regions.length === 0,
};
