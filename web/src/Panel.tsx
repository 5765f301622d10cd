import { useState, type ComponentType } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getJson, panelDataPath } from "./api";
import type { PanelAnswerBody, PanelConfig, PanelData } from "./wire";
import { PANEL_KINDS } from "./panels";
import type { PanelKindSpec, ViewProps, ViewState } from "./panels/spec";

/** The range every panel of a dashboard is asked for: dates, a preset, a period or a fiscal year. */
export interface DateRange {
  start_date?: string;
  end_date?: string;
  preset?: string;
  period?: string;
  fy?: string;
}

export function Panel({
  dashboardId,
  panel,
  range,
  rowHeight,
}: {
  dashboardId: string;
  panel: PanelConfig;
  range: DateRange;
  rowHeight: number;
}) {
  const [viewState, setViewState] = useState<ViewState>({});
  // The kind's spec, widened: `panel.type` picks it, so panel, data and spec always agree.
  const spec = PANEL_KINDS[panel.type] as unknown as PanelKindSpec<PanelConfig["type"]>;
  const query = {
    dashboard: dashboardId,
    ...range,
    ...(spec.query ? spec.query(panel, viewState) : {}),
  };
  const path = panelDataPath(panel.id, query);
  const result = useQuery({
    queryKey: ["panel", path],
    queryFn: () => getJson<PanelAnswerBody>(path),
    refetchInterval: panel.refresh_interval ? panel.refresh_interval * 1000 : false,
    placeholderData: keepPreviousData,
  });
  const { row, col, width, height } = panel.position;
  return (
    <section
      className={`panel panel-${panel.type}`}
      data-panel-id={panel.id}
      style={{
        gridColumn: `${col} / span ${width}`,
        gridRow: `${row} / span ${height}`,
        minHeight: height * rowHeight,
      }}
    >
      <header className="panel-head">
        <h2 title={panel.description}>{panel.title}</h2>
        {result.isFetching ? <span className="spinner" aria-label="Loading" /> : null}
      </header>
      <div className="panel-body">
        {result.isError ? (
          <div className="error" role="alert">
            {result.error instanceof Error ? result.error.message : "The panel's data could not be loaded."}
          </div>
        ) : result.data ? (
          <View
            spec={spec}
            panel={panel}
            data={result.data}
            viewState={viewState}
            onViewState={setViewState}
          />
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
}: {
  spec: PanelKindSpec<PanelConfig["type"]>;
  panel: PanelConfig;
  data: PanelData;
  viewState: ViewState;
  onViewState: (state: ViewState) => void;
}) {
  if (data.type !== panel.type) return <div className="skeleton" aria-busy="true" />;
  const Component = spec.View as ComponentType<ViewProps<PanelConfig["type"]>>;
  return <Component panel={panel} data={data} viewState={viewState} onViewState={onViewState} />;
}
