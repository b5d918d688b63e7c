//! What the clients of a service saw under load (`outcome.clients`), per-second load series,
//! and the time a service took to recover after a trigger.
//!
//! A *trigger* is a bounded overload: a load spike (`--spike`) or a capacity drop (a `slow`
//! trace row and the row that restores it). The service has *recovered* at the first whole
//! second after the trigger's end from which goodput stays within 10 % of its level before the
//! trigger for [`STEADY_S`] seconds in a row; its level before is the mean over the second half
//! of the time before the trigger (the first half is the warm-up). A service whose goodput never
//! settles back within the run has no recovery time (`null`): that is a metastable failure.

use serde::Serialize;

use crate::sim::time::{Nanos, SECOND};

/// Seconds of goodput back at its level that count as recovered.
pub const STEADY_S: usize = 5;

/// How close to its level goodput must be, as a share of it.
pub const WITHIN: f64 = 0.10;

/// A bounded overload, in seconds from the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Trigger {
    /// When it began.
    pub start_s: f64,
    /// When it ended.
    pub end_s: f64,
}

/// `outcome.clients`: what the clients of a run made, sent and got.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientsOutcome {
    /// Requests the clients made (each sent at least once, or refused by an open breaker).
    pub requests: u64,
    /// Attempts sent: first sends and retries.
    pub attempts: u64,
    /// Attempts per request.
    pub amplification: f64,
    /// Requests that succeeded per second while the clients were sending.
    pub goodput_per_s: f64,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests given up: attempts exhausted, retries refused by the budget or the breaker.
    pub failed: u64,
    /// Attempts a full server queue turned away.
    pub rejected: u64,
    /// Attempts that got no answer within the request timeout.
    pub timed_out: u64,
    /// Requests an open breaker refused without sending them.
    pub short_circuited: u64,
    /// Requests not made because the client had `--in-flight` requests outstanding.
    pub skipped: u64,
    /// Time the clients' breakers were open or half-open, summed over clients, seconds.
    pub breaker_open_s: f64,
    /// The trigger of the run, if it had one.
    pub trigger: Option<Trigger>,
    /// Seconds from the trigger's end until goodput was back at its level (null: never, or no
    /// trigger).
    pub recovery_s: Option<f64>,
    /// When the last client finished, seconds from the start of the work (for work that ends).
    pub completion_s: Option<f64>,
}

/// Counts per whole second of the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    /// Requests due (made or skipped), per second.
    pub offered: Vec<u64>,
    /// Attempts sent, per second.
    pub attempts: Vec<u64>,
    /// Requests that succeeded, per second.
    pub goodput: Vec<u64>,
    /// Client requests waiting at the servers at the end of each second.
    pub queue: Vec<u64>,
}

/// Adds one to the bin of `at` (one bin a second), growing the bins as needed.
pub fn count(bins: &mut Vec<u64>, at: Nanos) {
    let i = (at / SECOND) as usize;
    if bins.len() <= i {
        bins.resize(i + 1, 0);
    }
    bins[i] += 1;
}

/// Adds `other` into `sum`, bin by bin.
pub fn add_bins(sum: &mut Vec<u64>, other: &[u64]) {
    if sum.len() < other.len() {
        sum.resize(other.len(), 0);
    }
    for (s, o) in sum.iter_mut().zip(other) {
        *s += o;
    }
}

/// Goodput's level before the trigger: the mean of the whole seconds in the second half of the
/// time before it (none when that holds no whole second).
pub fn level_before(goodput: &[u64], trigger: Trigger) -> Option<f64> {
    let end = trigger.start_s.floor() as usize;
    let begin = (trigger.start_s / 2.0).ceil() as usize;
    let bins = goodput.get(begin..end.min(goodput.len()))?;
    if bins.is_empty() {
        return None;
    }
    Some(bins.iter().sum::<u64>() as f64 / bins.len() as f64)
}

/// Seconds from the trigger's end until goodput (per-second bins over the sending time) is back
/// within [`WITHIN`] of its level for [`STEADY_S`] seconds; none if it never is.
pub fn recovery(goodput: &[u64], trigger: Trigger) -> Option<f64> {
    let level = level_before(goodput, trigger)?;
    let near = |g: u64| (g as f64 - level).abs() <= WITHIN * level;
    let first = trigger.end_s.ceil() as usize;
    (first..goodput.len().saturating_sub(STEADY_S - 1))
        .find(|&b| goodput[b..b + STEADY_S].iter().all(|&g| near(g)))
        .map(|b| b as f64 - trigger.end_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRIGGER: Trigger = Trigger {
        start_s: 10.0,
        end_s: 15.0,
    };

    #[test]
    fn recovery_counts_from_the_end_of_the_trigger_to_five_steady_seconds() {
        // Level before: seconds 5..10 average 100.
        let mut goodput = vec![0, 50, 100, 100, 100, 98, 102, 100, 100, 100];
        goodput.extend([30, 0, 0, 0, 0]); // the trigger
        goodput.extend([0, 40, 140, 111, 95, 100, 109, 91, 100, 100, 100]);
        // 111 is more than 10 % off; from second 19 on (95..) five seconds hold.
        assert_eq!(level_before(&goodput, TRIGGER), Some(100.0));
        assert_eq!(recovery(&goodput, TRIGGER), Some(4.0));
    }

    #[test]
    fn goodput_that_never_settles_has_no_recovery() {
        let mut goodput = vec![100; 10];
        goodput.extend([0; 5]);
        goodput.extend([0, 100, 100, 100, 100]); // back, but for four seconds only
        assert_eq!(recovery(&goodput, TRIGGER), None);
        let collapsed: Vec<u64> = [vec![100; 10], vec![3; 30]].concat();
        assert_eq!(recovery(&collapsed, TRIGGER), None);
        assert_eq!(
            recovery(&[5, 5], TRIGGER),
            None,
            "no second before the trigger to compare with"
        );
    }

    #[test]
    fn bins_grow_and_add() {
        let mut bins = Vec::new();
        count(&mut bins, 2 * SECOND + 1);
        count(&mut bins, 0);
        assert_eq!(bins, [1, 0, 1]);
        let mut sum = vec![1];
        add_bins(&mut sum, &bins);
        assert_eq!(sum, [2, 0, 1]);
    }
}
