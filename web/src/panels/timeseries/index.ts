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
    {
      in: "data_source",
      key: "top",
      label: "Largest lines, the rest as Other",
      input: "number",
      optional: true,
    },
    { in: "data_source", key: "grain", label: "Bucket", input: "grain", optional: true },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "y_axis_label", label: "Y axis label", input: "text" },
    { in: "display", key: "y_axis_range", label: "Y axis range", input: "range" },
    { in: "display", key: "line_colors", label: "Line colours", input: "colors" },
    { in: "display", key: "fill_area", label: "Fill the area", input: "boolean" },
    { in: "display", key: "stacked", label: "Stacked", input: "boolean" },
    { in: "display", key: "smooth", label: "Smooth lines", input: "boolean" },
    { in: "display", key: "dashed", label: "Dashed lines", input: "series" },
    { in: "display", key: "right_axis", label: "Lines on the right axis", input: "series" },
    { in: "display", key: "right_axis_label", label: "Right axis label", input: "text" },
    { in: "display", key: "right_format", label: "Right axis format", input: "format" },
    { in: "display", key: "target_lines", label: "Target lines", input: "target_lines" },
  ],
  View: TimeSeriesPanel,
  fillsHeight: true,
  isEmpty: (data) => data.series.every((series) => series.points.length === 0),
};
