import { lazy, Suspense, useMemo } from "react";
import type { ViewProps } from "../spec";

/// The map with its boundaries, loaded only when a map is on screen.
const Drawn = lazy(() => import("./DrawnMap"));

export function MapPanel(props: ViewProps<"map">) {
  // A placeholder while the boundaries load: the page says the panel is still busy.
  const fallback = useMemo(() => <div className="skeleton" aria-busy="true" />, []);
  return (
    <Suspense fallback={fallback}>
      <Drawn {...props} />
    </Suspense>
  );
}
