import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { BarPanel } from "./BarPanel";

export const bar: PanelKindSpec<"bar"> = {
  kind: "bar",
  label: "Bar chart",
  defaultSize: PANEL_DEFAULT_SIZES.bar,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "dimension", label: "Bars by", input: "dimension" },
    { in: "data_source", key: "measures", label: "Measures", input: "measures" },
    { in: "data_source", key: "limit", label: "Bars at most", input: "number", optional: true },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "horizontal", label: "Horizontal", input: "boolean" },
    { in: "display", key: "line_colors", label: "Colours", input: "colors" },
  ],
  View: BarPanel,
  fillsHeight: true,
  isEmpty: (data) => data.categories.length === 0,
};
