// The dashboard's filter controls in the page's URL: `f.<id>=value`, repeated for several
// values, as the data endpoints take them; so a filtered view is a link.

/** Control id → the values set, for the controls that are set. */
export type ControlValues = Record<string, string[]>;

const PREFIX = "f.";

export function controlsFromParams(params: URLSearchParams): ControlValues {
  const values: ControlValues = {};
  for (const [key, value] of params) {
    if (!key.startsWith(PREFIX) || value === "") continue;
    const id = key.slice(PREFIX.length);
    (values[id] ??= []).push(value);
  }
  return values;
}

/** `params` with one control set to `values` (none clears it). */
export function withControl(params: URLSearchParams, id: string, values: string[]): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete(PREFIX + id);
  for (const value of values) if (value !== "") next.append(PREFIX + id, value);
  return next;
}

/** `params` without any control. */
export function withoutControls(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams();
  for (const [key, value] of params) if (!key.startsWith(PREFIX)) next.append(key, value);
  return next;
}

/** The query parameters the data endpoints take for the set controls. */
export function controlQuery(values: ControlValues): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([id, list]) => [PREFIX + id, list]));
}
