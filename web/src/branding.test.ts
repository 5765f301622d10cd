import { describe, expect, it } from "vitest";
import { CATEGORY_COLOURS } from "./chartText";
import { lookOf, paletteOf } from "./branding";

describe("branding", () => {
  it("puts a dashboard's own fields over the workspace's and drops what is not a colour", () => {
    const look = lookOf(
      { primary_color: "#C2410C", accent_color: "#123456", font: "IBM Plex Sans" },
      { primary_color: "#0B5FFF", accent_color: "red", font: "Comic Sans" },
    );
    expect(look).toEqual({ primary: "#0B5FFF", accent: "#123456", font: "IBM Plex Sans" });
    expect(lookOf(undefined, null)).toEqual({ primary: null, accent: null, font: null });
  });

  it("starts the chart palette with the brand's colours, without repeating one", () => {
    expect(paletteOf({ primary: "#C2410C", accent: null, font: null }).slice(0, 2)).toEqual([
      "#C2410C",
      CATEGORY_COLOURS[0],
    ]);
    const same = paletteOf({ primary: CATEGORY_COLOURS[1].toLowerCase(), accent: null, font: null });
    expect(same.filter((c) => c.toLowerCase() === CATEGORY_COLOURS[1].toLowerCase())).toHaveLength(1);
    expect(paletteOf({ primary: null, accent: null, font: null })).toEqual(CATEGORY_COLOURS);
  });
});
