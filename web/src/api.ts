// The fetch helpers the UI uses for Flexboard's JSON API (`/api/v1`). The wire types are
// generated from the Rust types into `wire.ts`.
import type { DashboardConfig, ErrorBody, Me } from "./wire";

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

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

/// Sends a file as the request's body, its type as `Content-Type` (a logo, say).
export async function sendFile<T>(method: "PUT" | "POST", path: string, file: Blob): Promise<T> {
  return request<T>(method, path, undefined, file);
}

async function request<T>(method: string, path: string, body?: unknown, file?: Blob): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (file !== undefined) headers["Content-Type"] = file.type || "application/octet-stream";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: file ?? (body === undefined ? undefined : JSON.stringify(body)),
    credentials: "same-origin",
  });
  if (!response.ok) {
    let body: Pick<ErrorBody, "message"> & { code: string } = {
      code: "http_error",
      message: `${response.status} ${response.statusText}`,
    };
    try {
      body = (await response.json()) as ErrorBody;
    } catch {
      // The body was not JSON (a proxy error page, say): keep the status line.
    }
    throw new ApiError(response.status, body.code, body.message);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/// Whether `me` may do `action` on `resource` in the current tenant (what the server decides
/// again on every request; the UI only uses it to hide what would be refused).
export function can(me: Me, resource: string, action: string): boolean {
  return me.permissions.some(
    (p) => (p.resource === "*" || p.resource === resource) && (p.action === "*" || p.action === action),
  );
}

type Query = Record<string, string | number | string[] | undefined>;

/// `path` with the query parameters that are set; a list repeats its parameter.
function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/// The data path of one panel, with the query parameters that are set.
export function panelDataPath(panelId: string, query: Query): string {
  return withQuery(`/api/v1/panels/${encodeURIComponent(panelId)}/data`, query);
}

/// Every panel of a dashboard in one request.
export function dashboardDataPath(dashboardId: string, query: Query): string {
  return withQuery(`/api/v1/dashboards/${encodeURIComponent(dashboardId)}/data`, query);
}

/// What a dashboard's filter control offers (`q` narrows the values).
export function controlOptionsPath(dashboardId: string, controlId: string, q?: string): string {
  return withQuery(
    `/api/v1/dashboards/${encodeURIComponent(dashboardId)}/controls/${encodeURIComponent(controlId)}/options`,
    { q },
  );
}

/// The rows behind one point of a panel.
export function drillPath(panelId: string, query: Query): string {
  return withQuery(`/api/v1/panels/${encodeURIComponent(panelId)}/drill`, query);
}

/// A panel's data as a download (`csv` or `json`), written by the server.
export function exportPath(panelId: string, format: string, query: Query): string {
  return withQuery(`/api/v1/panels/${encodeURIComponent(panelId)}/export`, { ...query, format });
}

/// What went wrong, in words for the person looking at a dashboard: no codes, ids or
/// internal names.
export function plainError(error: unknown, what: "panel" | "dashboard" = "panel"): string {
  const status = error instanceof ApiError ? error.status : 0;
  const code =
    error instanceof ApiError
      ? error.code
      : typeof error === "object" && error && "code" in error
        ? String(error.code)
        : "";
  switch (code) {
    case "forbidden":
    case "premium_required":
      return "You do not have access to this data. Ask an administrator if you need it.";
    case "not_found":
      return what === "dashboard"
        ? "This dashboard does not exist, or it is not shared with you."
        : "This data is no longer available. The dashboard may have changed; reload the page.";
    case "invalid_request":
    case "invalid_date":
      return "This range cannot be shown. Choose another range.";
    case "too_many_requests":
    case "limit_exceeded":
    case "quota_exceeded":
      return "The server is busy. The panel tries again on the next refresh.";
    case "unauthorized":
      return "Your session has ended. Sign in again.";
    default:
      return status === 0 && !code
        ? "The server could not be reached. Check the connection and refresh."
        : `This ${what}'s data could not be loaded. Try refreshing.`;
  }
}

/// The export formats a dashboard switches on for the person it was resolved for.
export function exportFormats(config: DashboardConfig): string[] {
  return ["csv", "json", "xlsx"].filter((format) =>
    (config.features ?? []).some((f) => f.id === `export_${format}` && f.enabled),
  );
}
