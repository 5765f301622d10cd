import type { ReactNode } from "react";
import { formatValue } from "../../format";
import type { TextBlock, TextSpan } from "../../wire";
import type { ViewProps } from "../spec";

/// Only web links become links; the server keeps no other, and this check keeps it so.
const WEB_LINK = /^https?:\/\//i;

/// The server's card, built from its nodes as React elements: no HTML string is ever set, so
/// nothing in a template or in the data can become markup.
export function TextCard({ panel, data, numbers }: ViewProps<"custom_template">) {
  const values = panel.data_source.values;
  const number = (index: number, value: number | null) => {
    if (value === null) return "no value";
    const format = values[index]?.format ?? panel.display.format ?? "number";
    return formatValue(value, format, { decimals: panel.display.decimals, style: numbers, short: true });
  };

  const spans = (list: TextSpan[]): ReactNode[] =>
    list.map((span, i) => {
      switch (span.type) {
        case "text":
          return span.text;
        case "strong":
          return <strong key={i}>{spans(span.text)}</strong>;
        case "emphasis":
          return <em key={i}>{spans(span.text)}</em>;
        case "code":
          return <code key={i}>{span.text}</code>;
        case "link":
          return WEB_LINK.test(span.href) ? (
            <a key={i} href={span.href} target="_blank" rel="noopener noreferrer nofollow">
              {spans(span.text)}
            </a>
          ) : (
            <span key={i}>{spans(span.text)}</span>
          );
        case "value":
          return (
            <span key={i} className="card-value" data-testid="card-value">
              {number(span.index, span.value)}
            </span>
          );
        case "break":
          return <br key={i} />;
      }
    });

  const blocks = (list: TextBlock[]): ReactNode[] =>
    list.map((block, i) => {
      switch (block.type) {
        case "heading": {
          // A card sits under the panel's own title (an h2): its headings start below it.
          const Tag = `h${Math.min(6, block.level + 2)}` as "h3";
          return <Tag key={i}>{spans(block.text)}</Tag>;
        }
        case "paragraph":
          return <p key={i}>{spans(block.text)}</p>;
        case "list": {
          const items = block.items.map((item, j) => <li key={j}>{blocks(item)}</li>);
          return block.ordered ? (
            <ol key={i} start={block.start ?? undefined}>
              {items}
            </ol>
          ) : (
            <ul key={i}>{items}</ul>
          );
        }
        case "quote":
          return <blockquote key={i}>{blocks(block.blocks)}</blockquote>;
        case "code":
          return (
            <pre key={i}>
              <code>{block.text}</code>
            </pre>
          );
        case "rule":
          return <hr key={i} />;
      }
    });

  return (
    <div className="text-card" data-testid="text-card">
      {blocks(data.blocks)}
    </div>
  );
}
