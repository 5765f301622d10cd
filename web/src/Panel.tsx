import { useEffect, useState, type ComponentType } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation } from "react-router";
import { exportPath, getJson, panelDataPath, plainError } from "./api";
import type { PanelAnswerBody, PanelConfig, PanelOutcome } from "./wire";
import { PANEL_KINDS } from "./panels";
import type { DrillPoint, PanelKindSpec, ViewProps, ViewState } from "./panels/spec";
import type { DateRange } from "./range";
import { Ago } from "./Ago";
import { PanelBoundary } from "./PanelBoundary";
import type { NumberStyle } from "./format";

/** What the dashboard's one batch request brought for this panel. */
export interface BatchPart {
  /// This panel's answer or its error, once the batch has answered.
  outcome?: PanelOutcome;
  /// The batch has answered for the range now asked for (or failed).
  settled: boolean;
  /// When the batch answered, in milliseconds since the epoch.
  updatedAt?: number;
}

export function Panel({
  dashboardId,
  panel,
  range,
  controls,
  rowHeight,
  batch,
  dashboardRefresh,
  exportFormats,
  numbers,
  standalone = false,
  onDrill,
}: {
  dashboardId: string;
  panel: PanelConfig;
  range: DateRange;
  /// The dashboard's filter controls as the data endpoints take them (`f.<id>`).
  controls: Record<string, string[]>;
  rowHeight: number;
  batch: BatchPart;
  /// Seconds between the dashboard's refreshes, which bring this panel's data too.
  dashboardRefresh?: number | null;
  /// `csv`, `json`: the exports the dashboard allows this person.
  exportFormats: string[];
  numbers: NumberStyle;
  /// Shown alone (a report): the panel asks for its own data, and links to no report.
  standalone?: boolean;
  /// Opens the rows behind a point of the panel's chart.
  onDrill?: (point: DrillPoint) => void;
}) {
  const [viewState, setViewState] = useState<ViewState>({});
  const location = useLocation();
  // The kind's spec, widened: `panel.type` picks it, so panel, data and spec always agree.
  const spec = PANEL_KINDS[panel.type] as unknown as PanelKindSpec<PanelConfig["type"]>;
  const viewQuery = spec.query ? spec.query(panel, viewState) : {};
  const query = { dashboard: dashboardId, ...range, ...controls, ...viewQuery };
  const path = panelDataPath(panel.id, query);
  // The batch brings the panel as first shown; the panel asks by itself when a person changed
  // its view (a table's sort or page) or when it refreshes on its own schedule.
  const changedView = Object.keys(viewState).length > 0;
  const ownRefresh =
    panel.refresh_interval && panel.refresh_interval !== dashboardRefresh ? panel.refresh_interval : 0;
  const batchData = batch.outcome && !("error" in batch.outcome) ? batch.outcome : undefined;
  const queryClient = useQueryClient();
  const seedable = !changedView && ownRefresh > 0 && batch.settled && batchData !== undefined;
  useEffect(() => {
    if (seedable) queryClient.setQueryData(["panel", path], batchData, { updatedAt: batch.updatedAt });
  }, [seedable, queryClient, path, batchData, batch.updatedAt]);
  const ownSeeded = queryClient.getQueryData(["panel", path]) !== undefined;
  const own = useQuery({
    queryKey: ["panel", path],
    queryFn: () => getJson<PanelAnswerBody>(path),
    // On its own schedule it starts from what the batch brought (put in above), so showing the
    // dashboard costs one request.
    enabled: standalone || changedView || (ownRefresh > 0 && ownSeeded),
    refetchInterval: ownRefresh ? ownRefresh * 1000 : false,
    staleTime: ownRefresh ? ownRefresh * 1000 : undefined,
    placeholderData: keepPreviousData,
  });
  const fromBatch = changedView ? undefined : batch.outcome;
  // The newer of the panel's own answer and the batch's (a dashboard refresh brings both).
  const shown: PanelOutcome | undefined =
    own.data && (!batchData || changedView || own.data.lastUpdatedAt >= batchData.lastUpdatedAt)
      ? own.data
      : fromBatch;
  const ownError = own.isError && !own.data;
  const failure = ownError
    ? plainError(own.error)
    : shown && "error" in shown
      ? plainError(shown.error)
      : !batch.settled || changedView || own.isFetching
        ? null
        : shown
          ? null
          : "This panel's data could not be loaded. Try refreshing.";
  const answer = shown && !("error" in shown) ? shown : undefined;
  const { row, col, width, height } = panel.position;
  const exportQuery = {
    dashboard: dashboardId,
    ...range,
    ...controls,
    sort: viewQuery.sort,
    order: viewQuery.order,
  };
  return (
    <section
      className={`panel panel-${panel.type}`}
      data-panel-id={panel.id}
      aria-label={panel.title}
      style={{
        gridColumn: `${col} / span ${width}`,
        gridRow: `${row} / span ${height}`,
        // Charts fill the rows they span; cards, tables and lists are as tall as their content.
        minHeight: spec.fillsHeight ? height * rowHeight : undefined,
      }}
    >
      <header className="panel-head">
        <h2 title={panel.description}>{panel.title}</h2>
        {own.isFetching ? <span className="spinner" role="status" aria-label="Loading" /> : null}
        {answer && (ownRefresh > 0 || standalone) ? <Ago iso={answer.lastUpdatedAt} /> : null}
        {standalone ? null : (
          <Link
            className="panel-report"
            to={`/r/${encodeURIComponent(dashboardId)}/${encodeURIComponent(panel.id)}${location.search}`}
            aria-label={`Open ${panel.title} as a report`}
            title="Open alone"
            data-testid="open-report"
          >
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <path
                d="M9 3h4v4M13 3L7.5 8.5M11 9.5V13H3V5h3.5"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.6"
                strokeLinecap="round"
                strokeLinejoin="round"
              />
            </svg>
          </Link>
        )}
        {exportFormats.length > 0 && answer ? (
          <details className="panel-menu">
            <summary aria-label={`Export ${panel.title}`} title="Export">
              <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                <path
                  d="M8 2v8m0 0L4.5 6.5M8 10l3.5-3.5M3 13h10"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="1.6"
                  strokeLinecap="round"
                  strokeLinejoin="round"
                />
              </svg>
            </summary>
            <ul>
              {exportFormats.map((format) => (
                <li key={format}>
                  <a
                    href={exportPath(panel.id, format, exportQuery)}
                    download
                    data-testid={`export-${format}`}
                    aria-label={`Export ${panel.title} as ${format.toUpperCase()}`}
                  >
                    {format.toUpperCase()}
                  </a>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </header>
      <div className="panel-body">
        {failure ? (
          <div className="panel-problem" role="alert">
            {failure}
          </div>
        ) : answer ? (
          <PanelBoundary resetKey={answer}>
            <View
              spec={spec}
              panel={panel}
              data={answer}
              viewState={viewState}
              onViewState={setViewState}
              numbers={numbers}
              onDrill={onDrill}
            />
          </PanelBoundary>
        ) : (
          <div className="skeleton" aria-busy="true" />
        )}
      </div>
    </section>
  );
}

/// The kind's own view of its data; data of another kind (a changed panel type) is not shown.
function View({
  spec,
  panel,
  data,
  viewState,
  onViewState,
  numbers,
  onDrill,
}: {
  spec: PanelKindSpec<PanelConfig["type"]>;
  panel: PanelConfig;
  data: PanelAnswerBody;
  viewState: ViewState;
  onViewState: (state: ViewState) => void;
  numbers: NumberStyle;
  onDrill?: (point: DrillPoint) => void;
}) {
  if (data.type !== panel.type) return <div className="skeleton" aria-busy="true" />;
  if (spec.isEmpty(data))
    return (
      <div className="empty" role="status">
        Nothing to show for this range. Try a wider range.
      </div>
    );
  const Component = spec.View as ComponentType<ViewProps<PanelConfig["type"]>>;
  return (
    <Component
      panel={panel}
      data={data}
      viewState={viewState}
      onViewState={onViewState}
      numbers={numbers}
      onDrill={onDrill}
    />
  );
}
