// The drill a person opened, in the page's URL beside the range and filters, so the rows
// behind a point are a link too: `drill=<panel>`, the point (`dv` value, `dat` time, `dg`
// grain, `dl` its name), how its rows show (`dby` grouped by, `drows=raw`) and the table's
// sort and page (`dsort`, `dorder`, `dpage`).
import type { DrillPoint } from "./panels/spec";

export interface DrillState {
  panel: string;
  point: DrillPoint;
  /// The column the rows are grouped by; the server's choice when absent.
  by?: string;
  /// The raw rows instead of groups.
  raw: boolean;
  /// The table's sort column and order, and its page (the server's defaults when absent).
  sort?: string;
  order?: string;
  page?: number;
}

const KEYS = {
  panel: "drill",
  value: "dv",
  at: "dat",
  grain: "dg",
  label: "dl",
  by: "dby",
  rows: "drows",
  sort: "dsort",
  order: "dorder",
  page: "dpage",
};

export function drillFromParams(params: URLSearchParams): DrillState | null {
  const panel = params.get(KEYS.panel);
  if (!panel) return null;
  const text = (key: string) => params.get(key) || undefined;
  const value = text(KEYS.value);
  const at = text(KEYS.at);
  return {
    panel,
    point: { value, at, grain: text(KEYS.grain), label: text(KEYS.label) ?? value ?? at ?? "" },
    by: text(KEYS.by),
    raw: params.get(KEYS.rows) === "raw",
    sort: text(KEYS.sort),
    order: text(KEYS.order) === "asc" ? "asc" : text(KEYS.order) === "desc" ? "desc" : undefined,
    page: Number(params.get(KEYS.page)) >= 2 ? Math.floor(Number(params.get(KEYS.page))) : undefined,
  };
}

/** `params` with `drill` open (or none). */
export function withDrill(params: URLSearchParams, drill: DrillState | null): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of Object.values(KEYS)) next.delete(key);
  if (!drill) return next;
  const set = (key: string, value: string | undefined) => {
    if (value) next.set(key, value);
  };
  set(KEYS.panel, drill.panel);
  set(KEYS.value, drill.point.value);
  set(KEYS.at, drill.point.at);
  set(KEYS.grain, drill.point.grain);
  set(KEYS.label, drill.point.label);
  set(KEYS.by, drill.raw ? undefined : drill.by);
  if (drill.raw) next.set(KEYS.rows, "raw");
  set(KEYS.sort, drill.sort);
  set(KEYS.order, drill.order);
  if (drill.page && drill.page > 1) next.set(KEYS.page, String(drill.page));
  return next;
}

/** What the drill endpoint takes for `drill`. */
export function drillQuery(drill: DrillState): Record<string, string | undefined> {
  return {
    value: drill.point.value,
    at: drill.point.at,
    grain: drill.point.grain,
    by: drill.raw ? undefined : drill.by,
    rows: drill.raw ? "raw" : undefined,
    sort: drill.sort,
    order: drill.order,
    page: drill.page ? String(drill.page) : undefined,
  };
}
