// Text that stays readable on a status colour (WCAG relative luminance, AA contrast).

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** The relative luminance of `#rgb` or `#rrggbb`; `null` for any other colour. */
export function luminance(colour: string): number | null {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim())?.[1];
  if (!hex) return null;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** The contrast ratio of two luminances, 1 to 21. */
export function contrast(a: number, b: number): number {
  const [light, dark] = a > b ? [a, b] : [b, a];
  return (light + 0.05) / (dark + 0.05);
}

/** Near-black or white, whichever reads better on `background`. */
export function readableOn(background: string): string {
  const l = luminance(background);
  if (l === null) return "#ffffff";
  return contrast(l, 0) >= contrast(l, 1) ? "#111827" : "#ffffff";
}
