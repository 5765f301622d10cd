import { useState } from "react";
import { PERIODS, PRESETS, dayOf, fiscalYearLabel, fiscalYears, type DateRange } from "../range";

interface Draft {
  choice: string;
  start: string;
  end: string;
  fy: string;
}

function draftOf(range: DateRange): Draft {
  const choice = range.preset
    ? `preset:${range.preset}`
    : range.period
      ? `period:${range.period}`
      : range.fy
        ? "fy"
        : "";
  return { choice, start: dayOf(range.start_date), end: dayOf(range.end_date), fy: range.fy ?? "" };
}

/// The dashboard's range control: dates, a preset, a period to a date, or a fiscal year from a
/// list. Nothing changes until "Apply".
export function RangePicker({ range, onChange }: { range: DateRange; onChange: (range: DateRange) => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(range));
  const years = fiscalYears(new Date());
  if (draft.fy && !years.includes(draft.fy)) years.push(draft.fy);
  const usesDates = draft.choice === "" || draft.choice.startsWith("period:");
  const invalid = draft.choice === "" && draft.start !== "" && draft.end !== "" && draft.start > draft.end;

  return (
    <form
      className="range"
      onSubmit={(event) => {
        event.preventDefault();
        if (invalid) return;
        const end = draft.end ? `${draft.end}T23:59:59.999999Z` : undefined;
        const [kind, value] = draft.choice.split(":");
        if (kind === "preset") onChange({ preset: value });
        else if (kind === "period") onChange({ period: value, end_date: end });
        else if (kind === "fy") onChange({ fy: draft.fy || years[0] });
        else onChange({ start_date: draft.start ? `${draft.start}T00:00:00Z` : undefined, end_date: end });
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
          {Object.entries(PRESETS).map(([value, label]) => (
            <option key={value} value={`preset:${value}`}>
              {label}
            </option>
          ))}
          {Object.entries(PERIODS).map(([value, label]) => (
            <option key={value} value={`period:${value}`}>
              {label}
            </option>
          ))}
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
          <select
            aria-label="Fiscal year"
            value={draft.fy || years[0]}
            onChange={(e) => setDraft({ ...draft, fy: e.target.value })}
          >
            {years.map((fy) => (
              <option key={fy} value={fy}>
                {fiscalYearLabel(fy)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <button type="submit" disabled={invalid}>
        Apply
      </button>
      <button
        type="button"
        onClick={() => {
          setDraft(draftOf({}));
          onChange({});
        }}
      >
        All data
      </button>
      {invalid ? <span className="hint">The start date is after the end date.</span> : null}
    </form>
  );
}
