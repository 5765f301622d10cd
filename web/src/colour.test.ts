import { describe, expect, it } from "vitest";
import { contrast, luminance, readableOn } from "./colour";

describe("status colours", () => {
  it("carry text that meets AA contrast", () => {
    for (const status of ["#F59E0B", "#EF4444", "#10B981", "#2563EB", "#64748B", "#fff", "#000"]) {
      const text = readableOn(status);
      expect(contrast(luminance(status)!, luminance(text)!)).toBeGreaterThanOrEqual(4.5);
    }
    expect(readableOn("#F59E0B")).toBe("#111827");
    expect(readableOn("#1e3a8a")).toBe("#ffffff");
    expect(readableOn("not a colour")).toBe("#ffffff");
  });
});
