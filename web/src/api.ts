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
  branding?: { name?: string; logo?: string; primary_color?: string; accent_color?: string; font?: string };
  currency?: string;
  filters?: { id: string; label?: string; column: string; op: string; value?: unknown }[];
  features?: { id: string; label?: string; enabled: boolean }[];
  panels: PanelConfig[];
}

export interface ResolvedDashboard {
  config: DashboardConfig;
  meta: {
    templateId: string;
    version: string;
    tenantId: string;
    appliedOverrides: string[];
    experiment?: { id: string; arm: string };
    resolvedAt: string;
  };
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
  items: {
    name: string;
    status: number;
    label: string;
    color: string;
    checked_at: string | null;
    message: string | null;
  }[];
}

export type PanelData = KpiData | TimeSeriesData | TableData | BarData | HealthData;

// The session's CSRF token, from sign-in or `/auth/me`; sent on every state-changing request.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

export async function getJson<T>(path: string): Promise<T> {
  return request<T>("GET", path);
}

export async function sendJson<T>(
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  return request<T>(method, path, body);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!response.ok) {
    let body: ApiErrorBody = { code: "http_error", message: `${response.status} ${response.statusText}` };
    try {
      body = (await response.json()) as ApiErrorBody;
    } catch {
      // The body was not JSON (a proxy error page, say): keep the status line.
    }
    throw new ApiError(response.status, body.code, body.message);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export type Scope = "own" | "tenant" | "all";

export interface Permission {
  resource: string;
  action: string;
  scope: Scope;
}

export interface TenantAccess {
  id: string;
  name: string;
  plan: "free" | "premium";
  role: string | null;
  attributes: Record<string, string>;
}

export interface Me {
  user: { id: string; email: string; name: string; super_admin: boolean };
  tenant: TenantAccess | null;
  tenants: TenantAccess[];
  permissions: Permission[];
  csrf_token: string | null;
}

/// Whether `me` may do `action` on `resource` in the current tenant (what the server decides
/// again on every request; the UI only uses it to hide what would be refused).
export function can(me: Me, resource: string, action: string): boolean {
  return me.permissions.some(
    (p) => (p.resource === "*" || p.resource === resource) && (p.action === "*" || p.action === action),
  );
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  super_admin: boolean;
  disabled: boolean;
  created_at: string;
  memberships: { tenant: string; role: string; attributes: Record<string, string> }[];
}

export interface RoleView {
  name: string;
  description: string;
  permissions: Permission[];
  built_in: boolean;
}

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: string[];
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TenantView {
  id: string;
  name: string;
  slug: string;
  plan: "free" | "premium";
  limits: { max_dashboards: number; max_widgets_per_dashboard: number };
  active: boolean;
  created_at: string;
  members: number;
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
