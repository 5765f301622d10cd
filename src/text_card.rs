//! Text cards: a template filled with a query's values, then read as Markdown into a document
//! of a few safe nodes. Nothing here writes HTML: the browser builds the page from the nodes,
//! so no markup or script in a template or in the data can reach it.
//!
//! Three rules keep the output safe whatever the template and the data hold:
//! - every value goes through one formatter that escapes Markdown (a region named `<b>` or
//!   `[x](javascript:…)` stays that text), and no template can name another formatter;
//! - numbers travel as markers the formatter writes and the reader turns into value nodes,
//!   which the browser formats in the card's number format and the workspace's currency;
//! - the reader keeps headings, paragraphs, emphasis, lists, quotes, code, rules and links to
//!   `http(s)` only; HTML shows as text and an image as its description (nothing is fetched).
//!
//! The template language is `upon`'s: `{{ name }}`, `{% for row in rows %}…{% endfor %}`,
//! `{% if name %}…{% endif %}`, `{# comment #}`. A loop inside a loop is refused, since rows
//! times rows is how a short template turns into hours of work.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use upon::{Engine, Value};

/// The longest filled template, in bytes, before it is read as Markdown.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024;
/// Nesting (quotes in lists in quotes…) deeper than this is flattened into its parent.
const MAX_DEPTH: usize = 8;
/// A number's marker: `OPEN index|value CLOSE`. Private-use characters, removed from the
/// template and the data before anything is filled in, so only the formatter writes them.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// A block of a text card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TextBlock {
    Heading {
        level: u8,
        text: Vec<TextSpan>,
    },
    Paragraph {
        text: Vec<TextSpan>,
    },
    List {
        ordered: bool,
        /// The first number of an ordered list.
        start: Option<u64>,
        items: Vec<Vec<TextBlock>>,
    },
    Quote {
        blocks: Vec<TextBlock>,
    },
    Code {
        text: String,
    },
    Rule,
}

/// A run of text inside a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TextSpan {
    Text {
        text: String,
    },
    Strong {
        text: Vec<TextSpan>,
    },
    Emphasis {
        text: Vec<TextSpan>,
    },
    Code {
        text: String,
    },
    /// A link; `href` is always `http://` or `https://`.
    Link {
        href: String,
        text: Vec<TextSpan>,
    },
    /// One of the card's values (`index` into its `values`), for the viewer to format.
    Value {
        index: u32,
        value: Option<f64>,
    },
    Break,
}

/// Why a template cannot be filled, with its place in the template when known (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "template line {line}, column {column}: {}", self.message)
            }
            _ => write!(f, "template: {}", self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

impl TemplateError {
    fn plain(message: impl Into<String>) -> Self {
        Self {
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// Reads `upon`'s error: its alternate form ends with `--> name:line:column` and
    /// `reason: …`; without them the plain form is the message.
    fn from_upon(error: &upon::Error) -> Self {
        let pretty = format!("{error:#}");
        let position = pretty
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("--> "))
            .and_then(|at| {
                let mut parts = at.rsplitn(3, ':');
                let column = parts.next()?.trim().parse().ok()?;
                let line = parts.next()?.trim().parse().ok()?;
                Some((line, column))
            });
        let reason = pretty
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("= reason: "))
            .map(str::to_owned);
        match (position, reason) {
            (Some((line, column)), Some(reason)) => Self {
                line: Some(line),
                column: Some(column),
                message: reason,
            },
            _ => Self::plain(error.to_string()),
        }
    }
}

/// One row of a card's loop: the dimension's value and the card's values for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CardRow {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// What a template is filled with: value names (in the source's order) and their totals,
/// and the loop's rows under the dimension's name.
pub struct CardData<'a> {
    pub names: &'a [&'a str],
    pub totals: &'a [Option<f64>],
    pub rows: Option<(&'a str, &'a [CardRow])>,
}

/// Checks a template when a dashboard is saved: its syntax, that no loop sits inside another,
/// and that every name it uses exists (by filling it with zeros and one sample row).
pub fn check(
    template: &str,
    names: &[&str],
    rows_by: Option<&str>,
    max_bytes: usize,
) -> Result<(), TemplateError> {
    if template.len() > max_bytes {
        return Err(TemplateError::plain(format!(
            "the template is {} bytes; the limit is {max_bytes}",
            template.len()
        )));
    }
    let totals = vec![Some(0.0); names.len()];
    let sample = [CardRow {
        label: "sample".into(),
        values: totals.clone(),
    }];
    render(
        template,
        &CardData {
            names,
            totals: &totals,
            rows: rows_by.map(|by| (by, &sample[..])),
        },
    )
    .map(drop)
}

/// Fills a template and reads it into blocks.
pub fn render(template: &str, data: &CardData<'_>) -> Result<Vec<TextBlock>, TemplateError> {
    let template: String = template
        .chars()
        .filter(|&c| c != OPEN && c != CLOSE)
        .collect();
    if template.trim().is_empty() {
        return Err(TemplateError::plain("the template is empty"));
    }
    nested_loop(&template)?;
    let mut engine = Engine::new();
    engine.set_default_formatter(&write_value);
    engine.set_max_include_depth(0);
    let compiled = engine
        .compile(template.as_str())
        .map_err(|e| TemplateError::from_upon(&e))?;
    let context = context(data);
    let mut out = Capped::default();
    let rendered = compiled.render_from(&engine, &context).to_writer(&mut out);
    if out.over {
        return Err(TemplateError::plain(format!(
            "the filled template is longer than {} KB: show fewer rows or less text",
            MAX_OUTPUT_BYTES / 1024
        )));
    }
    rendered.map_err(|e| TemplateError::from_upon(&e))?;
    let text = String::from_utf8(out.bytes)
        .map_err(|_| TemplateError::plain("the filled template is not UTF-8"))?;
    Ok(read_markdown(&text))
}

/// Refuses `{% for %}` inside `{% for %}`, finding the tags by their text. A tag inside a
/// comment counts too, which can only refuse more, never less.
fn nested_loop(template: &str) -> Result<(), TemplateError> {
    let mut depth = 0usize;
    let mut line = 1;
    let mut column = 1;
    let mut rest = template;
    while let Some(open) = rest.find("{%") {
        for c in rest[..open].chars() {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        let tag = &rest[open + 2..];
        let end = tag.find("%}").unwrap_or(tag.len());
        let word = tag[..end]
            .trim_start_matches('-')
            .split_whitespace()
            .next()
            .unwrap_or("");
        match word {
            "for" => {
                depth += 1;
                if depth > 1 {
                    return Err(TemplateError {
                        line: Some(line),
                        column: Some(column),
                        message: "a loop inside a loop is not allowed".into(),
                    });
                }
            }
            "endfor" => depth = depth.saturating_sub(1),
            _ => {}
        }
        column += 2;
        rest = tag;
    }
    Ok(())
}

fn number(index: usize, value: Option<f64>) -> Value {
    let mut marker = format!("{OPEN}{index}|");
    if let Some(value) = value.filter(|v| v.is_finite()) {
        let _ = write!(marker, "{value}");
    }
    marker.push(CLOSE);
    Value::String(marker)
}

fn context(data: &CardData<'_>) -> Value {
    let mut top: BTreeMap<String, Value> = data
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let total = data.totals.get(i).copied().flatten();
            ((*name).to_owned(), number(i, total))
        })
        .collect();
    if let Some((by, rows)) = data.rows {
        let list = rows
            .iter()
            .map(|row| {
                let mut map: BTreeMap<String, Value> = data
                    .names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let value = row.values.get(i).copied().flatten();
                        ((*name).to_owned(), number(i, value))
                    })
                    .collect();
                let label = row
                    .label
                    .chars()
                    .filter(|&c| c != OPEN && c != CLOSE)
                    .collect();
                map.insert(by.to_owned(), Value::String(label));
                Value::Map(map)
            })
            .collect();
        top.insert("rows".into(), Value::List(list));
    }
    Value::Map(top)
}

/// The only formatter: numbers' markers pass, text is escaped for Markdown.
fn write_value(f: &mut upon::fmt::Formatter<'_>, value: &Value) -> upon::fmt::Result {
    match value {
        Value::String(s) if s.starts_with(OPEN) => f.write_str(s)?,
        Value::String(s) => f.write_str(&escape_markdown(s))?,
        Value::Integer(i) => write!(f, "{i}")?,
        Value::Float(x) => write!(f, "{x}")?,
        Value::Bool(b) => f.write_str(if *b { "yes" } else { "no" })?,
        Value::None => {}
        Value::List(_) | Value::Map(_) => {
            return Err(
                "rows cannot be written as text: loop over them with {% for row in rows %}".into(),
            );
        }
    }
    Ok(())
}

/// Text that Markdown reads back as itself: every ASCII punctuation mark escaped, line breaks
/// as spaces (a value cannot start a heading or a list).
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Collects what the template writes, refusing more than [`MAX_OUTPUT_BYTES`].
#[derive(Default)]
struct Capped {
    bytes: Vec<u8>,
    over: bool,
}

impl io::Write for &mut Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.over = true;
            return Err(io::Error::other("the filled template is too long"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---- Markdown into blocks ----

enum Frame {
    /// Blocks in a container; `loose` collects text written straight into it (tight list
    /// items), closed into a paragraph before the next block.
    Blocks {
        quote: bool,
        blocks: Vec<TextBlock>,
        loose: Vec<TextSpan>,
    },
    List {
        ordered: bool,
        start: Option<u64>,
        items: Vec<Vec<TextBlock>>,
    },
    Spans {
        kind: SpanKind,
        spans: Vec<TextSpan>,
    },
    /// A tag that is not kept, or nested too deep: what it holds goes to its parent.
    Skip,
}

enum SpanKind {
    Paragraph,
    Heading(u8),
    Strong,
    Emphasis,
    Link(String),
    CodeBlock,
}

struct Reader {
    stack: Vec<Frame>,
    depth: usize,
}

fn read_markdown(text: &str) -> Vec<TextBlock> {
    let mut reader = Reader {
        stack: vec![Frame::Blocks {
            quote: false,
            blocks: Vec::new(),
            loose: Vec::new(),
        }],
        depth: 0,
    };
    for event in Parser::new_ext(text, Options::empty()) {
        reader.event(event);
    }
    while reader.stack.len() > 1 {
        reader.end();
    }
    match reader.stack.pop() {
        Some(Frame::Blocks {
            mut blocks, loose, ..
        }) => {
            close_loose(&mut blocks, loose);
            blocks
        }
        _ => Vec::new(),
    }
}

fn close_loose(blocks: &mut Vec<TextBlock>, loose: Vec<TextSpan>) {
    if !loose.is_empty() {
        blocks.push(TextBlock::Paragraph { text: loose });
    }
}

fn is_web_link(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")) && !href.contains(OPEN)
}

impl Reader {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(_) => self.end(),
            Event::Text(text) => {
                let in_code = matches!(
                    self.stack.last(),
                    Some(Frame::Spans {
                        kind: SpanKind::CodeBlock,
                        ..
                    })
                );
                if in_code {
                    self.span(TextSpan::Text { text: plain(&text) });
                } else {
                    for span in split_values(&text) {
                        self.span(span);
                    }
                }
            }
            Event::Code(text) => self.span(TextSpan::Code { text: plain(&text) }),
            // Markup is shown as the text it is.
            Event::Html(text) | Event::InlineHtml(text) => {
                self.span(TextSpan::Text { text: plain(&text) })
            }
            Event::SoftBreak => self.span(TextSpan::Text { text: " ".into() }),
            Event::HardBreak => self.span(TextSpan::Break),
            Event::Rule => self.block(TextBlock::Rule),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        if self.depth >= MAX_DEPTH {
            self.stack.push(Frame::Skip);
            return;
        }
        let frame = match tag {
            Tag::Paragraph | Tag::HtmlBlock => Frame::Spans {
                kind: SpanKind::Paragraph,
                spans: Vec::new(),
            },
            Tag::Heading { level, .. } => Frame::Spans {
                kind: SpanKind::Heading(heading_level(level)),
                spans: Vec::new(),
            },
            Tag::BlockQuote(_) => Frame::Blocks {
                quote: true,
                blocks: Vec::new(),
                loose: Vec::new(),
            },
            Tag::CodeBlock(_) => Frame::Spans {
                kind: SpanKind::CodeBlock,
                spans: Vec::new(),
            },
            Tag::List(start) => Frame::List {
                ordered: start.is_some(),
                start,
                items: Vec::new(),
            },
            Tag::Item => Frame::Blocks {
                quote: false,
                blocks: Vec::new(),
                loose: Vec::new(),
            },
            Tag::Emphasis => Frame::Spans {
                kind: SpanKind::Emphasis,
                spans: Vec::new(),
            },
            Tag::Strong => Frame::Spans {
                kind: SpanKind::Strong,
                spans: Vec::new(),
            },
            Tag::Link { dest_url, .. } if is_web_link(&dest_url) => Frame::Spans {
                kind: SpanKind::Link(dest_url.trim().to_owned()),
                spans: Vec::new(),
            },
            // Other links, images (their description stays) and anything else.
            _ => Frame::Skip,
        };
        if !matches!(frame, Frame::Skip) {
            self.depth += 1;
        }
        self.stack.push(frame);
    }

    fn end(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if !matches!(frame, Frame::Skip) {
            self.depth -= 1;
        }
        match frame {
            Frame::Skip => {}
            Frame::Blocks {
                quote,
                mut blocks,
                loose,
            } => {
                close_loose(&mut blocks, loose);
                if quote {
                    self.block(TextBlock::Quote { blocks });
                } else if let Some(Frame::List { items, .. }) = self.nearest() {
                    items.push(blocks);
                } else {
                    blocks.into_iter().for_each(|b| self.block(b));
                }
            }
            Frame::List {
                ordered,
                start,
                items,
            } => self.block(TextBlock::List {
                ordered,
                start,
                items,
            }),
            Frame::Spans { kind, spans } => match kind {
                SpanKind::Paragraph if spans.is_empty() => {}
                SpanKind::Paragraph => self.block(TextBlock::Paragraph { text: spans }),
                SpanKind::Heading(level) => self.block(TextBlock::Heading { level, text: spans }),
                SpanKind::CodeBlock => self.block(TextBlock::Code {
                    text: spans.iter().map(span_text).collect(),
                }),
                SpanKind::Strong => self.span(TextSpan::Strong { text: spans }),
                SpanKind::Emphasis => self.span(TextSpan::Emphasis { text: spans }),
                SpanKind::Link(href) => self.span(TextSpan::Link { href, text: spans }),
            },
        }
    }

    /// The innermost frame that holds content.
    fn nearest(&mut self) -> Option<&mut Frame> {
        self.stack
            .iter_mut()
            .rev()
            .find(|f| !matches!(f, Frame::Skip))
    }

    fn span(&mut self, span: TextSpan) {
        match self.nearest() {
            Some(Frame::Spans { spans, .. }) => push_span(spans, span),
            Some(Frame::Blocks { loose, .. }) => push_span(loose, span),
            Some(Frame::List { items, .. }) => match items.last_mut() {
                Some(item) => item.push(TextBlock::Paragraph { text: vec![span] }),
                None => items.push(vec![TextBlock::Paragraph { text: vec![span] }]),
            },
            Some(Frame::Skip) | None => {}
        }
    }

    fn block(&mut self, block: TextBlock) {
        match self.nearest() {
            Some(Frame::Blocks { blocks, loose, .. }) => {
                close_loose(blocks, std::mem::take(loose));
                blocks.push(block);
            }
            Some(Frame::List { items, .. }) => match items.last_mut() {
                Some(item) => item.push(block),
                None => items.push(vec![block]),
            },
            Some(Frame::Spans { spans, .. }) => {
                let text = block_text(&block);
                push_span(spans, TextSpan::Text { text });
            }
            Some(Frame::Skip) | None => {}
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Adds a span, joining it to the text before it.
fn push_span(spans: &mut Vec<TextSpan>, span: TextSpan) {
    if let (Some(TextSpan::Text { text: last }), TextSpan::Text { text }) =
        (spans.last_mut(), &span)
    {
        last.push_str(text);
        return;
    }
    spans.push(span);
}

/// Text with every number's marker replaced by the number.
fn plain(text: &str) -> String {
    split_values(text).iter().map(span_text).collect()
}

fn span_text(span: &TextSpan) -> String {
    match span {
        TextSpan::Text { text } | TextSpan::Code { text } => text.clone(),
        TextSpan::Strong { text } | TextSpan::Emphasis { text } | TextSpan::Link { text, .. } => {
            text.iter().map(span_text).collect()
        }
        TextSpan::Value { value, .. } => value.map(|v| v.to_string()).unwrap_or_default(),
        TextSpan::Break => "\n".into(),
    }
}

fn block_text(block: &TextBlock) -> String {
    match block {
        TextBlock::Heading { text, .. } | TextBlock::Paragraph { text } => {
            text.iter().map(span_text).collect()
        }
        TextBlock::List { items, .. } => items
            .iter()
            .flatten()
            .map(block_text)
            .collect::<Vec<_>>()
            .join(" "),
        TextBlock::Quote { blocks } => blocks.iter().map(block_text).collect::<Vec<_>>().join(" "),
        TextBlock::Code { text } => text.clone(),
        TextBlock::Rule => String::new(),
    }
}

/// Text split at numbers' markers into text and value spans.
fn split_values(text: &str) -> Vec<TextSpan> {
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(OPEN) {
        if open > 0 {
            push_span(
                &mut spans,
                TextSpan::Text {
                    text: rest[..open].to_owned(),
                },
            );
        }
        let after = &rest[open + OPEN.len_utf8()..];
        let Some(close) = after.find(CLOSE) else {
            rest = after;
            continue;
        };
        let marker = &after[..close];
        if let Some((index, value)) = marker.split_once('|')
            && let Ok(index) = index.parse::<u32>()
        {
            spans.push(TextSpan::Value {
                index,
                value: value.parse::<f64>().ok().filter(|v| v.is_finite()),
            });
        }
        rest = &after[close + CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        push_span(
            &mut spans,
            TextSpan::Text {
                text: rest.to_owned(),
            },
        );
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(template: &str) -> Result<Vec<TextBlock>, TemplateError> {
        let rows = [
            CardRow {
                label: "NORTH <b>".into(),
                values: vec![Some(10.0), None],
            },
            CardRow {
                label: "[x](javascript:alert(1))".into(),
                values: vec![Some(2.5), Some(1.0)],
            },
        ];
        render(
            template,
            &CardData {
                names: &["revenue", "orders"],
                totals: &[Some(12.5), Some(1.0)],
                rows: Some(("zone", &rows)),
            },
        )
    }

    fn text(blocks: &[TextBlock]) -> String {
        blocks.iter().map(block_text).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn values_become_value_spans_and_markdown_becomes_blocks() {
        let blocks = fill("## Revenue\n\n**{{ revenue }}** from {{ orders }} orders").unwrap();
        assert_eq!(
            blocks[0],
            TextBlock::Heading {
                level: 2,
                text: vec![TextSpan::Text {
                    text: "Revenue".into()
                }]
            }
        );
        let TextBlock::Paragraph { text } = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert_eq!(
            text[0],
            TextSpan::Strong {
                text: vec![TextSpan::Value {
                    index: 0,
                    value: Some(12.5)
                }]
            }
        );
        assert_eq!(
            text[2],
            TextSpan::Value {
                index: 1,
                value: Some(1.0)
            }
        );
    }

    #[test]
    fn data_and_template_markup_stay_text_and_only_web_links_survive() {
        let blocks = fill(
            "{% for row in rows %}- {{ row.zone }}: {{ row.revenue }}\n{% endfor %}\n\
             <script>alert(1)</script>\n\n[bad](javascript:alert(2)) [good](https://example.com) ![pic](https://example.com/a.png)",
        )
        .unwrap();
        let TextBlock::List { items, .. } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(items.len(), 2);
        // A value that looks like markup or a link is the text it is.
        assert_eq!(block_text(&items[0][0]), "NORTH <b>: 10");
        assert_eq!(block_text(&items[1][0]), "[x](javascript:alert(1)): 2.5");
        assert!(!format!("{items:?}").contains("Link"));
        let all = format!("{blocks:?}");
        assert!(text(&blocks).contains("<script>alert(1)</script>"));
        assert_eq!(all.matches("Link {").count(), 1, "{all}");
        assert!(all.contains("href: \"https://example.com\""));
        assert!(!all.contains("javascript:alert(2)\""));
        assert!(
            text(&blocks).contains("pic"),
            "an image shows as its description"
        );
    }

    #[test]
    fn broken_templates_name_their_place() {
        let unknown = fill("Revenue\n{{ profit }}").unwrap_err();
        assert_eq!(
            (unknown.line, unknown.column),
            (Some(2), Some(4)),
            "{unknown}"
        );
        let open = fill("{% for row in rows %}{{ row.zone }}").unwrap_err();
        assert!(open.line.is_some(), "{open}");
        let nested = fill("x\n  {% for a in rows %}{% for b in rows %}{% endfor %}{% endfor %}")
            .unwrap_err();
        assert_eq!(
            (nested.line, nested.column),
            (Some(2), Some(22)),
            "{nested}"
        );
        let list = fill("{{ rows }}").unwrap_err();
        assert!(list.message.contains("loop over them"), "{list}");
        assert!(
            fill("{{ revenue | escape }}").is_err(),
            "no other formatter exists"
        );
        assert!(fill("").is_err());
    }

    #[test]
    fn output_is_bounded_and_nesting_is_flattened() {
        let long = "x".repeat(MAX_OUTPUT_BYTES + 1);
        assert!(fill(&long).unwrap_err().message.contains("longer than"));
        let deep = format!("{} deep", ">".repeat(500));
        let blocks = fill(&deep).unwrap();
        assert!(text(&blocks).contains("deep"));
        assert!(format!("{blocks:?}").matches("Quote").count() <= MAX_DEPTH);
    }

    #[test]
    fn a_missing_number_is_an_empty_value() {
        let blocks = fill("{% for row in rows %}{{ row.orders }};{% endfor %}").unwrap();
        let TextBlock::Paragraph { text } = &blocks[0] else {
            panic!()
        };
        assert_eq!(
            text[0],
            TextSpan::Value {
                index: 1,
                value: None
            }
        );
    }
}
