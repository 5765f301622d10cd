import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { controlOptionsPath, getJson } from "../api";
import type { ControlValues } from "../controls";
import type { ControlOptions, FilterControl } from "../wire";

interface Props {
  dashboardId: string;
  controls: FilterControl[];
  values: ControlValues;
  onChange: (id: string, values: string[]) => void;
  onClear: () => void;
}

/// The dashboard's filter controls above the grid. Options come from the server, read under
/// the person's row policy; a change goes into the URL and every panel follows.
export function FilterBar({ dashboardId, controls, values, onChange, onClear }: Props) {
  const anySet = Object.keys(values).length > 0;
  return (
    <div className="filter-bar" data-testid="filter-bar">
      {controls.map((control) => {
        const props = {
          dashboardId,
          control,
          values: values[control.id] ?? [],
          onChange: (next: string[]) => onChange(control.id, next),
        };
        switch (control.kind) {
          case "select":
            return <SelectControl key={control.id} {...props} />;
          case "multi_select":
            return <MultiSelectControl key={control.id} {...props} />;
          case "search":
            return <SearchControl key={`${control.id}:${props.values.join()}`} {...props} />;
          case "range":
            return <RangeControl key={`${control.id}:${props.values.join()}`} {...props} />;
        }
      })}
      {anySet ? (
        <button type="button" className="link-button" onClick={onClear} data-testid="clear-filters">
          Clear filters
        </button>
      ) : null}
    </div>
  );
}

interface ControlProps {
  dashboardId: string;
  control: FilterControl;
  values: string[];
  onChange: (values: string[]) => void;
}

function label(control: FilterControl) {
  return control.label || control.column;
}

function useOptions(dashboardId: string, control: FilterControl, enabled = true) {
  const path = controlOptionsPath(dashboardId, control.id);
  return useQuery({
    queryKey: ["control-options", path],
    queryFn: () => getJson<ControlOptions>(path),
    staleTime: 5 * 60_000,
    enabled,
  });
}

function SelectControl({ dashboardId, control, values, onChange }: ControlProps) {
  const options = useOptions(dashboardId, control);
  const current = values[0] ?? "";
  // A value from a link that the list lacks still shows as chosen.
  const list = options.data?.values ?? [];
  const shown = current && !list.includes(current) ? [current, ...list] : list;
  return (
    <label className="control">
      <span>{label(control)}</span>
      <select
        aria-label={label(control)}
        value={current}
        onChange={(e) => onChange(e.target.value ? [e.target.value] : [])}
      >
        <option value="">All</option>
        {shown.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
    </label>
  );
}

function MultiSelectControl({ dashboardId, control, values, onChange }: ControlProps) {
  const [open, setOpen] = useState(false);
  const options = useOptions(dashboardId, control, open || values.length > 0);
  const list = options.data?.values ?? [];
  const shown = [...values.filter((v) => !list.includes(v)), ...list];
  const summary =
    values.length === 0 ? "All" : values.length <= 2 ? values.join(", ") : `${values.length} chosen`;
  const toggle = (value: string, on: boolean) =>
    onChange(on ? [...values, value] : values.filter((v) => v !== value));
  return (
    <details className="control multi" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary aria-label={`${label(control)}: ${summary}`}>
        <span>{label(control)}</span> <b>{summary}</b>
      </summary>
      <div className="multi-options" role="group" aria-label={label(control)}>
        {options.isLoading ? <span className="muted">Loading…</span> : null}
        {shown.map((value) => (
          <label key={value}>
            <input
              type="checkbox"
              checked={values.includes(value)}
              onChange={(e) => toggle(value, e.target.checked)}
            />
            {value}
          </label>
        ))}
        {options.data?.truncated ? <span className="muted">More values exist than shown.</span> : null}
      </div>
    </details>
  );
}

function SearchControl({ control, values, onChange }: ControlProps) {
  const [text, setText] = useState(values[0] ?? "");
  return (
    <form
      className="search-control"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(text.trim() ? [text.trim()] : []);
      }}
    >
      <label className="control">
        <span>{label(control)}</span>
        <input
          type="search"
          value={text}
          placeholder="contains…"
          onChange={(e) => setText(e.target.value)}
          onBlur={() => {
            if (text.trim() !== (values[0] ?? "")) onChange(text.trim() ? [text.trim()] : []);
          }}
        />
      </label>
    </form>
  );
}

function RangeControl({ dashboardId, control, values, onChange }: ControlProps) {
  const options = useOptions(dashboardId, control);
  const [from0, to0] = (values[0] ?? "..").split("..");
  const [from, setFrom] = useState(from0 ?? "");
  const [to, setTo] = useState(to0 ?? "");
  const apply = () => onChange(from || to ? [`${from}..${to}`] : []);
  const hint = (value: unknown) => (value === null || value === undefined ? "" : String(value));
  return (
    <fieldset className="control range">
      <legend>{label(control)}</legend>
      <input
        aria-label={`${label(control)} from`}
        inputMode="decimal"
        value={from}
        placeholder={hint(options.data?.min)}
        onChange={(e) => setFrom(e.target.value)}
        onBlur={apply}
      />
      <span aria-hidden="true">–</span>
      <input
        aria-label={`${label(control)} to`}
        inputMode="decimal"
        value={to}
        placeholder={hint(options.data?.max)}
        onChange={(e) => setTo(e.target.value)}
        onBlur={apply}
      />
    </fieldset>
  );
}
