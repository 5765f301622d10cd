import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { PiePanel } from "./PiePanel";

export const pie: PanelKindSpec<"pie"> = {
  kind: "pie",
  label: "Pie or donut",
  defaultSize: PANEL_DEFAULT_SIZES.pie,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "dimension", label: "Slices by", input: "dimension" },
    { in: "data_source", key: "measure", label: "Measure", input: "measure" },
    { in: "data_source", key: "limit", label: "Named slices at most", input: "number", optional: true },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "donut", label: "Donut", input: "boolean" },
    { in: "display", key: "format", label: "Format", input: "format" },
    { in: "display", key: "line_colors", label: "Colours", input: "colors" },
  ],
  View: PiePanel,
  fillsHeight: true,
  isEmpty: (data) => data.slices.length === 0,
};
