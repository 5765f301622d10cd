import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { TextCard } from "./TextCard";

export const customTemplate: PanelKindSpec<"custom_template"> = {
  kind: "custom_template",
  label: "Text card",
  defaultSize: PANEL_DEFAULT_SIZES.custom_template,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "values", label: "Values", input: "values" },
    { in: "data_source", key: "rows_by", label: "Rows by", input: "dimension", optional: true },
    { in: "data_source", key: "limit", label: "Rows at most", input: "number", optional: true },
    { in: "data_source", key: "template", label: "Text", input: "template" },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "format", label: "Format", input: "format" },
  ],
  View: TextCard,
  fillsHeight: false,
  isEmpty: (data) => data.blocks.length === 0,
};
