import { describe, expect, it } from "vitest";
import { controlQuery, controlsFromParams, withControl, withoutControls } from "./controls";

describe("filter controls in the URL", () => {
  it("reads repeated values and ignores other parameters and empty values", () => {
    const params = new URLSearchParams("fy=2024-2025&f.zone=NORTH&f.zone=WEST&f.channel=&f.entity=Acme");
    expect(controlsFromParams(params)).toEqual({ zone: ["NORTH", "WEST"], entity: ["Acme"] });
  });

  it("sets and clears one control, keeping the range", () => {
    const start = new URLSearchParams("fy=2024-2025&f.zone=NORTH");
    const set = withControl(start, "zone", ["EAST", "SOUTH"]);
    expect(set.toString()).toBe("fy=2024-2025&f.zone=EAST&f.zone=SOUTH");
    expect(withControl(set, "zone", []).toString()).toBe("fy=2024-2025");
    expect(withoutControls(new URLSearchParams("f.a=1&fy=x&f.b=2")).toString()).toBe("fy=x");
  });

  it("becomes the data endpoints' parameters", () => {
    expect(controlQuery({ zone: ["NORTH", "WEST"] })).toEqual({ "f.zone": ["NORTH", "WEST"] });
  });
});
