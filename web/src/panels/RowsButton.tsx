import type { DrillPoint } from "./spec";

/// Opens the rows behind a single figure (a KPI, a gauge): it has no point to click on.
export function RowsButton({ title, onDrill }: { title: string; onDrill?: (point: DrillPoint) => void }) {
  if (!onDrill) return null;
  return (
    <button
      type="button"
      className="rows-button"
      data-testid="see-rows"
      aria-label={`See the rows behind ${title}`}
      onClick={() => onDrill({ label: "" })}
    >
      See the rows
    </button>
  );
}
