// The workspace's look: its logo, colours and font, with a dashboard's own branding over it.
// Colours and the font go into CSS variables on `<html>`; charts read the palette from
// `BrandContext`. The fonts ship with the UI (they download only when chosen).
import { createContext, useContext, useEffect } from "react";
import "@fontsource/inter/latin-400.css";
import "@fontsource/inter/latin-600.css";
import "@fontsource/ibm-plex-sans/latin-400.css";
import "@fontsource/ibm-plex-sans/latin-600.css";
import "@fontsource/source-serif-4/latin-400.css";
import "@fontsource/source-serif-4/latin-600.css";
import { CATEGORY_COLOURS } from "./chartText";
import type { Branding, WorkspaceBranding } from "./wire";

const HEX = /^#[0-9a-f]{6}$/i;

/** The font stacks of the fonts the server accepts (`FONTS` in the Rust code). */
export const FONT_STACKS: Record<string, string> = {
  system: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  Inter: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  "IBM Plex Sans": '"IBM Plex Sans", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  "Source Serif 4": '"Source Serif 4", Georgia, "Times New Roman", serif',
};

/** What the page shows: the workspace's branding with a dashboard's own fields over it. */
export interface Look {
  primary: string | null;
  accent: string | null;
  font: string | null;
}

export function lookOf(workspace: WorkspaceBranding | undefined, dashboard?: Branding | null): Look {
  const colour = (value: string | null | undefined) => (value && HEX.test(value) ? value : null);
  return {
    primary: colour(dashboard?.primary_color) ?? colour(workspace?.primary_color),
    accent: colour(dashboard?.accent_color) ?? colour(workspace?.accent_color),
    font: [dashboard?.font, workspace?.font].find((f): f is string => !!f && f in FONT_STACKS) ?? null,
  };
}

/** Category colours: the brand's two first, then the default ones. */
export function paletteOf(look: Look): string[] {
  const brand = [look.primary, look.accent].filter((c): c is string => c !== null);
  const lower = new Set(brand.map((c) => c.toLowerCase()));
  return [...brand, ...CATEGORY_COLOURS.filter((c) => !lower.has(c.toLowerCase()))];
}

export const BrandContext = createContext<string[]>(CATEGORY_COLOURS);

/** The chart palette in force. */
export function usePalette(): string[] {
  return useContext(BrandContext);
}

/** Puts a look's colours and font on the page while `look` is current. */
export function useApplyLook(look: Look) {
  useEffect(() => {
    const style = document.documentElement.style;
    const set = (name: string, value: string | null) =>
      value ? style.setProperty(name, value) : style.removeProperty(name);
    set("--brand", look.primary);
    set("--brand-accent", look.accent);
    set("--font", look.font ? FONT_STACKS[look.font] : null);
  }, [look.primary, look.accent, look.font]);
}

/** The logo's address; it changes with the logo, so a new one is never an old cached one. */
export function logoPath(workspace: WorkspaceBranding | undefined): string | null {
  return workspace?.logo ? `/api/v1/branding/logo?v=${workspace.logo.digest.slice(0, 16)}` : null;
}
