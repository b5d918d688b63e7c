//! Parsers of flag values that are numbers, shared by the subcommands.
//!
//! A numeric flag takes negative input (`allow_negative_numbers`, or `allow_hyphen_values` for
//! durations such as `-1s`) so that a value like `-3` reaches its parser instead of being taken
//! for an unknown flag, and the parser's message says which values are valid:
//! ``--nodes: `-3` is not a node count; give a whole number from 2 to 4294967295``. The flag's
//! name is added when the error is printed (the binary's `usage_error`).

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

use crate::units::parse_duration;

/// A duration (`250ms`, `30s`, `2h`); a bare number counts as seconds.
pub fn duration(text: &str) -> Result<f64, String> {
    parse_duration(text, 1.0).map_err(|e| e.to_string())
}

/// A whole number from `min` to `max`, described as `what` (`a node count`) when it is not.
pub fn whole<T>(
    what: &'static str,
    min: T,
    max: T,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: FromStr + PartialOrd + Display + Copy + Send + Sync + 'static,
{
    move |text: &str| {
        text.trim()
            .parse::<T>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                format!("`{text}` is not {what}; give a whole number from {min} to {max}")
            })
    }
}

/// The valid values of a [`number`] flag.
#[derive(Debug, Clone, Copy)]
pub enum Range {
    /// Above 0.
    Positive,
    /// 0 or more.
    NonNegative,
    /// From 0 to 1.
    Probability,
}

impl Range {
    fn holds(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Range::Positive => x > 0.0,
                Range::NonNegative => x >= 0.0,
                Range::Probability => (0.0..=1.0).contains(&x),
            }
    }

    fn text(self) -> &'static str {
        match self {
            Range::Positive => "a number above 0",
            Range::NonNegative => "a number of 0 or more",
            Range::Probability => "a number from 0 to 1",
        }
    }
}

/// A finite number in `range`, described as `what` (`a probability`) when it is not.
pub fn number(
    what: &'static str,
    range: Range,
) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |text: &str| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|&x| range.holds(x))
            .ok_or_else(|| format!("`{text}` is not {what}; give {}", range.text()))
    }
}

/// A seed: any `u64`.
pub fn seed(text: &str) -> Result<u64, String> {
    whole("a seed", 0, u64::MAX)(text)
}

/// A range of seeds `A..B`, both included.
pub fn seed_range(text: &str) -> Result<RangeInclusive<u64>, String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("`{text}` is not A..B, e.g. 1..100"))?;
    let (a, b) = (seed(a)?, seed(b)?);
    if b < a {
        return Err(format!("`{text}`: B is below A"));
    }
    Ok(a..=b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_say_their_range() {
        let nodes = whole::<u32>("a node count", 1, 10);
        assert_eq!(nodes("3"), Ok(3));
        assert_eq!(
            nodes("-3"),
            Err("`-3` is not a node count; give a whole number from 1 to 10".into())
        );
        assert!(nodes("0").is_err());
        assert!(nodes("11").is_err());
        assert!(nodes("1.5").is_err());
    }

    #[test]
    fn numbers_say_their_range() {
        let loss = number("a probability", Range::Probability);
        assert_eq!(loss("0.25"), Ok(0.25));
        assert_eq!(
            loss("-0.5"),
            Err("`-0.5` is not a probability; give a number from 0 to 1".into())
        );
        assert!(loss("NaN").is_err());
        let rate = number("a rate", Range::Positive);
        assert!(rate("0").is_err());
        assert!(rate("inf").is_err());
        assert_eq!(number("a rate", Range::NonNegative)("0"), Ok(0.0));
    }

    #[test]
    fn seed_ranges() {
        assert_eq!(seed_range("1..3"), Ok(1..=3));
        assert_eq!(
            seed_range("-1..3"),
            Err("`-1` is not a seed; give a whole number from 0 to 18446744073709551615".into())
        );
        assert_eq!(seed_range("5..3"), Err("`5..3`: B is below A".into()));
        assert!(seed_range("5").is_err());
    }
}
