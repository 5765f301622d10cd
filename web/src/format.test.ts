// Unit tests of the formatting every panel uses (run by `npm test`, from tests/it/web.rs).
import { describe, expect, it } from "vitest";
import { formatAxis, formatValue } from "./format";

describe("formatValue", () => {
  it("shows a dash for missing values", () => {
    expect(formatValue(null)).toBe("–");
    expect(formatValue(undefined, "percent")).toBe("–");
  });

  it("keeps large amounts whole and small ones to two decimals", () => {
    expect(formatValue(1234567.891)).toBe("1,234,568");
    expect(formatValue(3.14159)).toBe("3.14");
    expect(formatValue(3.14159, "number", 4)).toBe("3.1416");
  });

  it("writes percents with one decimal unless told", () => {
    expect(formatValue(87.25, "percent")).toBe("87.3%");
    expect(formatValue(87.25, "percent", 0)).toBe("87%");
  });

  it("shows date-times without the T and the fraction", () => {
    expect(formatValue("2026-03-25T10:15:00.000Z", "datetime")).toBe("2026-03-25 10:15:00");
  });

  it("writes booleans as words", () => {
    expect(formatValue(true, "text")).toBe("yes");
    expect(formatValue(false)).toBe("no");
  });
});

describe("formatAxis", () => {
  it("writes compact numbers so axes stay narrow", () => {
    expect(formatAxis(70_000_000)).toBe("70M");
    expect(formatAxis(1500)).toBe("1.5K");
  });
});
