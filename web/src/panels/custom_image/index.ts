import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { ImagePanel } from "./ImagePanel";

export const customImage: PanelKindSpec<"custom_image"> = {
  kind: "custom_image",
  label: "Image (bullet or sparkline)",
  defaultSize: PANEL_DEFAULT_SIZES.custom_image,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "image", label: "Picture", input: "image" },
    { in: "data_source", key: "value", label: "Value", input: "measure" },
    { in: "data_source", key: "target", label: "Target", input: "measure", optional: true },
    { in: "data_source", key: "grain", label: "Bucket", input: "grain", optional: true },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "format", label: "Format", input: "format" },
    { in: "display", key: "line_colors", label: "Colour", input: "colors" },
  ],
  View: ImagePanel,
  fillsHeight: false,
  isEmpty: (data) => (data.image === "bullet" ? data.value === null : data.points.length === 0),
};
