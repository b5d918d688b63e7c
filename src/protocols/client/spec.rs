//! The small `name:key=value,...` language of the client-policy flags (`--retry`,
//! `--retry-budget`, `--breaker`): parameters by name, durations with their unit, and an error
//! that quotes the text and says what is expected.

use thiserror::Error;

use crate::sim::time::{Nanos, from_secs};
use crate::units::parse_duration;

/// A policy flag's value that does not parse.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("`{text}`: {reason}")]
pub struct SpecError {
    /// The text as given.
    pub text: String,
    /// What is wrong, with an example.
    pub reason: String,
}

/// The `key=value` parameters of one flag value, each taken at most once.
pub struct Params<'a> {
    text: &'a str,
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Params<'a> {
    /// Splits `params` (`key=value,key=value`) of the flag value `text`; every key must be one
    /// of `known`.
    pub fn parse(text: &'a str, params: &'a str, known: &[&str]) -> Result<Self, SpecError> {
        let mut pairs = Vec::new();
        for part in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(error(text, format!("`{part}` is not key=value")));
            };
            let key = key.trim();
            if !known.contains(&key) {
                return Err(error(
                    text,
                    format!("unknown parameter `{key}`; use {}", known.join(", ")),
                ));
            }
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(error(text, format!("`{key}` is given twice")));
            }
            pairs.push((key, value.trim()));
        }
        Ok(Params { text, pairs })
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// A duration parameter (with its unit), or `default` when absent.
    pub fn duration(&self, key: &str, default: Option<Nanos>) -> Result<Nanos, SpecError> {
        match self.get(key) {
            None => default.ok_or_else(|| error(self.text, format!("needs `{key}=`"))),
            Some(v) => duration(self.text, key, v),
        }
    }

    /// A positive number parameter, or `default` when absent.
    pub fn number(&self, key: &str, default: f64) -> Result<f64, SpecError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => {
                let (digits, scale) = match v.strip_suffix('%') {
                    Some(p) => (p, 0.01),
                    None => (v, 1.0),
                };
                digits
                    .parse::<f64>()
                    .ok()
                    .map(|n| n * scale)
                    .filter(|n| n.is_finite() && *n > 0.0)
                    .ok_or_else(|| error(self.text, format!("`{key}` must be a positive number")))
            }
        }
    }

    /// A whole-number parameter of at least 1, or `default` when absent.
    pub fn count(&self, key: &str, default: u32) -> Result<u32, SpecError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| error(self.text, format!("`{key}` must be a whole number ≥ 1"))),
        }
    }
}

/// A duration that must carry its unit (`5ms`, not `5`).
pub fn duration(text: &str, what: &str, value: &str) -> Result<Nanos, SpecError> {
    if value.parse::<f64>().is_ok() {
        return Err(error(
            text,
            format!("`{what}` needs a unit, e.g. {value}ms"),
        ));
    }
    let secs = parse_duration(value, 1.0).map_err(|e| error(text, e.to_string()))?;
    if secs < 0.0 {
        return Err(error(text, format!("`{what}` cannot be negative")));
    }
    Ok(from_secs(secs))
}

/// A duration as the flags write it: `2s`, `50ms`, `250us`, `7ns`.
pub fn show(nanos: Nanos) -> String {
    let units = [(1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us")];
    for (size, unit) in units {
        if nanos >= size && nanos % size == 0 {
            return format!("{}{unit}", nanos / size);
        }
    }
    if nanos == 0 {
        return "0s".into();
    }
    format!("{nanos}ns")
}

/// A [`SpecError`] about `text`.
pub fn error(text: &str, reason: String) -> SpecError {
    SpecError {
        text: text.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_named_once_with_units() {
        let p = Params::parse("x:base=5ms,cap=2s", "base=5ms,cap=2s", &["base", "cap"]).unwrap();
        assert_eq!(p.duration("base", None), Ok(5_000_000));
        assert_eq!(p.duration("cap", None), Ok(2_000_000_000));
        let twice = Params::parse("t", "base=1ms,base=2ms", &["base"]);
        assert!(twice.is_err_and(|e| e.reason.contains("twice")));
        let unknown = Params::parse("t", "bse=1ms", &["base"]);
        assert!(unknown.is_err_and(|e| e.reason.contains("unknown parameter `bse`")));
        let p = Params::parse("t", "base=5", &["base"]).unwrap();
        assert!(
            p.duration("base", None)
                .is_err_and(|e| e.reason.contains("needs a unit"))
        );
        assert_eq!(show(2_000_000_000), "2s");
        assert_eq!(show(50_000_000), "50ms");
        assert_eq!(show(1_500_000_000), "1500ms");
        assert_eq!(show(0), "0s");
        let p = Params::parse("t", "rate=50%", &["rate"]).unwrap();
        assert_eq!(p.number("rate", 1.0), Ok(0.5));
    }
}
