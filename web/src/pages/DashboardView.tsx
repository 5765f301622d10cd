import { lazy, Suspense, useContext, useEffect } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams, useSearchParams } from "react-router";
import { dashboardDataPath, exportFormats, getJson, plainError } from "../api";
import type { DashboardDataBody, ResolvedDashboard } from "../wire";
import { Panel } from "../Panel";
import { describeRange, rangeFromParams, withRange } from "../range";
import { RangePicker } from "./RangePicker";
import { FilterBar } from "./FilterBar";
import { controlQuery, controlsFromParams, withControl, withoutControls } from "../controls";
import { Ago } from "../Ago";
import { numberStyle } from "../format";
import { DashboardBrandingContext } from "../theme";
import { drillFromParams, withDrill } from "../drill";

// The drill dialog and its table load when a person first drills.
const DrillModal = lazy(() => import("../DrillModal"));

/// `#/d/<id>?<range>`: one dashboard over a range; the URL holds the range, so the view can
/// be shared as a link. Every panel comes in one batch request.
export function DashboardView() {
  const id = useParams().id ?? "";
  const [params, setParams] = useSearchParams();
  const range = rangeFromParams(params);
  const controlValues = controlsFromParams(params);
  const controls = controlQuery(controlValues);
  const queryClient = useQueryClient();
  const dashboard = useQuery({
    queryKey: ["dashboard", id],
    queryFn: () => getJson<ResolvedDashboard>(`/api/v1/dashboards/${encodeURIComponent(id)}`),
  });
  const config = dashboard.data?.config;
  const dataPath = dashboardDataPath(id, { ...range, ...controls });
  const batch = useQuery({
    queryKey: ["dashboard-data", dataPath],
    // Asked at once, beside the dashboard's configuration: the path needs only the URL.
    queryFn: () => getJson<DashboardDataBody>(dataPath),
    refetchInterval: config?.refresh_interval ? config.refresh_interval * 1000 : false,
    placeholderData: keepPreviousData,
  });
  const setBranding = useContext(DashboardBrandingContext);
  const branding = config?.branding ?? null;
  useEffect(() => {
    setBranding(branding);
    return () => setBranding(null);
  }, [branding, setBranding]);
  const name = config?.name;
  useEffect(() => {
    if (name) document.title = `${name} · Flexboard`;
    return () => {
      document.title = "Flexboard";
    };
  }, [name]);

  if (dashboard.isError)
    return (
      <div className="error" role="alert">
        {plainError(dashboard.error, "dashboard")}
      </div>
    );
  if (!config || !dashboard.data) return <div className="loading">Loading dashboard…</div>;
  const numbers = numberStyle(config.currency);
  const drill = drillFromParams(params);
  const drilled = drill ? config.panels.find((p) => p.id === drill.panel) : undefined;
  const rowHeight = config.layout.row_height ?? 140;
  const exports = exportFormats(config);
  const refresh = () => {
    void batch.refetch();
    void queryClient.invalidateQueries({ queryKey: ["panel"] });
  };
  // The dashboard is as fresh as its oldest panel.
  const oldest = Object.values(batch.data?.panels ?? {})
    .flatMap((outcome) => ("error" in outcome ? [] : [outcome.lastUpdatedAt]))
    .sort()[0];
  const settled = (batch.isSuccess && !batch.isPlaceholderData) || batch.isError;
  const batchFailure = batch.isError && !batch.data ? batch.error : undefined;

  return (
    <section className="dashboard">
      <div className="dashboard-head">
        <div>
          <h1>{config.name}</h1>
          <p>{config.description}</p>
          {(config.filters ?? []).length > 0 ? (
            <ul className="chips" data-testid="dashboard-filters">
              {(config.filters ?? []).map((f) => (
                <li key={f.id}>{f.label || `${f.column} ${f.op} ${String(f.value ?? "")}`}</li>
              ))}
            </ul>
          ) : null}
        </div>
        <div className="dashboard-controls">
          <RangePicker
            // A range arriving by the URL (back, a link) starts the form afresh.
            key={params.toString()}
            range={range}
            onChange={(next) => setParams(withRange(params, next))}
          />
          <div className="refresh">
            <span className="range-words" data-testid="range-words">
              {describeRange(range)}
            </span>
            {oldest ? <Ago iso={oldest} /> : null}
            <button type="button" onClick={refresh} disabled={batch.isFetching} data-testid="refresh">
              {batch.isFetching ? "Refreshing…" : "Refresh"}
            </button>
          </div>
        </div>
      </div>
      {(config.controls ?? []).length > 0 ? (
        <FilterBar
          dashboardId={config.id}
          controls={config.controls ?? []}
          values={controlValues}
          onChange={(control, values) => setParams(withControl(params, control, values))}
          onClear={() => setParams(withoutControls(params))}
        />
      ) : null}
      {batchFailure ? (
        <div className="error" role="alert">
          {plainError(batchFailure, "dashboard")}
        </div>
      ) : null}
      <div
        className="grid"
        style={{ gridTemplateColumns: `repeat(${config.layout.columns}, minmax(0, 1fr))` }}
      >
        {config.panels.map((panel) => (
          <Panel
            key={panel.id}
            dashboardId={config.id}
            panel={panel}
            range={range}
            controls={controls}
            rowHeight={rowHeight}
            batch={{ outcome: batch.data?.panels[panel.id], settled, updatedAt: batch.dataUpdatedAt }}
            dashboardRefresh={config.refresh_interval}
            exportFormats={exports}
            numbers={numbers}
            onDrill={(point) => setParams(withDrill(params, { panel: panel.id, point, raw: false }))}
          />
        ))}
      </div>
      {drill && drilled ? (
        <Suspense fallback={null}>
          <DrillModal
            // Another point is another dialog.
            key={`${drill.panel}|${drill.point.value}|${drill.point.at}`}
            dashboardId={config.id}
            panel={drilled}
            range={range}
            controls={controls}
            drill={drill}
            numbers={numbers}
            exportFormats={exports}
            onChange={(next) => setParams(withDrill(params, next))}
            onClose={() => setParams(withDrill(params, null))}
          />
        </Suspense>
      ) : null}
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
