import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { ScatterPanel } from "./ScatterPanel";

export const scatter: PanelKindSpec<"scatter"> = {
  kind: "scatter",
  label: "Scatter plot",
  defaultSize: PANEL_DEFAULT_SIZES.scatter,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "dimension", label: "A point per", input: "dimension" },
    { in: "data_source", key: "x", label: "Across", input: "measure" },
    { in: "data_source", key: "y", label: "Up", input: "measure" },
    { in: "data_source", key: "size", label: "Size", input: "measure", optional: true },
    { in: "data_source", key: "color_by", label: "Colour by", input: "dimension", optional: true },
    { in: "data_source", key: "limit", label: "Points at most", input: "number", optional: true },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "format", label: "Format", input: "format" },
    { in: "display", key: "line_colors", label: "Colours", input: "colors" },
  ],
  View: ScatterPanel,
  fillsHeight: true,
  isEmpty: (data) => data.points.length === 0,
};
