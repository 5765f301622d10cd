// Wire types of Flexboard's JSON API (`/api/v1`) and the fetch helpers the UI uses.

export interface ApiErrorBody {
  code: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DashboardSummary {
  id: string;
  name: string;
  description: string;
  panel_count: number;
}

export interface DashboardList {
  tenant: { id: string; name: string };
  dashboards: DashboardSummary[];
}

export interface Position {
  row: number;
  col: number;
  width: number;
  height: number;
}

export interface Threshold {
  value: number;
  color: string;
  label: string;
}

export interface PanelDisplay {
  unit?: string;
  prefix?: string;
  decimals?: number;
  format?: ValueFormat;
  thresholds?: Threshold[];
  y_axis_label?: string;
  y_axis_range?: [number, number];
  line_colors?: string[];
  fill_area?: boolean;
  page_size?: number;
  horizontal?: boolean;
}

export type ValueFormat = "number" | "compact" | "currency" | "percent" | "datetime" | "date" | "text";

export type PanelKind = "kpi" | "timeseries" | "table" | "bar" | "health_status";

export interface PanelConfig {
  id: string;
  type: PanelKind;
  title: string;
  description?: string;
  position: Position;
  refresh_interval?: number;
  display: PanelDisplay;
}

export interface DashboardConfig {
  id: string;
  name: string;
  description: string;
  refresh_interval?: number;
  layout: { columns: number; row_height?: number };
  panels: PanelConfig[];
}

export interface ResolvedDashboard {
  config: DashboardConfig;
  meta: { templateId: string; version: string; tenantId: string; resolvedAt: string };
}

export interface KpiData {
  type: "kpi";
  value: number | null;
  target: number | null;
  attainment: number | null;
  status: Threshold | null;
}

export interface TimeSeriesData {
  type: "timeseries";
  bucket: string;
  series: { name: string; points: [string, number | null][] }[];
  truncated: boolean;
}

export interface TableColumn {
  key: string;
  label: string;
  format: ValueFormat;
  sortable: boolean;
}

export interface TableData {
  type: "table";
  columns: TableColumn[];
  rows: Record<string, string | number | null>[];
  total: number;
  page: number;
  page_size: number;
  sort: string;
  order: "asc" | "desc";
}

export interface BarData {
  type: "bar";
  categories: string[];
  series: { name: string; values: (number | null)[] }[];
}

export interface HealthData {
  type: "health_status";
  items: { name: string; status: number; label: string; color: string; checked_at: string | null; message: string | null }[];
}

export type PanelData = KpiData | TimeSeriesData | TableData | BarData | HealthData;

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    let body: ApiErrorBody = { code: "http_error", message: `${response.status} ${response.statusText}` };
    try {
      body = (await response.json()) as ApiErrorBody;
    } catch {
      // The body was not JSON (a proxy error page, say): keep the status line.
    }
    throw new ApiError(response.status, body.code, body.message);
  }
  return (await response.json()) as T;
}

export interface PanelQuery {
  dashboard: string;
  start_date?: string;
  end_date?: string;
  sort?: string;
  order?: "asc" | "desc";
  page?: number;
  page_size?: number;
}

export function panelDataPath(panelId: string, query: PanelQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  return `/api/v1/panels/${encodeURIComponent(panelId)}/data?${params.toString()}`;
}
