import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson, type DashboardList, type ResolvedDashboard } from "./api";
import { Panel, type DateRange } from "./Panel";

/// The UI has two places: the list of dashboards (`#/`) and one dashboard (`#/d/<id>`).
function useHashRoute(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

export function App() {
  const hash = useHashRoute();
  const match = /^#\/d\/([^/?]+)/.exec(hash);
  const dashboards = useQuery({ queryKey: ["dashboards"], queryFn: () => getJson<DashboardList>("/api/v1/dashboards") });
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          Flexboard
        </a>
        {dashboards.data ? <span className="tenant">{dashboards.data.tenant.name}</span> : null}
      </header>
      <main>
        {match ? (
          <DashboardView id={decodeURIComponent(match[1])} />
        ) : (
          <DashboardIndex list={dashboards.data} error={dashboards.error} />
        )}
      </main>
    </div>
  );
}

function DashboardIndex({ list, error }: { list?: DashboardList; error: Error | null }) {
  if (error) return <div className="error" role="alert">{error.message}</div>;
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
  const dashboard = useQuery({ queryKey: ["dashboard", id], queryFn: () => getJson<ResolvedDashboard>(path) });
  const [range, setRange] = useState<DateRange>({});
  const name = dashboard.data?.config.name;
  useEffect(() => {
    if (name) document.title = `${name} · Flexboard`;
    return () => {
      document.title = "Flexboard";
    };
  }, [name]);
  const [draft, setDraft] = useState<{ start: string; end: string }>({ start: "", end: "" });

  if (dashboard.isError) return <div className="error" role="alert">{dashboard.error.message}</div>;
  if (!dashboard.data) return <div className="loading">Loading dashboard…</div>;
  const config = dashboard.data.config;
  const rowHeight = config.layout.row_height ?? 140;
  const invalid = draft.start !== "" && draft.end !== "" && draft.start > draft.end;

  return (
    <section className="dashboard">
      <div className="dashboard-head">
        <div>
          <h1>{config.name}</h1>
          <p>{config.description}</p>
        </div>
        <form
          className="range"
          onSubmit={(event) => {
            event.preventDefault();
            if (invalid) return;
            setRange({
              start_date: draft.start ? `${draft.start}T00:00:00Z` : undefined,
              end_date: draft.end ? `${draft.end}T23:59:59Z` : undefined,
            });
          }}
        >
          <label>
            From <input type="date" value={draft.start} onChange={(e) => setDraft({ ...draft, start: e.target.value })} />
          </label>
          <label>
            To <input type="date" value={draft.end} onChange={(e) => setDraft({ ...draft, end: e.target.value })} />
          </label>
          <button type="submit" disabled={invalid}>
            Apply
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft({ start: "", end: "" });
              setRange({});
            }}
          >
            All data
          </button>
          {invalid ? <span className="hint">The start date is after the end date.</span> : null}
        </form>
      </div>
      <div className="grid" style={{ gridTemplateColumns: `repeat(${config.layout.columns}, minmax(0, 1fr))` }}>
        {config.panels.map((panel) => (
          <Panel key={panel.id} dashboardId={config.id} panel={panel} range={range} rowHeight={rowHeight} />
        ))}
      </div>
      <footer className="dashboard-meta">
        {dashboard.data.meta.templateId} · version {dashboard.data.meta.version}
      </footer>
    </section>
  );
}
