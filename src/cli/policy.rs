//! The client-policy and capacity flags of `replay` (`--retry`, `--attempts`, `--breaker`,
//! `--service-time`, ...), and `--variant`: the same flags again, applied on top of the
//! command's own to compare policies side by side in one run.

use anyhow::{Context, anyhow};
use clap::Parser;

use faultline::protocols::client::backoff::{Backoff, parse_list};
use faultline::protocols::client::breaker::BreakerConfig;
use faultline::protocols::client::budget::BudgetConfig;
use faultline::protocols::client::policy::{ClientPolicy, Spike};
use faultline::sim::capacity::Capacity;
use faultline::sim::time::from_secs;

use faultline::flags::{duration, whole};

/// Client policies and server capacity.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PolicyArgs {
    /// Client policy: the wait before a retry — none, fixed:D, exp:base=D,cap=D,
    /// full-jitter:base=D,cap=D, equal-jitter:base=D,cap=D, decorrelated:base=D,cap=D. Several,
    /// comma-separated, run side by side (e.g. `none,full-jitter:base=50ms,cap=2s`).
    #[arg(long, allow_hyphen_values = true)]
    pub retry: Option<String>,
    /// Client policy: attempts per request, the first included [default: no limit].
    #[arg(long, allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of attempts", 1, u32::MAX))]
    pub attempts: Option<u32>,
    /// Client policy: an attempt unanswered this long has failed [default: the protocol's
    /// retry period].
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    pub request_timeout: Option<f64>,
    /// Client policy: a retry budget, gRPC's token bucket: `tokens=10,ratio=0.1` (a failed
    /// attempt takes a token, a success gives back ratio; no retry at half or less), or
    /// `default`.
    #[arg(long, value_parser = str::parse::<BudgetConfig>)]
    pub retry_budget: Option<BudgetConfig>,
    /// Client policy: a circuit breaker, `failure-rate=50%,window=100,open=60s,half-open=10`
    /// (each optional; resilience4j's defaults), or `default`.
    #[arg(long, value_parser = str::parse::<BreakerConfig>)]
    pub breaker: Option<BreakerConfig>,
    /// Client policy: the most requests a client has outstanding; a request due while that many
    /// are is skipped (a client with a fixed pool of workers) [default: no limit].
    #[arg(long, allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of requests", 1, u32::MAX))]
    pub in_flight: Option<u32>,
    /// Servers: each handles one client request at a time, taking this long, from a FIFO queue
    /// [default: no queueing].
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    pub service_time: Option<f64>,
    /// Servers (with --service-time): a request that finds this many waiting is rejected at
    /// once [default: no limit].
    #[arg(long, allow_negative_numbers = true,
          value_parser = whole::<u32>("a queue length", 0, u32::MAX))]
    pub queue: Option<u32>,
    /// A load spike: each client's rate times K from AT for FOR, `Kx@AT+FOR` (e.g. `3x@60s+30s`).
    #[arg(long, value_parser = str::parse::<Spike>)]
    pub spike: Option<Spike>,
}

/// `--variant` text parsed as flags.
#[derive(Debug, Parser)]
#[command(name = "--variant", no_binary_name = true, disable_help_flag = true)]
struct VariantFlags {
    #[command(flatten)]
    policy: PolicyArgs,
}

/// What the policy flags ask of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Policies {
    /// The clients' policy, if any flag sets one.
    pub policy: Option<ClientPolicy>,
    /// The load spike.
    pub spike: Option<Spike>,
    /// The servers' capacity.
    pub capacity: Option<Capacity>,
}

impl PolicyArgs {
    /// The retry policies of `--retry`, each a run of its own (none: the flag is not given).
    pub fn retries(&self) -> anyhow::Result<Vec<Backoff>> {
        match &self.retry {
            None => Ok(Vec::new()),
            Some(text) => parse_list(text).context("--retry"),
        }
    }

    /// These flags with `other`'s on top (a flag `other` gives wins).
    pub fn overridden_by(&self, other: &PolicyArgs) -> PolicyArgs {
        PolicyArgs {
            retry: other.retry.clone().or_else(|| self.retry.clone()),
            attempts: other.attempts.or(self.attempts),
            request_timeout: other.request_timeout.or(self.request_timeout),
            retry_budget: other.retry_budget.or(self.retry_budget),
            breaker: other.breaker.or(self.breaker),
            in_flight: other.in_flight.or(self.in_flight),
            service_time: other.service_time.or(self.service_time),
            queue: other.queue.or(self.queue),
            spike: other.spike.or(self.spike),
        }
    }

    /// The settings, with `backoff` as the retry policy (one of [`Self::retries`]).
    pub fn policies(&self, backoff: Option<Backoff>) -> anyhow::Result<Policies> {
        let any_client_flag = backoff.is_some()
            || self.attempts.is_some()
            || self.request_timeout.is_some()
            || self.retry_budget.is_some()
            || self.breaker.is_some()
            || self.in_flight.is_some();
        let policy = any_client_flag.then(|| ClientPolicy {
            backoff: backoff.unwrap_or(Backoff::None),
            attempts: self.attempts,
            timeout: self.request_timeout.map(from_secs),
            budget: self.retry_budget,
            breaker: self.breaker,
            in_flight: self.in_flight,
        });
        if self.queue.is_some() && self.service_time.is_none() {
            return Err(anyhow!(
                "--queue bounds the servers' queues: give --service-time too"
            ));
        }
        if self.request_timeout == Some(0.0) || self.service_time == Some(0.0) {
            return Err(anyhow!(
                "--request-timeout and --service-time must be longer than 0"
            ));
        }
        Ok(Policies {
            policy,
            spike: self.spike,
            capacity: self.service_time.map(|d| Capacity {
                service: from_secs(d),
                queue: self.queue,
            }),
        })
    }
}

/// One `--variant`: `LABEL: FLAGS` (or just FLAGS, labelled by themselves).
#[derive(Debug, Clone)]
pub struct Variant {
    /// The label in the comparison.
    pub label: String,
    /// Its flags.
    pub flags: PolicyArgs,
}

/// Parses a `--variant` value.
pub fn variant(text: &str) -> Result<Variant, String> {
    let (label, flags) = match text.split_once(':') {
        Some((label, flags)) if !label.trim().starts_with('-') => (label.trim(), flags),
        _ => (text.trim(), text),
    };
    let parsed = VariantFlags::try_parse_from(flags.split_whitespace()).map_err(|e| {
        format!(
            "`{text}`: {}; write 'LABEL: FLAGS', e.g. 'budget: --retry-budget default'",
            e.to_string().lines().next().unwrap_or("")
        )
    })?;
    if label.is_empty() {
        return Err(format!("`{text}`: the label before `:` is empty"));
    }
    Ok(Variant {
        label: label.to_string(),
        flags: parsed.policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_is_labelled_flags_that_override_the_base() {
        let v = variant("budget: --retry-budget default --attempts 2").unwrap();
        assert_eq!(v.label, "budget");
        assert_eq!(v.flags.attempts, Some(2));
        let base = PolicyArgs {
            attempts: Some(4),
            request_timeout: Some(0.05),
            ..PolicyArgs::default()
        };
        let both = base.overridden_by(&v.flags);
        assert_eq!(both.attempts, Some(2));
        assert_eq!(both.request_timeout, Some(0.05));
        assert!(both.retry_budget.is_some());
        let v = variant("--queue 3").unwrap();
        assert_eq!((v.label.as_str(), v.flags.queue), ("--queue 3", Some(3)));
        let bad = variant("x: --retyr none").unwrap_err();
        assert!(bad.contains("--retyr"), "{bad}");
    }

    #[test]
    fn a_queue_needs_a_service_time() {
        let args = PolicyArgs {
            queue: Some(3),
            ..PolicyArgs::default()
        };
        assert!(args.policies(None).is_err());
        let none = PolicyArgs::default().policies(None).unwrap();
        assert_eq!(
            none.policy, None,
            "no flag, no policy: the protocol's own resending"
        );
    }
}
