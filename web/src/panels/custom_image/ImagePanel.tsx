import { useEffect, useState } from "react";
import { formatBucket, formatValue } from "../../format";
import type { ViewProps } from "../spec";

/// The server's SVG shown as an image (an image runs no script), with its numbers in words
/// beside it in the panel's format.
export function ImagePanel({ panel, data, numbers }: ViewProps<"custom_image">) {
  const [source, setSource] = useState<string>();
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([data.svg], { type: "image/svg+xml" }));
    setSource(url);
    return () => URL.revokeObjectURL(url);
  }, [data.svg]);
  const format = panel.display.format ?? "number";
  const text = (value: number | null) =>
    formatValue(value, format, { decimals: panel.display.decimals, style: numbers, short: true });
  const last = data.points[data.points.length - 1];
  const words =
    data.image === "bullet"
      ? `${text(data.value)} of ${text(data.target)}${
          data.attainment !== null ? ` · ${data.attainment.toFixed(1)}%` : ""
        }`
      : last
        ? `${text(data.value)} in ${formatBucket(last[0], panel.data_source.grain ?? "month", numbers.locale)}`
        : "";
  return (
    <figure className={`image-panel image-${data.image}`}>
      {source ? <img src={source} alt={`${panel.title}: ${words}`} data-testid="panel-image" /> : null}
      <figcaption data-testid="image-words">{words}</figcaption>
    </figure>
  );
}
