// Unit tests of the formatting every panel uses (run by `npm test`, from tests/it/web.rs).
import { describe, expect, it } from "vitest";
import { formatAxis, formatBucket, formatValue, numberStyle } from "./format";

describe("formatValue", () => {
  it("shows a dash for missing values", () => {
    expect(formatValue(null)).toBe("–");
    expect(formatValue(undefined, "percent")).toBe("–");
  });

  it("keeps large amounts whole and small ones to two decimals", () => {
    expect(formatValue(1234567.891)).toBe("1,234,568");
    expect(formatValue(3.14159)).toBe("3.14");
    expect(formatValue(3.14159, "number", { decimals: 4 })).toBe("3.1416");
  });

  it("writes percents with one decimal unless told", () => {
    expect(formatValue(87.25, "percent")).toBe("87.3%");
    expect(formatValue(87.25, "percent", { decimals: 0 })).toBe("87%");
  });

  it("shows date-times in the reader's locale, without the T and the fraction", () => {
    const text = formatValue("2026-03-25T10:15:00.000Z", "datetime", { style: { locale: "en-GB" } });
    expect(text).toMatch(/^25 Mar 2026, \d\d:\d\d$/);
    expect(formatValue("2026-03-25", "date", { style: { locale: "en-GB" } })).toBe("25 Mar 2026");
  });

  it("writes money in the dashboard's currency, rupees in lakhs and crores", () => {
    const inr = numberStyle("INR");
    expect(formatValue(285417593.21999985, "currency", { style: inr })).toBe("₹28,54,17,593");
    expect(formatValue(285417593.21999985, "currency", { style: inr, short: true })).toBe("₹28.54Cr");
    expect(formatValue(40547.5, "currency", { style: inr, short: true })).toBe("₹40,548");
    const usd = { currency: "USD", locale: "en-US" };
    expect(formatValue(1234567, "currency", { style: usd, short: true })).toBe("$1.23M");
    expect(formatValue(12.5, "currency", { style: usd })).toBe("$12.50");
    // An unknown code does not break the panel.
    expect(formatValue(12, "currency", { style: { currency: "NOT A CODE" } })).toBe("12");
  });

  it("writes booleans as words", () => {
    expect(formatValue(true, "text")).toBe("yes");
    expect(formatValue(false)).toBe("no");
  });
});

describe("formatAxis", () => {
  it("writes compact numbers so axes stay narrow", () => {
    expect(formatAxis(70_000_000, "number", { locale: "en-US" })).toBe("70M");
    expect(formatAxis(1500, "number", { locale: "en-US" })).toBe("1.5K");
    expect(formatAxis(70_000_000, "currency", numberStyle("INR"))).toBe("₹7Cr");
  });
});

describe("formatBucket", () => {
  it("labels a bucket as its grain names it", () => {
    expect(formatBucket("2025-01-01T00:00:00", "month", "en-GB")).toBe("Jan 2025");
    expect(formatBucket(Date.UTC(2025, 3, 1), "quarter")).toBe("Q2 2025");
    expect(formatBucket("2025-12-03T00:00:00Z", "day", "en-GB")).toBe("3 Dec 2025");
    expect(formatBucket("2025-01-01T00:00:00Z", "year")).toBe("2025");
  });
});
