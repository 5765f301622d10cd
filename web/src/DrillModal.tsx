// The rows behind a point of a chart, in a modal dialog: the groups by another column with a
// chart of them, or the raw rows, in a table the server sorts and pages. Loaded only when a
// person first drills.
import { useEffect, useMemo, useRef } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { drillPath, exportPath, getJson, plainError } from "./api";
import { EChart } from "./EChart";
import { formatAxis, formatValue, type NumberStyle } from "./format";
import { axisTooltip } from "./chartText";
import { drillQuery, type DrillState } from "./drill";
import { PagedTable } from "./panels/table/TablePanel";
import type { ViewState } from "./panels/spec";
import type { DrillAnswerBody, PanelConfig } from "./wire";
import type { DateRange } from "./range";

type TableAnswer = Extract<DrillAnswerBody, { type: "table" }>;

export default function DrillModal({
  dashboardId,
  panel,
  range,
  controls,
  drill,
  numbers,
  exportFormats,
  onChange,
  onClose,
}: {
  dashboardId: string;
  panel: PanelConfig;
  range: DateRange;
  controls: Record<string, string[]>;
  drill: DrillState;
  numbers: NumberStyle;
  exportFormats: string[];
  onChange: (drill: DrillState) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const node = dialog.current;
    if (node && !node.open) node.showModal();
  }, []);
  // The table's sort and page are in the URL with the drill; another grouping starts them
  // afresh.
  const regroup = (next: DrillState) =>
    onChange({ ...next, sort: undefined, order: undefined, page: undefined });
  const setView = (view: ViewState) =>
    onChange({
      ...drill,
      sort: view.sort === undefined ? undefined : String(view.sort),
      order: view.order === undefined ? undefined : String(view.order),
      page: typeof view.page === "number" ? view.page : undefined,
    });
  const query = { dashboard: dashboardId, ...range, ...controls, ...drillQuery(drill) };
  const path = drillPath(panel.id, query);
  const answer = useQuery({
    queryKey: ["drill", path],
    queryFn: () => getJson<DrillAnswerBody>(path),
    placeholderData: keepPreviousData,
  });
  const data = answer.data?.type === "table" ? (answer.data as TableAnswer) : undefined;
  const by = drill.raw ? undefined : (data?.by ?? undefined);
  const byLabel = data?.choices.find((c) => c.name === by)?.label ?? by ?? "";

  return (
    <dialog
      ref={dialog}
      className="drill"
      aria-labelledby="drill-title"
      onClose={onClose}
      data-testid="drill"
    >
      <header className="drill-head">
        <h2 id="drill-title">
          {panel.title}
          {drill.point.label ? `: ${drill.point.label}` : ""}
        </h2>
        <button
          type="button"
          className="drill-close"
          onClick={() => dialog.current?.close()}
          aria-label="Close"
        >
          ×
        </button>
      </header>
      <div className="drill-tools">
        <div className="segmented" role="group" aria-label="Show">
          <button
            type="button"
            aria-pressed={!drill.raw}
            onClick={() => regroup({ ...drill, raw: false })}
            data-testid="drill-grouped"
          >
            Groups
          </button>
          <button
            type="button"
            aria-pressed={drill.raw}
            onClick={() => regroup({ ...drill, raw: true })}
            data-testid="drill-raw"
          >
            Rows
          </button>
        </div>
        {!drill.raw && data ? (
          <label>
            Group by{" "}
            <select
              value={by ?? ""}
              onChange={(event) => regroup({ ...drill, by: event.target.value })}
              data-testid="drill-by"
            >
              {data.choices.map((choice) => (
                <option key={choice.name} value={choice.name}>
                  {choice.label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {answer.isFetching ? <span className="spinner" role="status" aria-label="Loading" /> : null}
        <span className="drill-exports">
          {exportFormats.map((format) => (
            <a
              key={format}
              // Every row in the table's order, whatever page is shown.
              href={exportPath(panel.id, format, { ...query, drill: "true", page: undefined })}
              download
              data-testid={`drill-export-${format}`}
            >
              {format.toUpperCase()}
            </a>
          ))}
        </span>
      </div>
      {answer.isError && !data ? (
        <div className="panel-problem" role="alert">
          {plainError(answer.error)}
        </div>
      ) : data ? (
        <div className="drill-body">
          {!drill.raw && data.rows.length > 0 ? (
            <GroupChart data={data} by={by ?? ""} byLabel={byLabel} numbers={numbers} />
          ) : null}
          {data.rows.length === 0 ? (
            <div className="empty" role="status">
              No rows behind this point.
            </div>
          ) : (
            <PagedTable data={data} onChange={setView} numbers={numbers} />
          )}
        </div>
      ) : (
        <div className="skeleton" aria-busy="true" />
      )}
    </dialog>
  );
}

/// Bars the chart shows at most: the largest groups of the page when sorted by the measure.
const CHART_BARS = 12;

/// The groups of this page as bars of their first measure.
function GroupChart({
  data,
  by,
  byLabel,
  numbers,
}: {
  data: TableAnswer;
  by: string;
  byLabel: string;
  numbers: NumberStyle;
}) {
  const measure = data.columns.find((c) => c.key !== by);
  const option = useMemo(() => {
    const format = measure?.format ?? "number";
    const rows = data.rows.slice(0, CHART_BARS);
    const names = rows.map((row) => String(row[by] ?? "(none)"));
    const values = rows.map((row) => {
      const value = measure ? row[measure.key] : null;
      return typeof value === "number" ? value : null;
    });
    return {
      color: ["#2563EB"],
      animation: false,
      tooltip: {
        trigger: "axis",
        formatter: axisTooltip(
          (name) => String(name),
          (value) => formatValue(value, format, { style: numbers }),
        ),
      },
      grid: { left: 120, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", axisLabel: { formatter: (v: number) => formatAxis(v, format, numbers) } },
      yAxis: {
        type: "category",
        inverse: true,
        data: names,
        axisLabel: { width: 110, overflow: "truncate" },
      },
      series: [{ name: measure?.label ?? "", type: "bar", data: values }],
    };
  }, [data, by, measure, numbers]);
  if (!measure) return null;
  return (
    <div className="drill-chart" style={{ height: 40 + Math.min(CHART_BARS, data.rows.length) * 22 }}>
      <EChart option={option} label={`${measure.label} by ${byLabel}`} />
    </div>
  );
}
