import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { TimeSeriesPanel } from "./TimeSeriesPanel";

export const timeseries: PanelKindSpec<"timeseries"> = {
  kind: "timeseries",
  label: "Time series",
  defaultSize: PANEL_DEFAULT_SIZES.timeseries,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "measures", label: "Measures", input: "measures" },
    { in: "data_source", key: "series_label", label: "One line per", input: "dimension", optional: true },
    { in: "data_source", key: "grain", label: "Bucket", input: "grain", optional: true },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "y_axis_label", label: "Y axis label", input: "text" },
    { in: "display", key: "y_axis_range", label: "Y axis range", input: "range" },
    { in: "display", key: "line_colors", label: "Line colours", input: "colors" },
    { in: "display", key: "fill_area", label: "Fill the area", input: "boolean" },
  ],
  View: TimeSeriesPanel,
  fillsHeight: true,
  isEmpty: (data) => data.series.every((series) => series.points.length === 0),
};
