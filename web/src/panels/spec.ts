// What every panel kind tells the rest of the UI: how to show its data, what it adds to a data
// request, its default size and the fields an editor offers. Each kind declares one in its own
// folder (`panels/<kind>/index.ts`); `panels/index.ts` lists them.
import type { ComponentType } from "react";
import type { PanelConfig, PanelData, PanelDisplay, PanelKind } from "../wire";
import type { NumberStyle } from "../format";

/// A panel of kind `K`, with its typed data source.
export type PanelOf<K extends PanelKind> = Extract<PanelConfig, { type: K }>;

/// The data the server answers for a panel of kind `K`.
export type DataOf<K extends PanelKind> = Extract<PanelData, { type: K }>;

/// What a person changed in a panel while looking at it (a table's sort and page, say); it
/// goes into the panel's data request.
export type ViewState = Record<string, string | number | undefined>;

/// A point of a chart a person clicked to see the rows behind it: the value of the panel's
/// dimension there, or a time series bucket (its start and grain), and how to name it.
export interface DrillPoint {
  value?: string;
  at?: string;
  grain?: string;
  label: string;
}

export interface ViewProps<K extends PanelKind> {
  panel: PanelOf<K>;
  data: DataOf<K>;
  viewState: ViewState;
  onViewState: (state: ViewState) => void;
  /// The dashboard's currency and number grouping.
  numbers: NumberStyle;
  /// Opens the rows behind a point; absent where drilling is not offered.
  onDrill?: (point: DrillPoint) => void;
}

/// How an editor sets one field of a panel: where it lives and what kind of input it takes.
export type EditorField<K extends PanelKind> =
  | {
      in: "data_source";
      key: keyof PanelOf<K>["data_source"] & string;
      label: string;
      input:
        | "dataset"
        | "measure"
        | "measures"
        | "dimension"
        | "columns"
        | "filters"
        | "grain"
        | "number"
        | "image"
        | "values"
        | "template"
        | "map";
      optional?: boolean;
    }
  | {
      in: "display";
      key: keyof PanelDisplay & string;
      label: string;
      input:
        | "text"
        | "number"
        | "boolean"
        | "format"
        | "thresholds"
        | "threshold_basis"
        | "colors"
        | "range"
        | "column"
        | "sort_order"
        | "status_mapping"
        | "series"
        | "target_lines";
    };

export interface PanelKindSpec<K extends PanelKind> {
  kind: K;
  /// The name a palette shows.
  label: string;
  /// Grid columns and rows a new panel of this kind takes (the server's default, generated).
  defaultSize: { width: number; height: number };
  /// The fields a property panel offers for this kind, in order.
  fields: EditorField<K>[];
  View: ComponentType<ViewProps<K>>;
  /// A chart has no height of its own and fills the rows it spans; other kinds take their
  /// content's height.
  fillsHeight: boolean;
  /// Whether the answer holds nothing to show (no rows in the range).
  isEmpty: (data: DataOf<K>) => boolean;
  /// Query parameters the kind adds to its data request, from the panel and its view state.
  query?: (panel: PanelOf<K>, viewState: ViewState) => ViewState;
}
