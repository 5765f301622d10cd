import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getJson, panelDataPath, type PanelConfig, type PanelData } from "./api";
import { KpiPanel } from "./panels/KpiPanel";
import { TimeSeriesPanel } from "./panels/TimeSeriesPanel";
import { TablePanel, type TableState } from "./panels/TablePanel";
import { BarPanel } from "./panels/BarPanel";
import { HealthPanel } from "./panels/HealthPanel";

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
  const [tableState, setTableState] = useState<TableState>({ page: 1 });
  const query = {
    dashboard: dashboardId,
    ...range,
    ...(panel.type === "table" ? { ...tableState, page_size: panel.display.page_size } : {}),
  };
  const path = panelDataPath(panel.id, query);
  const result = useQuery({
    queryKey: ["panel", path],
    queryFn: () => getJson<PanelData>(path),
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
          renderData(panel, result.data, setTableState)
        ) : (
          <div className="skeleton" aria-busy="true" />
        )}
      </div>
    </section>
  );
}

function renderData(panel: PanelConfig, data: PanelData, onTableChange: (state: TableState) => void) {
  switch (data.type) {
    case "kpi":
      return <KpiPanel panel={panel} data={data} />;
    case "timeseries":
      return <TimeSeriesPanel panel={panel} data={data} />;
    case "table":
      return <TablePanel data={data} onChange={onTableChange} />;
    case "bar":
      return <BarPanel panel={panel} data={data} />;
    case "health_status":
      return <HealthPanel data={data} />;
  }
}
