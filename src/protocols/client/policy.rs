//! A client's policy after a failed attempt, and load that steps up for a while.
//!
//! Without a policy a client keeps the protocol's own way of resending (Multi-Paxos: every
//! retry period, to the next node, forever). With one, every attempt has its own timeout; a
//! request is retried up to `attempts` attempts in all, after the [`Backoff`]'s wait, while the
//! [`RetryBudget`](super::budget::RetryBudget) and the [`Breaker`](super::breaker::Breaker)
//! allow it; and a client may cap the requests it has outstanding (`in_flight`): a request due
//! while that many are outstanding is skipped, as a client with a fixed pool of workers does.

use std::fmt;
use std::str::FromStr;

use super::backoff::Backoff;
use super::breaker::BreakerConfig;
use super::budget::BudgetConfig;
use super::spec::{SpecError, duration, error, show};
use crate::sim::time::Nanos;

/// What a client does when an attempt fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientPolicy {
    /// The wait before a retry.
    pub backoff: Backoff,
    /// Attempts per request, the first included (none: no limit).
    pub attempts: Option<u32>,
    /// An attempt unanswered this long has failed (none: the protocol's retry period).
    pub timeout: Option<Nanos>,
    /// A retry budget.
    pub budget: Option<BudgetConfig>,
    /// A circuit breaker.
    pub breaker: Option<BreakerConfig>,
    /// The most requests outstanding at once (none: no limit).
    pub in_flight: Option<u32>,
}

impl Default for ClientPolicy {
    /// Retry at once, without limit.
    fn default() -> Self {
        ClientPolicy {
            backoff: Backoff::None,
            attempts: None,
            timeout: None,
            budget: None,
            breaker: None,
            in_flight: None,
        }
    }
}

/// Offered load times `factor` from `at` for `length` (`--spike 3x@60s+30s`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// The multiplier of the request rate.
    pub factor: f64,
    /// When it starts.
    pub at: Nanos,
    /// How long it lasts.
    pub length: Nanos,
}

impl Spike {
    /// The time between two requests at `now`, for a client that sends one every `interval`.
    pub fn interval_at(spike: Option<&Spike>, interval: Nanos, now: Nanos) -> Nanos {
        match spike {
            Some(s) if now >= s.at && now < s.at + s.length => {
                ((interval as f64 / s.factor).round() as Nanos).max(1)
            }
            _ => interval,
        }
    }
}

impl FromStr for Spike {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let shape = || error(text, "write FACTORx@START+LENGTH, e.g. 3x@60s+30s".into());
        let (factor, rest) = text.split_once("x@").ok_or_else(shape)?;
        let (at, length) = rest.split_once('+').ok_or_else(shape)?;
        let factor: f64 = factor
            .trim()
            .parse()
            .ok()
            .filter(|f: &f64| f.is_finite() && *f > 0.0)
            .ok_or_else(|| error(text, "the factor must be a positive number".into()))?;
        let length = duration(text, "length", length.trim())?;
        if length == 0 {
            return Err(error(text, "the spike must last some time".into()));
        }
        Ok(Spike {
            factor,
            at: duration(text, "start", at.trim())?,
            length,
        })
    }
}

impl fmt::Display for Spike {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x@{}+{}",
            self.factor,
            show(self.at),
            show(self.length)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;

    #[test]
    fn a_spike_divides_the_interval_while_it_lasts() {
        let spike: Spike = "3x@60s+30s".parse().unwrap();
        assert_eq!(
            spike,
            Spike {
                factor: 3.0,
                at: 60 * SECOND,
                length: 30 * SECOND
            }
        );
        assert_eq!(spike.to_string(), "3x@60s+30s");
        let at = |t| Spike::interval_at(Some(&spike), 300, t * SECOND);
        assert_eq!((at(59), at(60), at(89), at(90)), (300, 100, 100, 300));
        assert_eq!(Spike::interval_at(None, 300, 70 * SECOND), 300);
        assert!("3@60s+30s".parse::<Spike>().is_err());
        assert!("3x@60+30s".parse::<Spike>().is_err());
        assert!("0x@60s+30s".parse::<Spike>().is_err());
    }
}
