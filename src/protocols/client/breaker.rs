//! A circuit breaker (`--breaker`), counting as resilience4j's count-based breaker does.
//!
//! **Closed**: calls go through and their outcomes fill a window of the last `window` calls;
//! once the window is full and the share of failures in it reaches `failure-rate`, the breaker
//! **opens**: for `open` it refuses every call at once (the client fails the request without
//! sending it). Then it is **half-open**: it lets `half-open` trial calls through and refuses
//! the rest; when all trials are back it closes (with an empty window) if their failure share
//! is below the threshold, and opens again otherwise. Outcomes that arrive while open (of calls
//! made before) are ignored.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use super::spec::{Params, SpecError, error, show};
use crate::sim::time::{Nanos, SECOND};

/// The breaker's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    /// The failure share (0 to 1) that opens it.
    pub failure_rate: f64,
    /// Calls in the window (also the fewest calls before it may open).
    pub window: u32,
    /// How long it stays open.
    pub open: Nanos,
    /// Trial calls while half-open.
    pub half_open: u32,
}

impl Default for BreakerConfig {
    /// resilience4j's defaults.
    fn default() -> Self {
        BreakerConfig {
            failure_rate: 0.5,
            window: 100,
            open: 60 * SECOND,
            half_open: 10,
        }
    }
}

impl FromStr for BreakerConfig {
    type Err = SpecError;

    /// `failure-rate=50%,window=100,open=60s,half-open=10`, each optional, or `default`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let params = if text.trim() == "default" { "" } else { text };
        let p = Params::parse(
            text,
            params,
            &["failure-rate", "window", "open", "half-open"],
        )?;
        let default = BreakerConfig::default();
        let config = BreakerConfig {
            failure_rate: p.number("failure-rate", default.failure_rate)?,
            window: p.count("window", default.window)?,
            open: p.duration("open", Some(default.open))?,
            half_open: p.count("half-open", default.half_open)?,
        };
        if config.failure_rate > 1.0 {
            return Err(error(text, "`failure-rate` is a share: 0.5 or 50%".into()));
        }
        Ok(config)
    }
}

impl fmt::Display for BreakerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failure-rate={}%,window={},open={},half-open={}",
            self.failure_rate * 100.0,
            self.window,
            show(self.open),
            self.half_open
        )
    }
}

/// The breaker's state.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// Calls go through; the last outcomes (true = failed).
    Closed(VecDeque<bool>),
    /// Calls are refused until this time.
    Open(Nanos),
    /// Trial calls let through so far, and their failures and successes back.
    HalfOpen {
        /// Trials let through.
        let_through: u32,
        /// Trials that failed.
        failed: u32,
        /// Trials back (failed or not).
        back: u32,
    },
}

/// One client's breaker.
#[derive(Debug, Clone, PartialEq)]
pub struct Breaker {
    config: BreakerConfig,
    state: State,
    /// Since when it has not been closed, if it is not.
    tripped: Option<Nanos>,
    /// Time not closed before `tripped`.
    not_closed: Nanos,
    /// Times it opened.
    opened: u32,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        Breaker {
            config,
            state: State::Closed(VecDeque::new()),
            tripped: None,
            not_closed: 0,
            opened: 0,
        }
    }

    /// The state now.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Times it opened.
    pub fn opened(&self) -> u32 {
        self.opened
    }

    /// Time spent open or half-open (refusing calls) up to `now`.
    pub fn not_closed(&self, now: Nanos) -> Nanos {
        self.not_closed + self.tripped.map_or(0, |since| now.saturating_sub(since))
    }

    fn open(&mut self, now: Nanos) {
        self.opened += 1;
        self.tripped.get_or_insert(now);
        self.state = State::Open(now + self.config.open);
    }

    fn close(&mut self, now: Nanos) {
        if let Some(since) = self.tripped.take() {
            self.not_closed += now.saturating_sub(since);
        }
        self.state = State::Closed(VecDeque::new());
    }

    /// Whether a call may go now (a half-open breaker counts it as one of its trials).
    pub fn allow(&mut self, now: Nanos) -> bool {
        if let State::Open(until) = self.state
            && now >= until
        {
            self.state = State::HalfOpen {
                let_through: 0,
                failed: 0,
                back: 0,
            };
        }
        match &mut self.state {
            State::Closed(_) => true,
            State::Open(_) => false,
            State::HalfOpen { let_through, .. } => {
                if *let_through < self.config.half_open {
                    *let_through += 1;
                    true
                } else {
                    false
                }
            }
        }
    }

    /// A call that went through came back, failed or not.
    pub fn record(&mut self, now: Nanos, failed_call: bool) {
        let threshold = self.config.failure_rate;
        match &mut self.state {
            State::Closed(window) => {
                window.push_back(failed_call);
                if window.len() > self.config.window as usize {
                    window.pop_front();
                }
                let failures = window.iter().filter(|f| **f).count();
                if window.len() == self.config.window as usize
                    && failures as f64 >= threshold * window.len() as f64
                {
                    self.open(now);
                }
            }
            State::Open(_) => {}
            State::HalfOpen { failed, back, .. } => {
                *back += 1;
                *failed += u32::from(failed_call);
                if *back >= self.config.half_open {
                    if f64::from(*failed) >= threshold * f64::from(*back) {
                        self.open(now);
                    } else {
                        self.close(now);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(b: &Breaker) -> &'static str {
        match b.state() {
            State::Closed(_) => "closed",
            State::Open(_) => "open",
            State::HalfOpen { .. } => "half-open",
        }
    }

    #[test]
    fn a_scripted_run_of_failures_walks_the_states() {
        let config: BreakerConfig = "failure-rate=50%,window=4,open=10s,half-open=2"
            .parse()
            .unwrap();
        let mut b = Breaker::new(config);
        // Three calls fail: the window is not full yet, so it stays closed.
        for t in 1..=3 {
            assert!(b.allow(t * SECOND));
            b.record(t * SECOND, true);
        }
        assert_eq!(name(&b), "closed");
        // A fourth, a success: 3 of 4 failed ≥ 50 %: open at 4 s, until 14 s.
        assert!(b.allow(4 * SECOND));
        b.record(4 * SECOND, false);
        assert_eq!(b.state(), &State::Open(14 * SECOND));
        assert!(!b.allow(13 * SECOND));
        // At 14 s it lets two trials through and refuses a third.
        assert!(b.allow(14 * SECOND));
        assert_eq!(name(&b), "half-open");
        assert!(b.allow(14 * SECOND));
        assert!(!b.allow(14 * SECOND));
        // One trial fails, one succeeds: 1 of 2 ≥ 50 %: open again.
        b.record(15 * SECOND, true);
        b.record(15 * SECOND, false);
        assert_eq!(b.state(), &State::Open(25 * SECOND));
        // Both trials succeed: closed, with an empty window; 4 s to 26 s not closed.
        assert!(b.allow(25 * SECOND) && b.allow(25 * SECOND));
        b.record(26 * SECOND, false);
        b.record(26 * SECOND, false);
        assert_eq!(b.state(), &State::Closed(VecDeque::new()));
        assert_eq!(b.opened(), 2);
        assert_eq!(b.not_closed(100 * SECOND), 22 * SECOND);
        // The window slides: one failure in the last four keeps it closed.
        for (t, failed) in [
            (30, true),
            (31, false),
            (32, false),
            (33, false),
            (34, true),
        ] {
            assert!(b.allow(t * SECOND));
            b.record(t * SECOND, failed);
        }
        assert_eq!(name(&b), "closed");
        b.record(35 * SECOND, true);
        assert_eq!(name(&b), "open", "then 2 of the last 4");
    }

    #[test]
    fn settings_parse_with_defaults() {
        assert_eq!(
            "default".parse::<BreakerConfig>(),
            Ok(BreakerConfig::default())
        );
        let c: BreakerConfig = "failure-rate=0.25,open=5s".parse().unwrap();
        assert_eq!((c.failure_rate, c.window, c.open), (0.25, 100, 5 * SECOND));
        assert_eq!(
            c.to_string(),
            "failure-rate=25%,window=100,open=5s,half-open=10"
        );
        assert!("failure-rate=2".parse::<BreakerConfig>().is_err());
    }
}
