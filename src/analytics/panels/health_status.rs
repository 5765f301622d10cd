//! Health lists: the latest status of each named thing, styled by the panel's status mapping.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{PanelRequest, Runner, Tabular};
use crate::analytics::AnalyticsError;
use crate::analytics::sql::{self, Sql};
use crate::dashboards::{HealthSource, PanelConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HealthData {
    pub items: Vec<HealthItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HealthItem {
    pub name: String,
    pub status: i64,
    pub label: String,
    pub color: String,
    pub checked_at: Option<String>,
    pub message: Option<String>,
}

impl HealthData {
    /// A row per service: its name, status, when it was checked and what it reported.
    pub fn tabular(&self) -> Tabular {
        let text = |t: &Option<String>| t.clone().map_or(Json::Null, Json::String);
        Tabular {
            columns: ["name", "status", "checked_at", "message"]
                .map(str::to_owned)
                .to_vec(),
            rows: self
                .items
                .iter()
                .map(|item| {
                    vec![
                        Json::String(item.name.clone()),
                        Json::String(item.label.clone()),
                        text(&item.checked_at),
                        text(&item.message),
                    ]
                })
                .collect(),
        }
    }
}

pub(super) fn health(
    run: &mut Runner<'_>,
    panel: &PanelConfig,
    source: &HealthSource,
    request: &PanelRequest,
) -> Result<HealthData, AnalyticsError> {
    let dataset = run.dataset;
    let columns = &source.columns;
    let name = dataset.column(&columns.name)?;
    let status = dataset.column(&columns.status)?;
    let optional = |column: &Option<String>| -> Result<String, AnalyticsError> {
        Ok(match column {
            Some(c) => {
                let def = dataset.column(c)?;
                format!(
                    "CAST({} AS VARCHAR)",
                    sql::display_text(&sql::column(def), def.column_type)
                )
            }
            None => "CAST(NULL AS VARCHAR)".into(),
        })
    };
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT CAST({} AS VARCHAR), CAST({} AS BIGINT), {}, {}",
        sql::column(name),
        sql::column(status),
        optional(&columns.timestamp)?,
        optional(&columns.message)?,
    ));
    sql::push_from_where(&mut sql, dataset, &[], request.range)?;
    sql.push(" ORDER BY 2 DESC, 1");
    let origin = run.raw("a status list reads the raw rows")?;
    let mut items = Vec::new();
    run.each(&sql, origin, |row| {
        let status: i64 = row.get::<_, Option<i64>>(1)?.unwrap_or(-1);
        let style = panel.display.status_mapping.get(&status);
        items.push(HealthItem {
            name: row.get::<_, Option<String>>(0)?.unwrap_or_default(),
            status,
            label: style.map_or_else(|| format!("status {status}"), |s| s.label.clone()),
            color: style.map_or_else(|| "#64748B".into(), |s| s.color.clone()),
            checked_at: row.get(2)?,
            message: row.get(3)?,
        });
        Ok(())
    })?;
    Ok(HealthData { items })
}
