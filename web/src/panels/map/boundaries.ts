// The maps' boundaries and ECharts' map series, loaded only when a map panel is shown. India's
// states come from `@svg-maps/india` (CC BY 4.0, Victor Cazanave), the world's countries from
// `world-atlas` (ISC; Natural Earth, public domain). Nothing is fetched at run time: both are
// part of the UI's own files.
import * as echarts from "echarts/core";
import { MapChart } from "echarts/charts";
import { VisualMapComponent } from "echarts/components";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import indiaMap from "@svg-maps/india";
import world from "world-atlas/countries-110m.json";
import type { MapName } from "../../wire";

echarts.use([MapChart, VisualMapComponent]);

/** The package's shape (its own types name a package that is not installed). */
const india = indiaMap as unknown as {
  viewBox: string;
  locations: { name: string; id: string; path: string }[];
};

/** Where each map's boundaries came from, shown under the map. */
export const CREDITS: Record<MapName, string> = {
  india_states: "Map: svg-maps/india by Victor Cazanave, CC BY 4.0",
  world_countries: "Map: Natural Earth via world-atlas",
};

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

const registered = new Map<MapName, Set<string>>();

/** Registers `map` with ECharts (once) and returns the names of its regions. */
export function register(map: MapName): Set<string> {
  const known = registered.get(map);
  if (known) return known;
  let names: string[];
  if (map === "india_states") {
    const paths = india.locations
      .map((l) => `<path name="${escape(l.name)}" d="${escape(l.path)}"/>`)
      .join("");
    echarts.registerMap(map, {
      svg: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${india.viewBox}">${paths}</svg>`,
    });
    names = india.locations.map((l) => l.name);
  } else {
    const topology = world as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
    const countries = feature(topology, topology.objects.countries);
    echarts.registerMap(map, countries as unknown as Parameters<typeof echarts.registerMap>[1]);
    names = countries.features.map((f) => f.properties?.name ?? "");
  }
  const set = new Set(names);
  registered.set(map, set);
  return set;
}
