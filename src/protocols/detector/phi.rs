//! The φ accrual failure detector (Hayashibara, Défago, Yared, Katayama, "The φ Accrual Failure
//! Detector", SRDS 2004), with the defaults and bootstrap of Akka's implementation.
//!
//! Nodes send heartbeats as in [`super::heartbeat`]. Instead of a fixed timeout, a monitor keeps
//! the last (up to 1000) inter-arrival times of each peer's heartbeats and, `t` after the last
//! one, computes `φ(t) = −log10 P(a heartbeat arrives later than t)` under a normal distribution
//! with the history's mean plus an *acceptable pause* (3 s) and its standard deviation (at least
//! 100 ms). It suspects the peer when `φ` exceeds the threshold (8). Like Akka, the normal
//! tail is approximated by the logistic `1 / (1 + e^(−y(1.5976 + 0.070566 y²)))`, and a peer's
//! history starts from a first estimate of 1 s: the two intervals `1 s ± 0.25 s`. A peer is
//! monitored from its first heartbeat on.
//!
//! Exactness: for a given history `φ(t)` grows with `t`, and it crosses the threshold where
//! `y = (t − mean)/σ` solves `0.070566 y³ + 1.5976 y = −ln q` with `q = 10^−θ / (1 − 10^−θ)`;
//! `y*` depends on the threshold only, so after each heartbeat the monitor knows the instant of
//! suspicion, `last + mean + y*·σ`, and keeps it as the peer's deadline, exactly as the
//! heartbeat detector does for its fixed timeout.
//!
//! Messages: `heartbeat`.

use std::collections::VecDeque;

use super::deadline::Deadlines;
use super::heartbeat::{Beat, Timer, on_heard, on_timer, start_beating};
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::{Nanos, from_secs, to_secs};

/// Akka's default threshold.
pub const DEFAULT_THRESHOLD: f64 = 8.0;
/// Inter-arrival times kept per peer.
pub const WINDOW: usize = 1000;
/// Smallest standard deviation used, seconds.
pub const MIN_STD_DEV: f64 = 0.1;
/// Acceptable pause added to the mean, seconds.
pub const ACCEPTABLE_PAUSE: f64 = 3.0;
/// First estimate of the inter-arrival time, seconds.
pub const FIRST_ESTIMATE: f64 = 1.0;

/// Settings of the φ detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhiConfig {
    /// Heartbeat interval `h`.
    pub interval: Nanos,
    /// Suspicion threshold θ.
    pub threshold: f64,
}

/// The `y` at which φ crosses `threshold`.
pub fn crossing(threshold: f64) -> f64 {
    let p = 10f64.powf(-threshold);
    let target = -(p / (1.0 - p)).ln();
    let f = |y: f64| 0.070_566 * y * y * y + 1.5976 * y - target;
    let (mut lo, mut hi) = (0.0, 100.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// φ after `elapsed` seconds of silence, for a history's mean and standard deviation (seconds).
pub fn phi(elapsed: f64, mean: f64, std_dev: f64) -> f64 {
    let mean = mean + ACCEPTABLE_PAUSE;
    let y = (elapsed - mean) / std_dev.max(MIN_STD_DEV);
    let e = (-y * (1.5976 + 0.070_566 * y * y)).exp();
    if elapsed > mean {
        -(e / (1.0 + e)).log10()
    } else {
        -(1.0 - 1.0 / (1.0 + e)).log10()
    }
}

/// Inter-arrival history of one peer.
#[derive(Debug, Clone)]
struct History {
    intervals: VecDeque<f64>,
    sum: f64,
    squares: f64,
}

impl History {
    fn new() -> Self {
        let mut history = History {
            intervals: VecDeque::with_capacity(WINDOW),
            sum: 0.0,
            squares: 0.0,
        };
        let spread = FIRST_ESTIMATE / 4.0;
        history.push(FIRST_ESTIMATE - spread);
        history.push(FIRST_ESTIMATE + spread);
        history
    }

    fn push(&mut self, interval: f64) {
        if self.intervals.len() == WINDOW
            && let Some(old) = self.intervals.pop_front()
        {
            self.sum -= old;
            self.squares -= old * old;
        }
        self.intervals.push_back(interval);
        self.sum += interval;
        self.squares += interval * interval;
    }

    fn mean(&self) -> f64 {
        self.sum / self.intervals.len() as f64
    }

    fn std_dev(&self) -> f64 {
        let mean = self.mean();
        (self.squares / self.intervals.len() as f64 - mean * mean)
            .max(0.0)
            .sqrt()
    }
}

/// One node's monitor state.
#[derive(Debug, Clone)]
pub struct Phi {
    last: Vec<Option<Nanos>>,
    history: Vec<History>,
    deadlines: Deadlines,
    crossing: f64,
}

impl Phi {
    /// When φ of `peer` crosses the threshold, given its last heartbeat at `last`.
    fn deadline(&self, peer: usize, last: Nanos) -> Nanos {
        let h = &self.history[peer];
        let sigma = h.std_dev().max(MIN_STD_DEV);
        last + from_secs(h.mean() + ACCEPTABLE_PAUSE + self.crossing * sigma)
    }
}

impl Protocol for Phi {
    type Msg = Beat;
    type Timer = Timer;
    type Stable = ();
    type Config = PhiConfig;
    const NAME: &'static str = "phi";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        let PhiConfig {
            interval,
            threshold,
        } = *ctx.config();
        start_beating(ctx, interval, Timer::Send);
        let n = ctx.nodes() as usize;
        Phi {
            last: vec![None; n],
            history: vec![History::new(); n],
            deadlines: Deadlines::unarmed(ctx.nodes()),
            crossing: crossing(threshold),
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, _msg: Beat) {
        let p = from as usize;
        let now = ctx.now();
        if let Some(last) = self.last[p] {
            self.history[p].push(to_secs(now - last));
        }
        self.last[p] = Some(now);
        let due = self.deadline(p, now);
        let heard = self.deadlines.heard(now, from, due);
        on_heard(ctx, from, heard, Timer::Check(from));
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        let interval = ctx.config().interval;
        on_timer(ctx, &mut self.deadlines, timer, interval);
    }

    fn kind(_msg: &Beat) -> &'static str {
        "heartbeat"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phi_crosses_the_threshold_where_predicted() {
        let y = crossing(DEFAULT_THRESHOLD);
        let (mean, sd) = (1.0, 0.2);
        let t = mean + ACCEPTABLE_PAUSE + y * sd;
        assert!((phi(t, mean, sd) - DEFAULT_THRESHOLD).abs() < 1e-9);
        assert!(phi(t - 0.01, mean, sd) < DEFAULT_THRESHOLD);
        assert!(phi(t + 0.01, mean, sd) > DEFAULT_THRESHOLD);
    }

    #[test]
    fn the_bootstrap_history_is_one_second_plus_minus_a_quarter() {
        let h = History::new();
        assert_eq!(h.mean(), 1.0);
        assert!((h.std_dev() - 0.25).abs() < 1e-12);
    }

    #[test]
    fn the_window_forgets_old_intervals() {
        let mut h = History::new();
        for _ in 0..WINDOW {
            h.push(2.0);
        }
        assert_eq!(h.intervals.len(), WINDOW);
        assert!((h.mean() - 2.0).abs() < 1e-9);
        assert!(h.std_dev() < 1e-6);
    }
}
