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

/// What a click on a chart hit: a data item (its series, name and index), or, between items,
/// the value under the axis pointer (a category's index, a time in milliseconds).
export interface ChartPick {
  seriesName?: string;
  name?: string;
  dataIndex?: number;
  axisValue?: number | string;
}

export function EChart({
  option,
  label,
  onPick,
}: {
  option: EChartsCoreOption;
  label: string;
  onPick?: (pick: ChartPick) => void;
}) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const theme = useContext(ThemeContext);
  const latest = useRef(option);
  latest.current = option;
  const pick = useRef(onPick);
  pick.current = onPick;

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
    // A click on an item names it; a click between items (beside a thin bar, on a line
    // without symbols) takes what the axis pointer is on.
    let axisValue: number | string | undefined;
    let pickedItem = false;
    instance.on("updateAxisPointer", (event) => {
      const info = (event as { axesInfo?: { value?: number | string }[] }).axesInfo;
      axisValue = info?.[0]?.value;
    });
    instance.on("click", (params) => {
      pickedItem = true;
      pick.current?.({
        seriesName: params.seriesName,
        name: params.name,
        dataIndex: params.dataIndex,
        axisValue,
      });
    });
    instance.getZr().on("click", () => {
      if (pickedItem) pickedItem = false;
      else if (axisValue !== undefined) pick.current?.({ axisValue });
    });
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

  return (
    <div
      className={onPick ? "chart pickable" : "chart"}
      ref={element}
      role="img"
      aria-label={label}
      data-testid="chart"
    />
  );
}
