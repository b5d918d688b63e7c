//! A retry budget (`--retry-budget`): gRPC's retry throttling, a token bucket per client.
//!
//! The bucket starts full at `tokens`; every failed attempt takes one token away (down to 0)
//! and every success puts back `ratio` (up to full). A retry is allowed only while more than
//! half the tokens are left, so when most calls fail the client stops retrying and sends each
//! request once: retries can add at most about `1 / ratio` attempts per success.

use std::fmt;
use std::str::FromStr;

use super::spec::{Params, SpecError};

/// The bucket's size and refill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetConfig {
    /// Tokens when full (gRPC's `maxTokens`, default 10).
    pub tokens: f64,
    /// Tokens a success puts back (gRPC's `tokenRatio`, default 0.1).
    pub ratio: f64,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        BudgetConfig {
            tokens: 10.0,
            ratio: 0.1,
        }
    }
}

impl FromStr for BudgetConfig {
    type Err = SpecError;

    /// `tokens=10,ratio=0.1` (either may be left out), or `default`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let params = if text.trim() == "default" { "" } else { text };
        let p = Params::parse(text, params, &["tokens", "ratio"])?;
        let default = BudgetConfig::default();
        Ok(BudgetConfig {
            tokens: p.number("tokens", default.tokens)?,
            ratio: p.number("ratio", default.ratio)?,
        })
    }
}

impl fmt::Display for BudgetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tokens={},ratio={}", self.tokens, self.ratio)
    }
}

/// One client's bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryBudget {
    config: BudgetConfig,
    tokens: f64,
}

impl RetryBudget {
    /// A full bucket.
    pub fn new(config: BudgetConfig) -> Self {
        RetryBudget {
            config,
            tokens: config.tokens,
        }
    }

    /// An attempt failed.
    pub fn failure(&mut self) {
        self.tokens = (self.tokens - 1.0).max(0.0);
    }

    /// An attempt succeeded.
    pub fn success(&mut self) {
        self.tokens = (self.tokens + self.config.ratio).min(self.config.tokens);
    }

    /// Whether a retry may go now.
    pub fn allows_retry(&self) -> bool {
        self.tokens > self.config.tokens / 2.0
    }

    /// Tokens left.
    pub fn tokens(&self) -> f64 {
        self.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_stop_below_half_and_come_back_with_successes() {
        let mut b = RetryBudget::new("tokens=4,ratio=0.5".parse().unwrap());
        assert!(b.allows_retry());
        b.failure();
        assert!(b.allows_retry(), "3 tokens of 4 is more than half");
        b.failure();
        assert!(!b.allows_retry(), "2 of 4 is not more than half");
        for _ in 0..5 {
            b.failure();
        }
        assert_eq!(b.tokens(), 0.0);
        for _ in 0..5 {
            b.success();
        }
        assert_eq!(b.tokens(), 2.5);
        assert!(b.allows_retry());
        for _ in 0..9 {
            b.success();
        }
        assert_eq!(b.tokens(), 4.0, "never above full");
        assert_eq!(
            "default".parse::<BudgetConfig>(),
            Ok(BudgetConfig::default())
        );
        assert!("tokens=0".parse::<BudgetConfig>().is_err());
    }
}
