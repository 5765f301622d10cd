import { describe, expect, it } from "vitest";
import { describeRange, fiscalYearLabel, fiscalYears, rangeFromParams, withRange } from "./range";
import { agoText } from "./Ago";

describe("ranges", () => {
  it("go into the URL and come back unchanged, leaving other keys alone", () => {
    const params = new URLSearchParams("zone=NORTH&preset=last_7d");
    const next = withRange(params, {
      start_date: "2024-04-01T00:00:00Z",
      end_date: "2025-03-31T23:59:59.999999Z",
    });
    expect(next.get("zone")).toBe("NORTH");
    expect(next.get("preset")).toBeNull();
    expect(rangeFromParams(next)).toEqual({
      start_date: "2024-04-01T00:00:00Z",
      end_date: "2025-03-31T23:59:59.999999Z",
    });
  });

  it("are restated in words", () => {
    expect(describeRange({})).toBe("All data");
    expect(describeRange({ preset: "last_7d" })).toBe("Last 7 days");
    expect(describeRange({ fy: "2024-2025" })).toBe("FY 2024-25");
    expect(
      describeRange({ start_date: "2024-04-01T00:00:00Z", end_date: "2025-03-31T23:59:59Z" }, "en-GB"),
    ).toBe("1 Apr 2024 – 31 Mar 2025");
    expect(describeRange({ period: "ytd", end_date: "2025-06-30T23:59:59Z" }, "en-GB")).toBe(
      "Year to date, up to 30 Jun 2025",
    );
  });

  it("offer the current fiscal year first", () => {
    expect(fiscalYears(new Date(2026, 11, 3), 3)).toEqual(["2026-2027", "2025-2026", "2024-2025"]);
    expect(fiscalYears(new Date(2026, 2, 31), 2)).toEqual(["2025-2026", "2024-2025"]);
    expect(fiscalYearLabel("2099-2100")).toBe("FY 2099-00");
  });
});

describe("ago", () => {
  it("counts seconds, then minutes and hours", () => {
    const now = Date.UTC(2026, 0, 1, 12);
    expect(agoText(now - 2000, now)).toBe("just now");
    expect(agoText(now - 42_000, now)).toBe("42 s ago");
    expect(agoText(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(agoText(now - 3 * 3_600_000, now)).toBe("3 h ago");
  });
});
