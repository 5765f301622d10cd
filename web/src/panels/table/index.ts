import { PANEL_DEFAULT_SIZES } from "../../wire";
import type { PanelKindSpec } from "../spec";
import { TablePanel } from "./TablePanel";

export const table: PanelKindSpec<"table"> = {
  kind: "table",
  label: "Table",
  defaultSize: PANEL_DEFAULT_SIZES.table,
  fields: [
    { in: "data_source", key: "dataset", label: "Dataset", input: "dataset" },
    { in: "data_source", key: "columns", label: "Columns", input: "columns" },
    { in: "data_source", key: "filters", label: "Filters", input: "filters", optional: true },
    { in: "display", key: "default_sort", label: "Sort by", input: "column" },
    { in: "display", key: "default_sort_order", label: "Order", input: "sort_order" },
    { in: "display", key: "page_size", label: "Rows per page", input: "number" },
  ],
  View: TablePanel,
  fillsHeight: false,
  isEmpty: (data) => data.total === 0,
  // Sorting and paging happen on the server.
  query: (panel, viewState) => ({ ...viewState, page_size: panel.display.page_size ?? undefined }),
};
