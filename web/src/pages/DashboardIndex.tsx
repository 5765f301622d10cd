import { Link } from "react-router";
import type { DashboardList } from "../wire";

/// `#/`: the dashboards of the current workspace.
export function DashboardIndex({ list, error }: { list?: DashboardList; error: Error | null }) {
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
            <Link to={`/d/${encodeURIComponent(dashboard.id)}`} data-testid="dashboard-link">
              <strong>{dashboard.name}</strong>
              <span>{dashboard.description}</span>
              <small>{dashboard.panel_count} panels</small>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
