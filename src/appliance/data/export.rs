//! Exports: a panel's data as CSV or JSON, written in pieces as its pages are read, for callers
//! whose resolved dashboard switches the format's feature (`export_csv`, `export_json`) on.

use serde_json::Value as Json;

use crate::analytics::panels::{MAX_PAGE_SIZE, Tabular};
use crate::analytics::{PanelData, PanelRequest};
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::identity::policy::{Denied, Grant};

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
    Xlsx,
}

/// Rows an XLSX sheet holds below its header.
pub const XLSX_MAX_ROWS: u64 = 1_048_575;
/// Characters an XLSX cell holds.
const XLSX_MAX_TEXT: usize = 32_767;

impl ExportFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The dashboard feature that allows it.
    fn feature(self) -> String {
        format!("export_{}", self.name())
    }
}

impl Appliance {
    /// Writes a panel's data in `format` through `write`, one piece per page read, after
    /// checking the caller may export it; a `false` from `write` (the reader left) stops it.
    /// Refuses before writing anything: 403 when the format's feature is off for the caller,
    /// 413 when the panel holds more than `--export-max-rows` rows.
    pub fn export_panel(
        &self,
        grant: &Grant,
        dashboard: Option<&str>,
        panel_id: &str,
        request: &PanelRequest,
        format: ExportFormat,
        write: &mut dyn FnMut(Vec<u8>) -> bool,
    ) -> Result<(), ServiceError> {
        let resolved = self.dashboard_with_panel(grant, dashboard, panel_id)?;
        let feature = format.feature();
        let allowed = resolved
            .config
            .features
            .iter()
            .any(|f| f.id == feature && f.enabled);
        if !allowed {
            return Err(self.deny(
                grant,
                panel_id,
                Denied(format!(
                    "exporting as {} is not switched on for you on this dashboard",
                    format.name().to_uppercase()
                )),
            ));
        }
        let controls = self.control_filters(grant, &resolved.config, request)?;
        let mut request = request.clone();
        request.page = 1;
        // A table is read `page_size` rows at a time (the most a page may hold unless asked).
        request.page_size = Some(request.page_size.unwrap_or(MAX_PAGE_SIZE));
        let mut page = self
            .panel_in(grant, &resolved, panel_id, &request, &controls)?
            .data;
        let mut table = page.tabular();
        let total = match page.as_ref() {
            PanelData::Table(t) => t.total,
            _ => table.rows.len() as u64,
        };
        if format == ExportFormat::Xlsx && total > XLSX_MAX_ROWS {
            return Err(ServiceError::PayloadTooLarge(format!(
                "this export would hold {total} rows; a spreadsheet holds at most {XLSX_MAX_ROWS}: \
                 export CSV, or narrow the range or the filters"
            )));
        }
        if total > self.data.export_max_rows {
            return Err(ServiceError::PayloadTooLarge(format!(
                "this export would hold {total} rows, more than the {} one export may hold \
                 (--export-max-rows); narrow the range or the filters",
                self.data.export_max_rows
            )));
        }
        let mut encoder = Encoder::new(format);
        let mut written = 0u64;
        loop {
            let rows = table.rows.len() as u64;
            written += rows;
            if !write(encoder.piece(&table)) {
                return Ok(());
            }
            if !matches!(page.as_ref(), PanelData::Table(_)) || rows == 0 || written >= total {
                break;
            }
            request.page += 1;
            page = self
                .panel_in(grant, &resolved, panel_id, &request, &controls)?
                .data;
            table = page.tabular();
        }
        write(encoder.finish());
        self.store.audit(vec![
            AuditEvent::new(&grant.actor, Some(&grant.tenant), "data.export", panel_id).after(
                &serde_json::json!({
                    "dashboard": resolved.meta.template_id,
                    "format": format.name(),
                    "rows": written,
                }),
            ),
        ])?;
        Ok(())
    }
}

/// Writes rows as they come: the header with the first piece, a JSON array's brackets and
/// commas around the objects. A spreadsheet is a zip written whole at the end (its rows are
/// bounded by `--export-max-rows`).
struct Encoder {
    format: ExportFormat,
    started: bool,
    any_row: bool,
    sheet: Option<(rust_xlsxwriter::Workbook, u32)>,
}

impl Encoder {
    fn new(format: ExportFormat) -> Self {
        Self {
            format,
            started: false,
            any_row: false,
            sheet: (format == ExportFormat::Xlsx).then(|| (rust_xlsxwriter::Workbook::new(), 0)),
        }
    }

    fn piece(&mut self, table: &Tabular) -> Vec<u8> {
        let first = !self.started;
        self.started = true;
        match self.format {
            ExportFormat::Csv => csv_piece(table, first),
            ExportFormat::Xlsx => {
                if let Some((book, row)) = &mut self.sheet
                    && let Err(error) = xlsx_rows(book, row, table, first)
                {
                    tracing::warn!(%error, "could not write a spreadsheet row");
                }
                Vec::new()
            }
            ExportFormat::Json => {
                let mut out = Vec::new();
                if first {
                    out.push(b'[');
                }
                for row in &table.rows {
                    if self.any_row {
                        out.push(b',');
                    }
                    self.any_row = true;
                    let object: serde_json::Map<String, Json> = table
                        .columns
                        .iter()
                        .cloned()
                        .zip(row.iter().cloned())
                        .collect();
                    // A map of JSON values always serializes.
                    out.extend(serde_json::to_vec(&object).unwrap_or_default());
                    out.push(b'\n');
                }
                out
            }
        }
    }

    fn finish(&mut self) -> Vec<u8> {
        match self.format {
            ExportFormat::Csv => Vec::new(),
            ExportFormat::Xlsx => {
                let Some((mut book, _)) = self.sheet.take() else {
                    return Vec::new();
                };
                if book.worksheets().is_empty() {
                    book.add_worksheet();
                }
                book.save_to_buffer().unwrap_or_else(|error| {
                    tracing::warn!(%error, "could not write a spreadsheet");
                    Vec::new()
                })
            }
            ExportFormat::Json if self.started => b"]\n".to_vec(),
            ExportFormat::Json => b"[]\n".to_vec(),
        }
    }
}

/// Adds rows to the workbook's one sheet (the header, bold, before the first). Text is always a
/// text cell, so nothing a spreadsheet would run as a formula can come through; numbers are
/// numbers.
fn xlsx_rows(
    book: &mut rust_xlsxwriter::Workbook,
    row: &mut u32,
    table: &Tabular,
    header: bool,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    if book.worksheets().is_empty() {
        book.add_worksheet();
    }
    let sheet = book.worksheet_from_index(0)?;
    let text = |s: &str| -> String { s.chars().take(XLSX_MAX_TEXT).collect() };
    if header {
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (col, name) in table.columns.iter().enumerate() {
            sheet.write_string_with_format(*row, col as u16, text(name), &bold)?;
        }
        *row += 1;
    }
    for cells in &table.rows {
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Json::Null => {}
                Json::Bool(b) => {
                    sheet.write_boolean(*row, col, *b)?;
                }
                Json::Number(n) => match n.as_f64() {
                    Some(v) => {
                        sheet.write_number(*row, col, v)?;
                    }
                    None => {
                        sheet.write_string(*row, col, n.to_string())?;
                    }
                },
                Json::String(s) => {
                    sheet.write_string(*row, col, text(s))?;
                }
                other => {
                    sheet.write_string(*row, col, text(&other.to_string()))?;
                }
            }
        }
        *row += 1;
    }
    Ok(())
}

fn csv_piece(table: &Tabular, header: bool) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    if header {
        let _ = writer.write_record(
            table
                .columns
                .iter()
                .map(|c| cell_text(&Json::String(c.clone()))),
        );
    }
    for row in &table.rows {
        let _ = writer.write_record(row.iter().map(cell_text));
    }
    writer.into_inner().unwrap_or_default()
}

/// A cell as CSV text. Text a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a leading `'`; numbers, negative ones too, stay as
/// they are.
pub(crate) fn cell_text(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => {
            let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
            if risky && s.parse::<f64>().is_err() {
                format!("'{s}")
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formulas_are_escaped_but_numbers_are_not() {
        assert_eq!(cell_text(&json!("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(cell_text(&json!("+1+1")), "'+1+1");
        assert_eq!(cell_text(&json!("@SUM(A1)")), "'@SUM(A1)");
        assert_eq!(cell_text(&json!("-2+3")), "'-2+3");
        assert_eq!(cell_text(&json!("-12.5")), "-12.5");
        assert_eq!(cell_text(&json!(-12.5)), "-12.5");
        assert_eq!(cell_text(&json!("NORTH")), "NORTH");
        assert_eq!(cell_text(&Json::Null), "");
    }

    #[test]
    fn json_pieces_make_one_array() {
        let table = |rows: Vec<Vec<Json>>| Tabular {
            columns: vec!["a".into(), "b".into()],
            rows,
        };
        let mut encoder = Encoder::new(ExportFormat::Json);
        let mut out = encoder.piece(&table(vec![vec![json!(1), json!("x")]]));
        out.extend(encoder.piece(&table(vec![vec![json!(2), Json::Null]])));
        out.extend(encoder.finish());
        let parsed: Json = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed, json!([{"a": 1, "b": "x"}, {"a": 2, "b": null}]));
        let mut empty = Encoder::new(ExportFormat::Json);
        let out = empty.finish();
        assert_eq!(serde_json::from_slice::<Json>(&out).unwrap(), json!([]));
    }

    #[test]
    fn spreadsheet_text_is_never_a_formula() {
        use std::io::Read;
        let table = Tabular {
            columns: vec!["name".into(), "value".into()],
            rows: vec![
                vec![json!("=HYPERLINK(\"http://x\")"), json!(-3.5)],
                vec![json!("@SUM(A1)"), Json::Null],
            ],
        };
        let mut encoder = Encoder::new(ExportFormat::Xlsx);
        assert!(
            encoder.piece(&table).is_empty(),
            "a spreadsheet is written at the end"
        );
        let bytes = encoder.finish();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut sheet = String::new();
        archive
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        assert!(!sheet.contains("<f>"), "{sheet}");
        assert!(sheet.contains("<v>-3.5</v>"), "{sheet}");
        let mut strings = String::new();
        archive
            .by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut strings)
            .unwrap();
        assert!(strings.contains("=HYPERLINK"), "{strings}");
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let table = Tabular {
            columns: vec!["name".into(), "value".into()],
            rows: vec![vec![json!("a, \"b\""), json!(3)]],
        };
        let text = String::from_utf8(csv_piece(&table, true)).unwrap();
        assert_eq!(text, "name,value\n\"a, \"\"b\"\"\",3\n");
    }
}
