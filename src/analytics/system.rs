//! System availability under a redundancy rule.
//!
//! The system is up while the rule holds for the number of nodes up:
//! - `all` (series): every node up;
//! - `any` (parallel, active-active): at least one node up;
//! - `quorum`: a strict majority up (`up > N/2`);
//! - `k:K`: at least `K` up.
//!
//! [`system_outages`] sweeps the merged outages of all nodes in time order and returns the
//! system's own down intervals, to which the ordinary formulas then apply. At one instant all
//! recoveries and failures are applied before the rule is evaluated, so one node coming back
//! exactly when another fails is no system outage. A zero-length node outage (a failure with no
//! downtime) is a zero-length system outage when the rule, with that node also down, would fail.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::trace::Outage;

/// A redundancy rule (`--system`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemRule {
    /// Series: every node must be up.
    All,
    /// Parallel (active-active): one node up is enough.
    Any,
    /// A strict majority must be up.
    Quorum,
    /// At least this many nodes must be up.
    AtLeast(u64),
}

impl SystemRule {
    /// Whether the system is up with `up` of `population` nodes up.
    pub fn holds(self, up: u64, population: u64) -> bool {
        match self {
            SystemRule::All => up == population,
            SystemRule::Any => up >= 1,
            SystemRule::Quorum => 2 * up > population,
            SystemRule::AtLeast(k) => up >= k,
        }
    }
}

impl fmt::Display for SystemRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SystemRule::All => f.write_str("all"),
            SystemRule::Any => f.write_str("any"),
            SystemRule::Quorum => f.write_str("quorum"),
            SystemRule::AtLeast(k) => write!(f, "k:{k}"),
        }
    }
}

impl Serialize for SystemRule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for SystemRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" | "series" => Ok(SystemRule::All),
            "any" | "parallel" | "active-active" => Ok(SystemRule::Any),
            "quorum" | "majority" => Ok(SystemRule::Quorum),
            _ => match s.strip_prefix("k:").map(str::parse::<u64>) {
                Some(Ok(k)) if k >= 1 => Ok(SystemRule::AtLeast(k)),
                _ => Err(format!(
                    "unknown system rule `{s}`; use all, any, quorum or k:K (K at least 1)"
                )),
            },
        }
    }
}

/// Sorted instants of one kind, consumed in time order.
struct Instants {
    times: Vec<f64>,
    next: usize,
}

impl Instants {
    fn new(mut times: Vec<f64>) -> Self {
        times.sort_unstable_by(f64::total_cmp);
        Self { times, next: 0 }
    }

    fn peek(&self) -> Option<f64> {
        self.times.get(self.next).copied()
    }

    /// Consumes every instant equal to `time` and says how many there were.
    fn take(&mut self, time: f64) -> u64 {
        let from = self.next;
        while self.times.get(self.next) == Some(&time) {
            self.next += 1;
        }
        (self.next - from) as u64
    }
}

/// The system's down intervals `(start, end)` in time order, under `rule` for `population`
/// nodes whose outages are `outages` (canonical: merged per node).
///
/// Failures, recoveries and zero-length outages are three sorted arrays of instants walked
/// together (8 bytes an instant, and sorting plain floats is quicker than sorting tagged steps).
pub fn system_outages(outages: &[Outage], population: u64, rule: SystemRule) -> Vec<(f64, f64)> {
    let lasting = |o: &&Outage| !o.is_empty();
    let mut downs = Instants::new(outages.iter().filter(lasting).map(|o| o.start).collect());
    let mut ups = Instants::new(
        outages
            .iter()
            .filter(lasting)
            .map(|o| o.end)
            .filter(|end| end.is_finite())
            .collect(),
    );
    let mut blips = Instants::new(
        outages
            .iter()
            .filter(|o| o.is_empty())
            .map(|o| o.start)
            .collect(),
    );
    let mut down: u64 = 0;
    let mut opened: Option<f64> = None;
    let mut result = Vec::new();
    while let Some(time) = [downs.peek(), ups.peek(), blips.peek()]
        .into_iter()
        .flatten()
        .min_by(f64::total_cmp)
    {
        down += downs.take(time);
        down = down.saturating_sub(ups.take(time));
        let blipped = blips.take(time);
        let up_now = rule.holds(population.saturating_sub(down), population);
        match (opened, up_now) {
            (None, false) => opened = Some(time),
            (Some(start), true) => {
                result.push((start, time));
                opened = None;
            }
            (None, true) if blipped > 0 => {
                let up_during_blip = population.saturating_sub(down + blipped);
                if !rule.holds(up_during_blip, population) {
                    result.push((time, time));
                }
            }
            _ => {}
        }
    }
    if let Some(start) = opened {
        result.push((start, f64::INFINITY));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Fault;

    fn outage(node: u32, start: f64, end: f64) -> Outage {
        Outage::new(node, start, end, Fault::Unknown, None)
    }

    fn three_nodes() -> Vec<Outage> {
        // n0 down 10-20, n1 down 15-30, n2 down 25-26 and a blip at 40.
        vec![
            outage(0, 10.0, 20.0),
            outage(1, 15.0, 30.0),
            outage(2, 25.0, 26.0),
            outage(2, 40.0, 40.0),
        ]
    }

    #[test]
    fn rules_parse_and_print() {
        for text in ["all", "any", "quorum", "k:2"] {
            assert_eq!(text.parse::<SystemRule>().unwrap().to_string(), text);
        }
        assert!("k:0".parse::<SystemRule>().is_err());
        assert!("most".parse::<SystemRule>().is_err());
    }

    #[test]
    fn quorum_is_a_strict_majority() {
        assert!(SystemRule::Quorum.holds(2, 3));
        assert!(!SystemRule::Quorum.holds(2, 4));
        assert!(SystemRule::Quorum.holds(3, 4));
        assert!(!SystemRule::Quorum.holds(1, 3));
    }

    #[test]
    fn series_is_down_whenever_any_node_is() {
        let got = system_outages(&three_nodes(), 3, SystemRule::All);
        assert_eq!(got, vec![(10.0, 30.0), (40.0, 40.0)]);
    }

    #[test]
    fn quorum_is_down_while_two_of_three_are() {
        let got = system_outages(&three_nodes(), 3, SystemRule::Quorum);
        assert_eq!(got, vec![(15.0, 20.0), (25.0, 26.0)]);
    }

    #[test]
    fn parallel_needs_everyone_down() {
        assert_eq!(system_outages(&three_nodes(), 3, SystemRule::Any), vec![]);
        let all_down = [outage(0, 0.0, 10.0), outage(1, 5.0, 8.0)];
        assert_eq!(
            system_outages(&all_down, 2, SystemRule::Any),
            vec![(5.0, 8.0)]
        );
        // A fourth node that never fails keeps the parallel system up.
        assert_eq!(system_outages(&all_down, 3, SystemRule::Any), vec![]);
    }

    #[test]
    fn handover_at_one_instant_is_no_outage() {
        let handover = [outage(0, 0.0, 10.0), outage(1, 10.0, 20.0)];
        assert_eq!(system_outages(&handover, 2, SystemRule::Any), vec![]);
        assert_eq!(
            system_outages(&handover, 2, SystemRule::All),
            vec![(0.0, 20.0)]
        );
    }

    #[test]
    fn a_node_that_never_returns_keeps_the_system_down() {
        let gone = [outage(0, 5.0, f64::INFINITY)];
        assert_eq!(
            system_outages(&gone, 2, SystemRule::All),
            vec![(5.0, f64::INFINITY)]
        );
        assert_eq!(system_outages(&gone, 2, SystemRule::AtLeast(1)), vec![]);
    }
}
