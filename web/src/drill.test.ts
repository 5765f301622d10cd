import { describe, expect, it } from "vitest";
import { drillFromParams, drillQuery, withDrill } from "./drill";

describe("a drill in the URL", () => {
  it("round-trips beside the range and filters, and closes cleanly", () => {
    const start = new URLSearchParams("fy=2024-2025&f.zone=NORTH");
    const drill = {
      panel: "trend",
      point: { value: "NORTH", at: "2025-01-01T00:00:00", grain: "month", label: "NORTH, Jan 2025" },
      by: "state",
      raw: false,
    };
    const opened = withDrill(start, drill);
    expect(drillFromParams(opened)).toEqual(drill);
    expect(opened.get("fy")).toBe("2024-2025");
    expect(withDrill(opened, null).toString()).toBe(start.toString());
    expect(drillFromParams(start)).toBeNull();
  });

  it("asks for raw rows without a grouping", () => {
    const raw = { panel: "zones", point: { value: "WEST", label: "WEST" }, by: "state", raw: true };
    const params = withDrill(new URLSearchParams(), raw);
    expect(params.get("dby")).toBeNull();
    expect(drillQuery(drillFromParams(params)!)).toEqual({
      value: "WEST",
      at: undefined,
      grain: undefined,
      by: undefined,
      rows: "raw",
    });
  });
});

describe("a drill table's view in the URL", () => {
  it("keeps its sort and page, and leaves page 1 out", () => {
    const drill = {
      panel: "zones",
      point: { value: "WEST", label: "WEST" },
      raw: true,
      sort: "record_id",
      order: "asc",
      page: 3,
    };
    const params = withDrill(new URLSearchParams(), drill);
    expect(params.get("dpage")).toBe("3");
    expect(drillFromParams(params)).toEqual(drill);
    expect(drillQuery(drill)).toMatchObject({ sort: "record_id", order: "asc", page: "3" });
    expect(withDrill(new URLSearchParams(), { ...drill, page: 1 }).get("dpage")).toBeNull();
    expect(drillFromParams(new URLSearchParams("drill=zones&dorder=sideways&dpage=x"))).toMatchObject({
      order: undefined,
      page: undefined,
    });
  });
});
