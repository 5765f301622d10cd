import { useEffect, useState } from "react";
import { QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ApiError,
  can,
  getJson,
  sendJson,
  setCsrfToken,
  type DashboardList,
  type Me,
  type ResolvedDashboard,
} from "./api";
import { Admin } from "./Admin";
import { Panel, type DateRange } from "./Panel";
import { SignIn } from "./SignIn";

/// The UI's places: the list of dashboards (`#/`), one dashboard (`#/d/<id>`), administration
/// (`#/admin/...`) and the signed-in person's account (`#/account`).
function useHashRoute(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

/// Drops cached answers of the previous person or workspace, keeping `keep`.
function forgetAllBut(queryClient: QueryClient, keep: string) {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== keep });
}

export function App() {
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: ["me"],
    queryFn: async () => {
      try {
        return await getJson<Me>("/api/v1/auth/me");
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: Infinity,
  });
  useEffect(() => setCsrfToken(me.data?.csrf_token ?? null), [me.data]);

  if (me.isError)
    return (
      <div className="error" role="alert">
        {me.error.message}
      </div>
    );
  if (me.data === undefined) return <div className="loading">Loading…</div>;
  if (me.data === null) {
    return (
      <SignIn
        onSignedIn={(signedIn) => {
          setCsrfToken(signedIn.csrf_token);
          queryClient.setQueryData(["me"], signedIn);
          forgetAllBut(queryClient, "me");
        }}
      />
    );
  }
  return <SignedIn me={me.data} />;
}

function SignedIn({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const hash = useHashRoute();
  const match = /^#\/d\/([^/?]+)/.exec(hash);
  const admin = /^#\/admin(?:\/(\w+))?/.exec(hash);
  const showAdmin = me.user.super_admin || can(me, "users", "read") || can(me, "api_keys", "read");
  const dashboards = useQuery({
    queryKey: ["dashboards", me.tenant?.id],
    queryFn: () => getJson<DashboardList>("/api/v1/dashboards"),
    enabled: me.tenant !== null,
  });
  const switchTenant = async (id: string) => {
    const next = await sendJson<Me>("POST", `/api/v1/tenants/${encodeURIComponent(id)}/select`);
    queryClient.setQueryData(["me"], next);
    forgetAllBut(queryClient, "me");
    window.location.hash = "#/";
  };
  const signOut = async () => {
    try {
      await sendJson("POST", "/api/v1/auth/logout");
    } finally {
      setCsrfToken(null);
      queryClient.setQueryData(["me"], null);
      forgetAllBut(queryClient, "me");
      window.location.hash = "#/";
    }
  };
  let page;
  if (admin) page = <Admin me={me} tab={admin[1] ?? "users"} />;
  else if (hash.startsWith("#/account")) page = <Account />;
  else if (me.tenant === null)
    page = (
      <div className="empty" role="status">
        {me.tenants.length === 0
          ? "You have no workspace yet." +
            (me.user.super_admin
              ? " Create one under Admin → Tenants."
              : " Ask an administrator to add you to one.")
          : "Choose a workspace above."}
      </div>
    );
  else if (match) page = <DashboardView id={decodeURIComponent(match[1])} />;
  else page = <DashboardIndex list={dashboards.data} error={dashboards.error} />;
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          Flexboard
        </a>
        {me.tenants.length > 0 ? (
          <select
            className="tenant-switcher"
            aria-label="Workspace"
            data-testid="tenant-switcher"
            value={me.tenant?.id ?? ""}
            onChange={(e) => void switchTenant(e.target.value)}
          >
            {me.tenant === null ? <option value="">Choose a workspace…</option> : null}
            {me.tenants.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        ) : null}
        <nav className="topnav">
          <a href="#/">Dashboards</a>
          {showAdmin ? <a href="#/admin">Admin</a> : null}
        </nav>
        <span className="user" data-testid="user-name" title={me.user.email}>
          <a href="#/account">{me.user.name}</a>
          {me.tenant?.role ? <small> · {me.tenant.role}</small> : null}
        </span>
        <button type="button" className="signout" data-testid="sign-out" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>{page}</main>
    </div>
  );
}

/// The signed-in person's own account: change the password.
function Account() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <section className="admin">
      <h1>Your account</h1>
      <form
        className="form"
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            await sendJson("POST", "/api/v1/auth/password", {
              current_password: current,
              new_password: next,
            });
            setMessage({ ok: true, text: "Password changed. Your other sessions have ended." });
            setCurrent("");
            setNext("");
          } catch (e) {
            setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
          }
        }}
      >
        <label>
          Current password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label>
          New password (12 to 128 characters)
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            maxLength={128}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <button type="submit">Change password</button>
        {message ? (
          <div className={message.ok ? "notice" : "error"} role="status">
            {message.text}
          </div>
        ) : null}
      </form>
    </section>
  );
}

function DashboardIndex({ list, error }: { list?: DashboardList; error: Error | null }) {
  if (error)
    return (
      <div className="error" role="alert">
        {error.message}
      </div>
    );
  if (!list) return <div className="loading">Loading dashboards…</div>;
  return (
    <section className="index">
      <h1>Dashboards</h1>
      {list.dashboards.length === 0 ? <p>No dashboards yet.</p> : null}
      <ul className="cards">
        {list.dashboards.map((dashboard) => (
          <li key={dashboard.id}>
            <a href={`#/d/${encodeURIComponent(dashboard.id)}`} data-testid="dashboard-link">
              <strong>{dashboard.name}</strong>
              <span>{dashboard.description}</span>
              <small>{dashboard.panel_count} panels</small>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function DashboardView({ id }: { id: string }) {
  const path = `/api/v1/dashboards/${encodeURIComponent(id)}`;
  const dashboard = useQuery({
    queryKey: ["dashboard", id],
    queryFn: () => getJson<ResolvedDashboard>(path),
  });
  const [range, setRange] = useState<DateRange>({});
  const name = dashboard.data?.config.name;
  useEffect(() => {
    if (name) document.title = `${name} · Flexboard`;
    return () => {
      document.title = "Flexboard";
    };
  }, [name]);
  const [draft, setDraft] = useState<{ start: string; end: string; choice: string; fy: string }>({
    start: "",
    end: "",
    choice: "",
    fy: "",
  });

  if (dashboard.isError)
    return (
      <div className="error" role="alert">
        {dashboard.error.message}
      </div>
    );
  if (!dashboard.data) return <div className="loading">Loading dashboard…</div>;
  const config = dashboard.data.config;
  const rowHeight = config.layout.row_height ?? 140;
  const usesDates = draft.choice === "" || draft.choice.startsWith("period:");
  const fyPattern = /^\d{4}(-\d{4})?$/;
  const invalid =
    (draft.choice === "" && draft.start !== "" && draft.end !== "" && draft.start > draft.end) ||
    (draft.choice === "fy" && !fyPattern.test(draft.fy));

  return (
    <section className="dashboard">
      <div className="dashboard-head">
        <div>
          <h1 style={config.branding?.primary_color ? { color: config.branding.primary_color } : undefined}>
            {config.name}
          </h1>
          <p>{config.description}</p>
          {(config.filters ?? []).length > 0 ? (
            <ul className="chips" data-testid="dashboard-filters">
              {(config.filters ?? []).map((f) => (
                <li key={f.id}>{f.label || `${f.column} ${f.op} ${String(f.value ?? "")}`}</li>
              ))}
            </ul>
          ) : null}
        </div>
        <form
          className="range"
          onSubmit={(event) => {
            event.preventDefault();
            if (invalid) return;
            const end = draft.end ? `${draft.end}T23:59:59.999999Z` : undefined;
            const [kind, value] = draft.choice.split(":");
            if (kind === "preset") setRange({ preset: value });
            else if (kind === "period") setRange({ period: value, end_date: end });
            else if (kind === "fy") setRange({ fy: draft.fy });
            else
              setRange({ start_date: draft.start ? `${draft.start}T00:00:00Z` : undefined, end_date: end });
          }}
        >
          <label>
            Range{" "}
            <select
              aria-label="Range"
              value={draft.choice}
              onChange={(e) => setDraft({ ...draft, choice: e.target.value })}
            >
              <option value="">Dates</option>
              <option value="preset:last_24h">Last 24 hours</option>
              <option value="preset:last_7d">Last 7 days</option>
              <option value="preset:last_30d">Last 30 days</option>
              <option value="preset:this_month">This month</option>
              <option value="period:mtd">Month to date</option>
              <option value="period:qtd">Quarter to date</option>
              <option value="period:ytd">Year to date</option>
              <option value="period:fytd">Fiscal year to date</option>
              <option value="fy">Fiscal year</option>
            </select>
          </label>
          {draft.choice === "" ? (
            <label>
              From{" "}
              <input
                type="date"
                value={draft.start}
                onChange={(e) => setDraft({ ...draft, start: e.target.value })}
              />
            </label>
          ) : null}
          {usesDates ? (
            <label>
              {draft.choice === "" ? "To" : "Up to"}{" "}
              <input
                type="date"
                value={draft.end}
                onChange={(e) => setDraft({ ...draft, end: e.target.value })}
              />
            </label>
          ) : null}
          {draft.choice === "fy" ? (
            <label>
              Year{" "}
              <input
                aria-label="Fiscal year"
                placeholder="2025-2026"
                size={9}
                value={draft.fy}
                onChange={(e) => setDraft({ ...draft, fy: e.target.value.trim() })}
              />
            </label>
          ) : null}
          <button type="submit" disabled={invalid}>
            Apply
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft({ start: "", end: "", choice: "", fy: "" });
              setRange({});
            }}
          >
            All data
          </button>
          {invalid ? (
            <span className="hint">
              {draft.choice === "fy"
                ? "Write the fiscal year as 2025-2026."
                : "The start date is after the end date."}
            </span>
          ) : null}
        </form>
      </div>
      <div
        className="grid"
        style={{ gridTemplateColumns: `repeat(${config.layout.columns}, minmax(0, 1fr))` }}
      >
        {config.panels.map((panel) => (
          <Panel key={panel.id} dashboardId={config.id} panel={panel} range={range} rowHeight={rowHeight} />
        ))}
      </div>
      <footer className="dashboard-meta" data-testid="dashboard-meta">
        {dashboard.data.meta.templateId} · version {dashboard.data.meta.version}
        {dashboard.data.meta.appliedOverrides.length > 0
          ? ` · tailored by ${dashboard.data.meta.appliedOverrides.join(", ")}`
          : ""}
        {dashboard.data.meta.experiment
          ? ` · experiment ${dashboard.data.meta.experiment.id} (${dashboard.data.meta.experiment.arm})`
          : ""}
      </footer>
    </section>
  );
}
