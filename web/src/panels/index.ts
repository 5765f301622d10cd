// Every panel kind the UI knows, keyed by `type`. The mapped type makes the compiler refuse a
// kind the server declares (`PanelKind` in the generated wire types) but this list lacks.
import type { PanelKind } from "../wire";
import type { PanelKindSpec } from "./spec";
import { bar } from "./bar";
import { customImage } from "./custom_image";
import { customTemplate } from "./custom_template";
import { gauge } from "./gauge";
import { healthStatus } from "./health_status";
import { kpi } from "./kpi";
import { map } from "./map";
import { pie } from "./pie";
import { scatter } from "./scatter";
import { table } from "./table";
import { timeseries } from "./timeseries";

export const PANEL_KINDS: { [K in PanelKind]: PanelKindSpec<K> } = {
  kpi,
  timeseries,
  table,
  bar,
  health_status: healthStatus,
  pie,
  gauge,
  scatter,
  custom_image: customImage,
  custom_template: customTemplate,
  map,
};
