import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";
import { getJson } from "../api";
import type { ResolvedDashboard } from "../wire";
import { Panel, type DateRange } from "../Panel";

/// `#/d/<id>`: one dashboard, with its date range.
export function DashboardView() {
  const id = useParams().id ?? "";
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
