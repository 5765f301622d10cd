//! The `custom_image` panel: a small picture the server draws as SVG from the panel's query — a
//! bullet chart (a value against its target) or a sparkline (a measure over time).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::{Filter, Grain};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CustomImageSource {
    pub dataset: String,
    pub image: ImageKind,
    pub value: Measure,
    /// A bullet chart's target (required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Measure>,
    /// A sparkline's bucket (`month` when not given); never `raw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grain: Option<Grain>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// What a `custom_image` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    /// A bar for the value over bands of its target, with the target as a tick.
    Bullet,
    /// A line of the value per bucket, its last point marked.
    Sparkline,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (4, 1);

impl CustomImageSource {
    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        check.measure(&self.value)?;
        if let Some(target) = &self.target {
            check.measure(target)?;
        }
        match self.image {
            ImageKind::Bullet if self.target.is_none() => {
                Err(check.fail("a bullet image needs a target".into()))
            }
            ImageKind::Sparkline if check.dataset.time_column().is_none() => {
                Err(check.fail(format!(
                    "a sparkline needs a time column, and dataset `{}` has none",
                    check.dataset.name
                )))
            }
            ImageKind::Sparkline if self.grain == Some(Grain::Raw) => {
                Err(check
                    .fail("a sparkline is drawn per bucket: choose a grain other than raw".into()))
            }
            _ => Ok(()),
        }
    }
}
