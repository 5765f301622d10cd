//! Relative time ranges: date presets (last 24 hours, 7 days, 30 days, this month), period
//! toggles (month, quarter, year and fiscal year to date) and whole fiscal years.
//!
//! "Now" is taken to the end of the current minute, so every request within a minute resolves
//! to the same range (and the same cached result), and a range ending now ends on a minute
//! boundary that minute rollups can answer.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use serde::Serialize;

use super::sql::TimeRange;

/// A range relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    Last24h,
    Last7d,
    Last30d,
    ThisMonth,
}

impl Preset {
    pub const NAMES: &'static str = "last_24h, last_7d, last_30d, this_month";

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "last_24h" => Self::Last24h,
            "last_7d" => Self::Last7d,
            "last_30d" => Self::Last30d,
            "this_month" => Self::ThisMonth,
            _ => return None,
        })
    }
}

/// From the start of the month, quarter, year or fiscal year holding the anchor, to the anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Mtd,
    Qtd,
    Ytd,
    Fytd,
}

impl Period {
    pub const NAMES: &'static str = "mtd, qtd, ytd, fytd";

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "mtd" => Self::Mtd,
            "qtd" => Self::Qtd,
            "ytd" => Self::Ytd,
            "fytd" => Self::Fytd,
            _ => return None,
        })
    }
}

/// How a request chose its range, before the dataset's fiscal year and the clock resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Window {
    Preset {
        preset: Preset,
    },
    /// `anchor` is the request's end date, or now.
    Period {
        period: Period,
        anchor: Option<NaiveDateTime>,
    },
    /// The fiscal year starting in `first_year`.
    FiscalYear {
        first_year: i32,
    },
}

/// Parses `2025-2026` (or `2025`): the fiscal year that starts in 2025.
pub fn parse_fiscal_year(text: &str) -> Result<i32, String> {
    let bad = || {
        format!(
            "fy must be a fiscal year such as `2025-2026` (or `2025`, the year it starts in), not `{text}`"
        )
    };
    let mut parts = text.splitn(2, '-');
    let first: i32 = parts
        .next()
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(bad)?;
    if !(1900..=9998).contains(&first) {
        return Err(bad());
    }
    if let Some(second) = parts.next() {
        let second: i32 = second.trim().parse().map_err(|_| bad())?;
        if second != first + 1 && second != first {
            return Err(format!(
                "fy `{text}`: a fiscal year runs from one year into the next (e.g. 2025-2026)"
            ));
        }
    }
    Ok(first)
}

/// The end of the minute holding `now`: the last instant every request in that minute shares.
pub fn end_of_minute(now: NaiveDateTime) -> NaiveDateTime {
    let minute = now
        .date()
        .and_hms_opt(now.hour(), now.minute(), 0)
        .unwrap_or(now);
    minute + TimeDelta::minutes(1) - TimeDelta::microseconds(1)
}

fn first_of(year: i32, month: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, 1)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN)
}

/// The first day of the fiscal year holding `at`, given the month fiscal years start in.
fn fiscal_year_start(at: NaiveDateTime, first_month: u8) -> NaiveDateTime {
    let month = u32::from(first_month);
    let year = if at.month() >= month {
        at.year()
    } else {
        at.year() - 1
    };
    first_of(year, month)
}

/// Resolves a window against the clock and the dataset's first fiscal month.
pub fn resolve(window: Window, now: NaiveDateTime, fiscal_first_month: u8) -> TimeRange {
    let end_now = end_of_minute(now);
    let after = |t: NaiveDateTime| t + TimeDelta::microseconds(1);
    match window {
        Window::Preset { preset } => {
            let start = match preset {
                Preset::Last24h => after(end_now) - TimeDelta::hours(24),
                Preset::Last7d => after(end_now) - TimeDelta::days(7),
                Preset::Last30d => after(end_now) - TimeDelta::days(30),
                Preset::ThisMonth => first_of(end_now.year(), end_now.month()),
            };
            TimeRange {
                start: Some(start),
                end: Some(end_now),
            }
        }
        Window::Period { period, anchor } => {
            let end = anchor.unwrap_or(end_now);
            let fiscal = fiscal_year_start(end, fiscal_first_month);
            let start = match period {
                Period::Mtd => first_of(end.year(), end.month()),
                // Quarters count from the fiscal year's first month (calendar quarters when it
                // is January).
                Period::Qtd => {
                    let months_in = (end.year() - fiscal.year()) * 12 + end.month() as i32
                        - fiscal.month() as i32;
                    let quarter_offset = u32::try_from(months_in / 3 * 3).unwrap_or_default();
                    fiscal
                        .checked_add_months(Months::new(quarter_offset))
                        .unwrap_or(fiscal)
                }
                Period::Ytd => first_of(end.year(), 1),
                Period::Fytd => fiscal,
            };
            TimeRange {
                start: Some(start),
                end: Some(end),
            }
        }
        Window::FiscalYear { first_year } => {
            let start = first_of(first_year, u32::from(fiscal_first_month));
            let end = start.checked_add_months(Months::new(12)).unwrap_or(start)
                - TimeDelta::microseconds(1);
            TimeRange {
                start: Some(start),
                end: Some(end),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn check(window: Window, first_month: u8, start: &str, end: &str) {
        let range = resolve(window, at("2026-11-22 13:47:12.5"), first_month);
        assert_eq!(
            (range.start.unwrap(), range.end.unwrap()),
            (at(start), at(end)),
            "{window:?}"
        );
    }

    #[test]
    fn presets_end_with_the_current_minute() {
        let preset = |preset| Window::Preset { preset };
        let end = "2026-11-22 13:47:59.999999";
        check(preset(Preset::Last24h), 1, "2026-11-21 13:48:00", end);
        check(preset(Preset::Last7d), 1, "2026-11-15 13:48:00", end);
        check(preset(Preset::Last30d), 1, "2026-10-23 13:48:00", end);
        check(preset(Preset::ThisMonth), 1, "2026-11-01 00:00:00", end);
    }

    #[test]
    fn periods_run_from_their_start_to_the_anchor() {
        let period = |period, anchor: Option<&str>| Window::Period {
            period,
            anchor: anchor.map(at),
        };
        let end = "2026-11-22 13:47:59.999999";
        check(period(Period::Mtd, None), 4, "2026-11-01 00:00:00", end);
        check(period(Period::Ytd, None), 4, "2026-01-01 00:00:00", end);
        check(period(Period::Fytd, None), 4, "2026-04-01 00:00:00", end);
        // Fiscal quarters from April: Oct–Dec is the third.
        check(period(Period::Qtd, None), 4, "2026-10-01 00:00:00", end);
        check(period(Period::Qtd, None), 1, "2026-10-01 00:00:00", end);
        check(period(Period::Qtd, None), 2, "2026-11-01 00:00:00", end);
        let anchor = "2026-03-15 23:59:59.999999";
        check(
            period(Period::Fytd, Some(anchor)),
            4,
            "2025-04-01 00:00:00",
            anchor,
        );
        check(
            period(Period::Qtd, Some(anchor)),
            4,
            "2026-01-01 00:00:00",
            anchor,
        );
    }

    #[test]
    fn fiscal_years_span_twelve_months_from_their_first() {
        let first_year = parse_fiscal_year("2025-2026").unwrap();
        check(
            Window::FiscalYear { first_year },
            4,
            "2025-04-01 00:00:00",
            "2026-03-31 23:59:59.999999",
        );
        check(
            Window::FiscalYear { first_year },
            1,
            "2025-01-01 00:00:00",
            "2025-12-31 23:59:59.999999",
        );
        assert_eq!(parse_fiscal_year("2025"), Ok(2025));
        for bad in ["2025-2027", "fy25", "", "2025-", "-2026"] {
            assert!(parse_fiscal_year(bad).is_err(), "{bad}");
        }
    }
}
