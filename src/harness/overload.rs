//! What the clients of a service saw under load (`outcome.clients`), per-second load series,
//! and the time a service took to recover after a trigger.
//!
//! A *trigger* is a bounded overload: a load spike (`--spike`) or a capacity drop (a `slow`
//! trace row and the row that restores it). The service has *recovered* at the first whole
//! second after the trigger's end whose goodput is within 10 % of its level before the trigger
//! and from which goodput averaged over each of the next [`WINDOWS`] windows of [`WINDOW_S`]
//! seconds is too (averages, because clients send at random times and a single second is
//! noisy); its level
//! before is the mean over the second half of the time before the trigger (the first half is
//! the warm-up). A service whose goodput never settles back within the run has no recovery time
//! (`null`): that is a metastable failure.

use serde::{Deserialize, Serialize};

use crate::harness::settings::ClientSettings;
use crate::protocols::client::ClientStats;
use crate::protocols::client::policy::Spike;
use crate::sim::engine::Simulation;
use crate::sim::protocol::Protocol;
use crate::sim::scenario::Fault;
use crate::sim::time::{Nanos, SECOND, to_secs};

/// Seconds of goodput averaged together when judging recovery.
pub const WINDOW_S: usize = 5;

/// Consecutive windows that must be back at the level.
pub const WINDOWS: usize = 2;

/// How close to its level goodput must be, as a share of it.
pub const WITHIN: f64 = 0.10;

/// A bounded overload, in seconds from the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// When it began.
    pub start_s: f64,
    /// When it ended.
    pub end_s: f64,
}

/// `outcome.clients`: what the clients of a run made, sent and got.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// Time a client's breaker was open or half-open (refusing calls), mean over clients,
    /// seconds.
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

/// Whether a run's clients are watched as a load: they have a policy, a spike, or servers of
/// finite capacity.
pub fn watched(clients: &ClientSettings) -> bool {
    clients.policy.is_some() || clients.spike.is_some() || clients.capacity.is_some()
}

/// The run's trigger: the spike, or else the first `slow` event that slows a server down, until
/// the event that restores that server (none if nothing restores it).
pub fn trigger(spike: Option<&Spike>, faults: &[(Nanos, Fault)]) -> Option<Trigger> {
    if let Some(s) = spike {
        return Some(Trigger {
            start_s: to_secs(s.at),
            end_s: to_secs(s.at + s.length),
        });
    }
    let (start, node) = faults.iter().find_map(|(t, f)| match f {
        Fault::Slow(node, factor) if *factor > 1.0 => Some((*t, *node)),
        _ => None,
    })?;
    let end = faults.iter().find_map(|(t, f)| match f {
        Fault::Slow(n, factor) if *n == node && *factor <= 1.0 && *t > start => Some(*t),
        _ => None,
    })?;
    Some(Trigger {
        start_s: to_secs(start),
        end_s: to_secs(end),
    })
}

/// Runs `sim` to `end` one second at a time, noting the client requests waiting at its `nodes`
/// servers at the end of each second.
pub fn run_sampling_queues<P: Protocol>(
    sim: &mut Simulation<P>,
    nodes: u32,
    end: Nanos,
    progress: &mut dyn FnMut(Nanos, Nanos),
) -> Vec<u64> {
    let mut queue = Vec::new();
    let mut t = SECOND;
    while t <= end {
        sim.run_until(t, &mut |now| progress(now, end));
        queue.push((0..nodes).map(|n| sim.waiting(n) as u64).sum());
        t += SECOND;
    }
    sim.run_until(end, &mut |now| progress(now, end));
    queue
}

/// The clients' outcome and load series: their counts summed, the series cut to the whole
/// seconds of `sending` (the time clients made requests); `breaker_open` is the clients' total.
pub fn summarize(
    stats: &[&ClientStats],
    breaker_open: Nanos,
    sending: Nanos,
    trigger: Option<Trigger>,
    queue: Vec<u64>,
) -> (ClientsOutcome, Series) {
    let seconds = (sending / SECOND) as usize;
    let mut series = Series {
        queue,
        ..Series::default()
    };
    for s in stats {
        add_bins(&mut series.offered, &s.offered_per_s);
        add_bins(&mut series.attempts, &s.attempts_per_s);
        add_bins(&mut series.goodput, &s.goodput_per_s);
    }
    for bins in [
        &mut series.offered,
        &mut series.attempts,
        &mut series.goodput,
        &mut series.queue,
    ] {
        bins.resize(seconds, 0);
    }
    let sum = |f: fn(&ClientStats) -> u64| stats.iter().map(|s| f(s)).sum::<u64>();
    let requests = sum(|s| s.requests);
    let attempts = sum(|s| s.attempts);
    let succeeded = sum(|s| s.succeeded);
    let outcome = ClientsOutcome {
        requests,
        attempts,
        amplification: if requests == 0 {
            0.0
        } else {
            attempts as f64 / requests as f64
        },
        goodput_per_s: series.goodput.iter().sum::<u64>() as f64 / to_secs(sending).max(1e-9),
        succeeded,
        failed: sum(|s| s.failed),
        rejected: sum(|s| s.rejected),
        timed_out: sum(|s| s.timed_out),
        short_circuited: sum(|s| s.short_circuited),
        skipped: sum(|s| s.skipped),
        breaker_open_s: to_secs(breaker_open) / stats.len().max(1) as f64,
        trigger,
        recovery_s: trigger.and_then(|t| recovery(&series.goodput, t)),
        completion_s: None,
    };
    (outcome, series)
}

impl ClientsOutcome {
    /// One line for people: `4200 requests, 1.83 attempts each, goodput 69.8/s, ...`.
    pub fn summary(&self) -> String {
        let mut parts = vec![
            format!("{} requests", self.requests),
            format!("{:.2} attempts each", self.amplification),
            format!("goodput {:.1}/s", self.goodput_per_s),
        ];
        for (n, what) in [
            (self.failed, "failed"),
            (self.rejected, "attempts rejected"),
            (self.timed_out, "attempts timed out"),
            (self.short_circuited, "refused by the breaker"),
            (self.skipped, "skipped (in flight)"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if self.trigger.is_some() {
            parts.push(match self.recovery_s {
                Some(r) => format!("recovered {r} s after the trigger"),
                None => "never recovered after the trigger (metastable)".to_string(),
            });
        }
        parts.join(", ")
    }
}

/// The series as CSV, one row a second.
pub fn series_csv(series: &Series) -> String {
    let mut out = String::from("second,offered,attempts,goodput,queue\n");
    for i in 0..series.goodput.len() {
        let at = |bins: &[u64]| bins.get(i).copied().unwrap_or(0);
        out.push_str(&format!(
            "{i},{},{},{},{}\n",
            at(&series.offered),
            at(&series.attempts),
            at(&series.goodput),
            at(&series.queue)
        ));
    }
    out
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
/// back within [`WITHIN`] of its level ([`WINDOWS`] windows of [`WINDOW_S`] seconds); none if it
/// never is.
pub fn recovery(goodput: &[u64], trigger: Trigger) -> Option<f64> {
    let level = level_before(goodput, trigger)?;
    let near = |g: f64| (g - level).abs() <= WITHIN * level + 1e-9;
    let first = trigger.end_s.ceil() as usize;
    let span = WINDOW_S * WINDOWS;
    (first..(goodput.len() + 1).saturating_sub(span))
        .find(|&b| {
            near(goodput[b] as f64)
                && goodput[b..b + span]
                    .chunks(WINDOW_S)
                    .all(|w| near(w.iter().sum::<u64>() as f64 / WINDOW_S as f64))
        })
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
    fn recovery_counts_from_the_end_of_the_trigger_to_two_steady_windows() {
        // Level before: seconds 5..10 average 100.
        let mut goodput = vec![0, 50, 100, 100, 100, 98, 102, 100, 100, 100];
        goodput.extend([30, 0, 0, 0, 0]); // the trigger, seconds 10..15
        // Seconds 15.. : 0 and 40 are off; 140 is off; from 18 (111) the first second is off;
        // from 19 (95): windows 19..24 = (95+100+109+91+150)/5 = 109 and 24..29 = 100: both
        // within 10 %, though 150 alone is not.
        goodput.extend([
            0, 40, 140, 111, 95, 100, 109, 91, 150, 100, 100, 100, 100, 100,
        ]);
        assert_eq!(level_before(&goodput, TRIGGER), Some(100.0));
        assert_eq!(recovery(&goodput, TRIGGER), Some(4.0));
    }

    #[test]
    fn goodput_that_never_settles_has_no_recovery() {
        let mut goodput = vec![100; 10];
        goodput.extend([0; 5]);
        goodput.extend([0, 100, 100, 100, 100, 100, 100, 100, 100]); // back, but for 8 s only
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
