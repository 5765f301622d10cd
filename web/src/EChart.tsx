// A thin React wrapper around Apache ECharts. Only the chart types and components the panels
// use are registered, which keeps the embedded bundle small.
import { useContext, useEffect, useRef } from "react";
import { ThemeContext } from "./theme";
import * as echarts from "echarts/core";
import { BarChart, GaugeChart, LineChart, PieChart, ScatterChart } from "echarts/charts";
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { EChartsCoreOption } from "echarts/core";

echarts.use([
  LineChart,
  BarChart,
  PieChart,
  GaugeChart,
  ScatterChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  CanvasRenderer,
]);

export function EChart({ option, label }: { option: EChartsCoreOption; label: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const theme = useContext(ThemeContext);
  const latest = useRef(option);
  latest.current = option;

  useEffect(() => {
    const node = element.current;
    if (!node) return;
    // ECharts' own dark theme for dark pages; the page shows through the chart.
    const instance = echarts.init(node, theme === "dark" ? "dark" : undefined, { renderer: "canvas" });
    node.setAttribute("data-theme", theme);
    instance.setOption({ backgroundColor: "transparent", ...latest.current }, { notMerge: true });
    chart.current = instance;
    // Browser tests wait for this marker instead of sleeping.
    instance.on("finished", () => node.setAttribute("data-rendered", "true"));
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(node);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [theme]);

  useEffect(() => {
    chart.current?.setOption({ backgroundColor: "transparent", ...option }, { notMerge: true });
  }, [option]);

  return <div className="chart" ref={element} role="img" aria-label={label} data-testid="chart" />;
}
