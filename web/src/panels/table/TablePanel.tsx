import { useMemo } from "react";
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from "@tanstack/react-table";
import { formatValue } from "../../format";
import type { NumberStyle } from "../../format";
import type { DataOf, ViewProps, ViewState } from "../spec";

type Row = DataOf<"table">["rows"][number];

export function TablePanel({ data, onViewState, numbers }: ViewProps<"table">) {
  return <PagedTable data={data} onChange={onViewState} numbers={numbers} />;
}

/// One page of a table the server sorts and pages (a table panel, a drill): the table only
/// shows the page and asks for another.
export function PagedTable({
  data,
  onChange,
  numbers,
}: {
  data: DataOf<"table">;
  onChange: (state: ViewState) => void;
  numbers: NumberStyle;
}) {
  const columns = useMemo<ColumnDef<Row>[]>(
    () =>
      data.columns.map((column) => ({
        id: column.key,
        accessorFn: (row: Row) => row[column.key],
        header: column.label,
        enableSorting: column.sortable,
        cell: (info) => formatValue(info.getValue() as Row[string], column.format, { style: numbers }),
        meta: {
          numeric: column.format !== "text" && column.format !== "datetime" && column.format !== "date",
        },
      })),
    [data.columns, numbers],
  );
  const sorting: SortingState = [{ id: data.sort, desc: data.order === "desc" }];
  const pageCount = Math.max(1, Math.ceil(data.total / data.page_size));
  const table = useReactTable({
    data: data.rows,
    columns,
    state: { sorting },
    manualSorting: true,
    manualPagination: true,
    pageCount,
    getCoreRowModel: getCoreRowModel(),
    onSortingChange: (updater) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      const first = next[0];
      // A third click on a header turns sorting off in TanStack; we flip direction instead.
      const order = first ? (first.desc ? "desc" : "asc") : data.order === "desc" ? "asc" : "desc";
      onChange({ sort: first?.id ?? data.sort, order, page: 1 });
    },
  });
  const firstRow = data.total === 0 ? 0 : (data.page - 1) * data.page_size + 1;
  const lastRow = Math.min(data.total, data.page * data.page_size);
  return (
    <div className="table-panel">
      <div className="table-scroll">
        <table>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const numeric = (header.column.columnDef.meta as { numeric?: boolean } | undefined)
                    ?.numeric;
                  return (
                    <th
                      key={header.id}
                      className={numeric ? "num" : undefined}
                      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
                    >
                      {header.column.getCanSort() ? (
                        <button type="button" onClick={header.column.getToggleSortingHandler()}>
                          {flexRender(header.column.columnDef.header, header.getContext())}
                          <span className="sort-mark">
                            {sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}
                          </span>
                        </button>
                      ) : (
                        flexRender(header.column.columnDef.header, header.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} data-testid="table-row">
                {row.getVisibleCells().map((cell) => {
                  const numeric = (cell.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric;
                  return (
                    <td key={cell.id} className={numeric ? "num" : undefined}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <span data-testid="table-range">
          {firstRow}–{lastRow} of {data.total.toLocaleString("en")}
        </span>
        <button
          type="button"
          disabled={data.page <= 1}
          onClick={() => onChange({ sort: data.sort, order: data.order, page: data.page - 1 })}
        >
          Previous
        </button>
        <span>
          Page {data.page} of {pageCount}
        </span>
        <button
          type="button"
          disabled={data.page >= pageCount}
          onClick={() => onChange({ sort: data.sort, order: data.order, page: data.page + 1 })}
        >
          Next
        </button>
      </div>
    </div>
  );
}
