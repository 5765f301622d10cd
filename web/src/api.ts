// The fetch helpers the UI uses for Flexboard's JSON API (`/api/v1`). The wire types are
// generated from the Rust types into `wire.ts`.
import type { ErrorBody, Me } from "./wire";

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

/// The data path of one panel, with the query parameters that are set.
export function panelDataPath(panelId: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  return `/api/v1/panels/${encodeURIComponent(panelId)}/data?${params.toString()}`;
}
