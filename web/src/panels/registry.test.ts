import { describe, expect, it } from "vitest";
import { PANEL_DEFAULT_SIZES, type PanelKind } from "../wire";
import { PANEL_KINDS } from ".";

const kinds = Object.keys(PANEL_DEFAULT_SIZES) as PanelKind[];

describe("the panel registry", () => {
  it("has a spec for every kind the server declares, under its own name", () => {
    expect(Object.keys(PANEL_KINDS).sort()).toEqual([...kinds].sort());
    for (const kind of kinds) expect(PANEL_KINDS[kind].kind).toBe(kind);
  });

  it("uses the server's default sizes", () => {
    for (const kind of kinds) expect(PANEL_KINDS[kind].defaultSize).toEqual(PANEL_DEFAULT_SIZES[kind]);
  });

  it("offers each field once, the dataset first", () => {
    for (const kind of kinds) {
      const fields = PANEL_KINDS[kind].fields;
      expect(fields[0]).toMatchObject({ in: "data_source", key: "dataset" });
      const names = fields.map((f) => `${f.in}.${f.key}`);
      expect(new Set(names).size).toBe(names.length);
      for (const field of fields) expect(field.label).not.toBe("");
    }
  });
});
