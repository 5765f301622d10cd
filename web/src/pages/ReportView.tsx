import { useEffect } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router";
import { exportFormats, getJson, plainError } from "../api";
import type { ResolvedDashboard } from "../wire";
import { Panel } from "../Panel";
import { describeRange, rangeFromParams } from "../range";
import { controlQuery, controlsFromParams } from "../controls";
import { numberStyle } from "../format";

/// `#/r/<dashboard>/<panel>?<range and filters>`: one panel alone, as wide as the page and
/// ready to print, at a link that can be shared. The panel is the one the person sees on the
/// dashboard (their overrides, roles and rows).
export function ReportView() {
  const { dashboard: dashboardId = "", panel: panelId = "" } = useParams();
  const [params] = useSearchParams();
  const range = rangeFromParams(params);
  const controlValues = controlsFromParams(params);
  const dashboard = useQuery({
    queryKey: ["dashboard", dashboardId],
    queryFn: () => getJson<ResolvedDashboard>(`/api/v1/dashboards/${encodeURIComponent(dashboardId)}`),
  });
  const config = dashboard.data?.config;
  const panel = config?.panels.find((p) => p.id === panelId);
  useEffect(() => {
    if (panel && config) document.title = `${panel.title} · ${config.name} · Flexboard`;
    return () => {
      document.title = "Flexboard";
    };
  }, [panel, config]);

  if (dashboard.isError)
    return (
      <div className="error" role="alert">
        {plainError(dashboard.error, "dashboard")}
      </div>
    );
  if (!config) return <div className="loading">Loading report…</div>;
  if (!panel)
    return (
      <div className="error" role="alert">
        This dashboard has no such panel for you.{" "}
        <Link to={`/d/${encodeURIComponent(dashboardId)}`}>Open the dashboard</Link>
      </div>
    );
  const filters = Object.entries(controlValues).map(([id, values]) => {
    const control = (config.controls ?? []).find((c) => c.id === id);
    return `${control?.label || control?.column || id}: ${values.join(", ")}`;
  });
  const exports = exportFormats(config);
  // Alone, the panel takes the page's width and at least three rows.
  const alone = {
    ...panel,
    position: { row: 1, col: 1, width: 12, height: Math.max(panel.position.height, 3) },
  };
  return (
    <section className="report" data-testid="report">
      <div className="report-head">
        <p className="report-crumb">
          <Link to={`/d/${encodeURIComponent(config.id)}?${params.toString()}`}>{config.name}</Link>
        </p>
        <h1>{panel.title}</h1>
        {panel.description ? <p>{panel.description}</p> : null}
        <p className="report-scope" data-testid="report-scope">
          {describeRange(range)}
          {filters.length > 0 ? ` · ${filters.join(" · ")}` : ""}
        </p>
        <button type="button" className="report-print" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <div className="grid report-grid" style={{ gridTemplateColumns: "repeat(12, minmax(0, 1fr))" }}>
        <Panel
          dashboardId={config.id}
          panel={alone}
          range={range}
          controls={controlQuery(controlValues)}
          rowHeight={config.layout.row_height ?? 140}
          batch={{ outcome: undefined, settled: true, updatedAt: 0 }}
          dashboardRefresh={config.refresh_interval}
          exportFormats={exports}
          numbers={numberStyle(config.currency)}
          standalone
        />
      </div>
    </section>
  );
}
