//! Timestamps in traces.
//!
//! A trace's times are either all numbers (seconds, or `--time-unit` units) or all datetimes.
//! Datetimes become seconds since the Unix epoch (UTC): RFC 3339 with an offset is converted
//! exactly; a datetime without an offset (`2004-10-31 01:30`, `2004-10-31T01:30:00`, or a bare
//! date) is read as UTC. Importers whose files hold local wall-clock time (LANL) convert with the
//! right time zone themselves, through [`local_to_epoch`].
//!
//! Internally every instant is an `f64` of seconds: epoch seconds near 1e9 keep sub-microsecond
//! precision, far finer than any failure log records.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use serde::Serialize;

/// How the times of one trace are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeKind {
    /// Plain numbers: offsets in seconds (or `--time-unit`) from an arbitrary origin.
    Number,
    /// Calendar datetimes, stored as seconds since the Unix epoch.
    Datetime,
}

/// Reads the time fields of one trace, remembering whether it uses numbers or datetimes so that
/// a file mixing both is rejected instead of being read as nonsense.
#[derive(Debug, Clone)]
pub struct TimeParser {
    unit_seconds: f64,
    kind: Option<TimeKind>,
}

impl TimeParser {
    /// A parser that scales bare numbers by `unit_seconds`.
    pub fn new(unit_seconds: f64) -> Self {
        Self {
            unit_seconds,
            kind: None,
        }
    }

    /// The kind of time seen so far, if any.
    pub fn kind(&self) -> Option<TimeKind> {
        self.kind
    }

    /// Takes the kind another parser of the same trace found, if this one has seen none.
    pub fn adopt(&mut self, other: &TimeParser) {
        if self.kind.is_none() {
            self.kind = other.kind;
        }
    }

    /// Parses one time field into seconds; the error is the reason, for the caller to place.
    pub fn parse(&mut self, text: &str) -> Result<f64, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err(
                "the time is empty (use seconds, RFC 3339 or `YYYY-MM-DD HH:MM[:SS]`)".to_string(),
            );
        }
        let (value, kind) = if let Ok(number) = text.parse::<f64>() {
            if !number.is_finite() {
                return Err(format!("`{text}` is not a finite time"));
            }
            (number * self.unit_seconds, TimeKind::Number)
        } else if let Some(seconds) = parse_datetime(text) {
            (seconds, TimeKind::Datetime)
        } else {
            return Err(format!(
                "`{text}` is neither a number nor a datetime \
                 (use seconds, RFC 3339 or `YYYY-MM-DD HH:MM[:SS]`)"
            ));
        };
        match self.kind {
            None => self.kind = Some(kind),
            Some(seen) if seen != kind => {
                return Err(format!(
                    "`{text}` is a {} but earlier times in this trace are {}s; \
                     write all times the same way",
                    kind_name(kind),
                    kind_name(seen)
                ));
            }
            Some(_) => {}
        }
        Ok(value)
    }
}

fn kind_name(kind: TimeKind) -> &'static str {
    match kind {
        TimeKind::Number => "number",
        TimeKind::Datetime => "datetime",
    }
}

/// Naive datetime layouts accepted besides RFC 3339, all read as UTC.
const NAIVE_LAYOUTS: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];

/// Parses an RFC 3339 datetime or a naive `YYYY-MM-DD[ HH:MM[:SS]]` (as UTC) to epoch seconds.
pub fn parse_datetime(text: &str) -> Option<f64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(epoch_seconds(&dt.naive_utc()));
    }
    parse_naive(text).map(|naive| epoch_seconds(&naive))
}

/// Parses a datetime without an offset, in any of the accepted layouts or as a bare date.
pub fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    NAIVE_LAYOUTS
        .iter()
        .find_map(|layout| NaiveDateTime::parse_from_str(text, layout).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })
}

/// Seconds since the Unix epoch of a UTC wall-clock time, with sub-second precision.
pub fn epoch_seconds(naive: &NaiveDateTime) -> f64 {
    let utc = naive.and_utc();
    utc.timestamp() as f64 + f64::from(utc.timestamp_subsec_nanos()) * 1e-9
}

/// Converts a local wall-clock time in `zone` to epoch seconds.
///
/// In the repeated hour when clocks fall back the earlier instant is taken; a time in the hour
/// skipped when clocks spring forward does not exist, and is read as the instant one hour later
/// (what a clock that was not yet changed meant).
pub fn local_to_epoch<Tz: TimeZone>(zone: &Tz, naive: &NaiveDateTime) -> Option<f64> {
    match zone.from_local_datetime(naive) {
        LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => {
            Some(epoch_seconds(&dt.naive_utc()))
        }
        LocalResult::None => {
            let later = *naive + chrono::Duration::hours(1);
            zone.from_local_datetime(&later)
                .earliest()
                .map(|dt| epoch_seconds(&dt.naive_utc()))
        }
    }
}

/// Formats epoch seconds as an RFC 3339 UTC datetime (for tables and reports).
pub fn format_epoch(seconds: f64) -> String {
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round() as u32;
    DateTime::from_timestamp(whole as i64, nanos.min(999_999_999))
        .map(|dt| dt.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| format!("{seconds}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_scale_by_unit() {
        let mut parser = TimeParser::new(60.0);
        assert_eq!(parser.parse("2.5"), Ok(150.0));
        assert_eq!(parser.kind(), Some(TimeKind::Number));
    }

    #[test]
    fn datetime_layouts_agree() {
        let expected = 1_099_186_200.0; // 2004-10-31T01:30:00Z
        for text in [
            "2004-10-31T01:30:00Z",
            "2004-10-31T02:30:00+01:00",
            "2004-10-31 01:30",
            "2004-10-31 01:30:00",
            "2004-10-31T01:30:00",
        ] {
            assert_eq!(parse_datetime(text), Some(expected), "{text}");
        }
        assert_eq!(parse_datetime("2013-04-10"), Some(1_365_552_000.0));
    }

    #[test]
    fn mixing_numbers_and_datetimes_is_an_error() {
        let mut parser = TimeParser::new(1.0);
        parser.parse("10").unwrap();
        let err = parser.parse("2004-10-31 01:30").unwrap_err();
        assert!(
            err.contains("earlier times in this trace are numbers"),
            "{err}"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        let mut parser = TimeParser::new(1.0);
        assert!(parser.parse("yesterday").is_err());
        assert!(parser.parse("inf").is_err());
        assert_eq!(
            parser.parse(" "),
            Err("the time is empty (use seconds, RFC 3339 or `YYYY-MM-DD HH:MM[:SS]`)".into())
        );
    }

    #[test]
    fn denver_dst_is_applied() {
        let denver = chrono_tz::America::Denver;
        let at = |s: &str| local_to_epoch(&denver, &parse_naive(s).unwrap()).unwrap();
        // 2004-10-31 01:30 happens twice in Denver; the first is MDT (UTC-6).
        assert_eq!(at("2004-10-31 01:30"), 1_099_207_800.0);
        // Winter is MST (UTC-7), summer MDT (UTC-6).
        assert_eq!(
            at("2004-01-15 12:00") - at("2004-01-15 05:00"),
            7.0 * 3600.0
        );
        assert_eq!(at("2004-01-15 12:00"), 1_074_193_200.0);
        assert_eq!(at("2004-07-15 12:00"), 1_089_914_400.0);
        // An outage from 00:00 to 04:00 across the fall-back change lasts five real hours.
        assert_eq!(
            at("2004-10-31 04:00") - at("2004-10-31 00:00"),
            5.0 * 3600.0
        );
        // 02:30 on 2004-04-04 does not exist in Denver; it is read as 03:30 MDT.
        assert_eq!(at("2004-04-04 02:30"), at("2004-04-04 03:30"));
    }
}
