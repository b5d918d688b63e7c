//! Durations and human-readable units.
//!
//! Every duration inside faultline is an `f64` number of seconds. This module turns the text
//! users type (`250ms`, `30s`, `2h`, `30d`, `1.5y`) into seconds and turns seconds, ratios and
//! nines back into the short forms the table output shows (`3.65 d`, `99.95 %`, `4.2 nines`).
//!
//! A year is 365 days throughout, matching the downtime-budget definition in DESIGN.md.
//!
//! Nothing here prints `-0`: floating-point arithmetic yields a negative zero now and then
//! (`-log10(1)` is the nines of 0 % availability), and `-0.0` reads as a small negative figure
//! where there is none. [`unsigned_zero`] and [`fixed`] are for numbers printed elsewhere.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Seconds in one minute, hour, day and (365-day) year.
pub const MINUTE: f64 = 60.0;
/// Seconds in one hour.
pub const HOUR: f64 = 3_600.0;
/// Seconds in one day.
pub const DAY: f64 = 86_400.0;
/// Seconds in a 365-day year, the year of the downtime budget.
pub const YEAR: f64 = 365.0 * DAY;

/// A unit suffix accepted in durations, with its length in seconds, longest names first so that
/// `ms` is tried before `m` and `s`.
const SUFFIXES: [(&str, f64); 13] = [
    ("ns", 1e-9),
    ("us", 1e-6),
    ("µs", 1e-6),
    ("ms", 1e-3),
    ("min", MINUTE),
    ("s", 1.0),
    ("m", MINUTE),
    ("h", HOUR),
    ("d", DAY),
    ("w", 7.0 * DAY),
    ("y", YEAR),
    ("sec", 1.0),
    ("hr", HOUR),
];

/// A duration or time-unit string that could not be understood.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("`{text}` is not a duration: {reason} (examples: 250ms, 30s, 2h, 30d, 1.5y)")]
pub struct DurationError {
    /// The text as given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Parses a duration such as `250ms`, `30s`, `2h`, `30d` or `1.5y` into seconds.
///
/// A bare number is taken in `default_unit` seconds (1.0 for seconds), which is how
/// `--time-unit` applies to numbers that carry no suffix.
pub fn parse_duration(text: &str, default_unit: f64) -> Result<f64, DurationError> {
    let trimmed = text.trim();
    let err = |reason| DurationError {
        text: text.to_string(),
        reason,
    };
    if trimmed.is_empty() {
        return Err(err("it is empty"));
    }
    let split = trimmed
        .find(|c: char| c.is_alphabetic() || c == 'µ')
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| err("it does not start with a number"))?;
    let scale = if suffix.is_empty() {
        default_unit
    } else {
        SUFFIXES
            .iter()
            .find(|(name, _)| *name == suffix)
            .map(|(_, scale)| *scale)
            .ok_or_else(|| err("unknown unit (use ns, us, ms, s, m, h, d, w or y)"))?
    };
    let seconds = value * scale;
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(err("it must be a finite, non-negative length"));
    }
    Ok(seconds)
}

/// The unit bare numbers in a trace are counted in (`--time-unit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeUnit {
    /// Milliseconds.
    Milliseconds,
    /// Seconds (the default).
    #[default]
    Seconds,
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
}

impl TimeUnit {
    /// Length of one unit in seconds.
    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Milliseconds => 1e-3,
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => MINUTE,
            TimeUnit::Hours => HOUR,
            TimeUnit::Days => DAY,
        }
    }
}

impl FromStr for TimeUnit {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ms" => Ok(TimeUnit::Milliseconds),
            "s" => Ok(TimeUnit::Seconds),
            "m" | "min" => Ok(TimeUnit::Minutes),
            "h" => Ok(TimeUnit::Hours),
            "d" => Ok(TimeUnit::Days),
            _ => Err(DurationError {
                text: s.to_string(),
                reason: "a time unit is one of ms, s, m, h, d",
            }),
        }
    }
}

/// `value`, with a negative zero made zero (`-0.0` prints as `-0`).
pub fn unsigned_zero(value: f64) -> f64 {
    if value == 0.0 { 0.0 } else { value }
}

/// Drops the sign of a number written as text when every digit is zero: `-0.0` and a tiny
/// negative rounded to `-0.00` both become zero.
fn without_negative_zero(text: String) -> String {
    match text.strip_prefix('-') {
        Some(digits) if digits.chars().all(|c| c == '0' || c == '.') => digits.to_string(),
        _ => text,
    }
}

/// `value` with `decimals` decimals (`1.06` for 2), never `-0.00`.
pub fn fixed(value: f64, decimals: usize) -> String {
    without_negative_zero(format!("{value:.decimals$}"))
}

/// A number of seconds shown in the largest unit that keeps it at least 1 (`3.65 d`, `2 h`).
#[derive(Debug, Clone, Copy)]
pub struct HumanDuration(pub f64);

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if !s.is_finite() {
            return write!(f, "∞");
        }
        if s >= 1e4 * YEAR {
            // Ten thousand years and more come from extrapolations (a Weibull scale fitted to a
            // handful of failures); digits would suggest a precision they do not have.
            return write!(f, "{:.1e} y", s / YEAR);
        }
        let (value, unit) = if s == 0.0 {
            (0.0, "s")
        } else if s >= YEAR {
            (s / YEAR, "y")
        } else if s >= DAY {
            (s / DAY, "d")
        } else if s >= HOUR {
            (s / HOUR, "h")
        } else if s >= MINUTE {
            (s / MINUTE, "min")
        } else if s >= 1.0 {
            (s, "s")
        } else if s >= 1e-3 {
            (s * 1e3, "ms")
        } else {
            (s * 1e6, "µs")
        };
        write!(f, "{} {unit}", three_significant(value))
    }
}

/// A ratio shown as a percentage with enough decimals to tell 99.99 % from 99.999 %.
#[derive(Debug, Clone, Copy)]
pub struct HumanPercent(pub f64);

impl fmt::Display for HumanPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = self.0 * 100.0;
        // At least as many decimals as the availability has leading nines past the second, and
        // more while rounding would show a value short of 1 as 100 %.
        let unavailable = 100.0 - pct;
        if unavailable <= 0.0 {
            return write!(f, "100 %");
        }
        let magnitude = (-unavailable.log10() + 1e-9).floor() as i64;
        let mut decimals = magnitude.clamp(2, 12) as usize;
        let mut text = fixed(pct, decimals);
        while text.starts_with("100") && decimals < 12 {
            decimals += 1;
            text = fixed(pct, decimals);
        }
        write!(f, "{text} %")
    }
}

/// Nines of availability, `-log10(1 - A)`, as every output writes them: `3.4 nines`, or `∞` at
/// 100 % (no downtime at all).
#[derive(Debug, Clone, Copy)]
pub struct HumanNines(pub Option<f64>);

impl fmt::Display for HumanNines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // `+ 0.0` turns a negative zero into a positive one.
            Some(n) => write!(f, "{:.1} nines", n + 0.0),
            None => f.write_str("∞ nines"),
        }
    }
}

/// Formats a number with three significant digits, dropping trailing zeros (`3.65`, `120`, `2`).
pub fn three_significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{}", unsigned_zero(value));
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).max(0) as usize;
    let text = fixed(value, decimals);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("250ms", 1.0), Ok(0.25));
        assert_eq!(parse_duration("30s", 1.0), Ok(30.0));
        assert_eq!(parse_duration("2h", 1.0), Ok(7200.0));
        assert_eq!(parse_duration("30d", 1.0), Ok(2_592_000.0));
        assert_eq!(parse_duration("1.5m", 1.0), Ok(90.0));
        assert_eq!(parse_duration("10y", 1.0), Ok(315_360_000.0));
        assert_eq!(parse_duration("10 min", 1.0), Ok(600.0));
    }

    #[test]
    fn bare_numbers_take_the_default_unit() {
        assert_eq!(parse_duration("90", 1.0), Ok(90.0));
        assert_eq!(parse_duration("2", MINUTE), Ok(120.0));
    }

    #[test]
    fn rejects_nonsense() {
        assert!(parse_duration("", 1.0).is_err());
        assert!(parse_duration("fast", 1.0).is_err());
        assert!(parse_duration("5 parsecs", 1.0).is_err());
        assert!(parse_duration("-5s", 1.0).is_err());
    }

    #[test]
    fn human_durations() {
        assert_eq!(HumanDuration(0.01 * 365.0 * DAY).to_string(), "3.65 d");
        assert_eq!(HumanDuration(7200.0).to_string(), "2 h");
        assert_eq!(HumanDuration(0.25).to_string(), "250 ms");
        assert_eq!(HumanDuration(0.0).to_string(), "0 s");
        assert_eq!(HumanDuration(90.0).to_string(), "1.5 min");
        assert_eq!(HumanDuration(9_999.0 * YEAR).to_string(), "9999 y");
        assert_eq!(HumanDuration(36_903.0 * YEAR).to_string(), "3.7e4 y");
    }

    #[test]
    fn human_nines() {
        assert_eq!(HumanNines(Some(3.42)).to_string(), "3.4 nines");
        assert_eq!(HumanNines(Some(-0.0)).to_string(), "0.0 nines");
        assert_eq!(HumanNines(None).to_string(), "∞ nines");
    }

    #[test]
    fn human_percentages() {
        assert_eq!(HumanPercent(0.9995).to_string(), "99.95 %");
        assert_eq!(HumanPercent(0.99).to_string(), "99.00 %");
        assert_eq!(HumanPercent(0.99999).to_string(), "99.999 %");
        assert_eq!(HumanPercent(1.0).to_string(), "100 %");
        assert_eq!(HumanPercent(0.5).to_string(), "50.00 %");
        assert_eq!(HumanPercent(0.999977).to_string(), "99.998 %");
    }

    #[test]
    fn negative_zero_prints_as_zero() {
        assert_eq!(HumanPercent(-0.0).to_string(), "0.00 %");
        assert_eq!(HumanPercent(-1e-18).to_string(), "0.00 %");
        assert_eq!(HumanDuration(-0.0).to_string(), "0 s");
        assert_eq!(three_significant(-0.0), "0");
        assert_eq!(fixed(-0.0, 1), "0.0");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-0.06, 1), "-0.1");
        assert_eq!(fixed(-0.0, 0), "0");
        assert_eq!(unsigned_zero(-0.0).to_string(), "0");
        assert_eq!(unsigned_zero(-2.5), -2.5);
    }
}
