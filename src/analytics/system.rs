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

use rayon::slice::ParallelSliceMut;
use serde::Serialize;

use crate::trace::Outage;
use crate::trace::builder::{from_ordered_bits, ordered_bits};
use crate::units::{HumanDuration, parse_duration};

/// A redundancy rule (`--system`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SystemRule {
    /// Series: every node must be up.
    All,
    /// Parallel (active-active): one node up is enough.
    Any,
    /// A strict majority must be up.
    Quorum,
    /// At least this many nodes must be up.
    AtLeast(u64),
    /// The service runs on one node and fails over to the next live one in this many seconds
    /// (see [`super::failover`]).
    ActivePassive(f64),
}

impl SystemRule {
    /// Whether the system is up with `up` of `population` nodes up.
    pub fn holds(self, up: u64, population: u64) -> bool {
        match self {
            SystemRule::All => up == population,
            SystemRule::Any => up >= 1,
            SystemRule::Quorum => 2 * up > population,
            SystemRule::AtLeast(k) => up >= k,
            // Which node serves matters, not how many are up: see `failover`.
            SystemRule::ActivePassive(_) => up >= 1,
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
            SystemRule::ActivePassive(failover) => {
                write!(f, "active-passive:failover={}", HumanDuration(*failover))
            }
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
            _ => {
                if let Some(spec) = s.strip_prefix("active-passive") {
                    let failover = spec
                        .strip_prefix(":failover=")
                        .map(|d| parse_duration(d, 1.0))
                        .unwrap_or(Ok(0.0))
                        .map_err(|e| format!("active-passive failover: {e}"))?;
                    return Ok(SystemRule::ActivePassive(failover));
                }
                match s.strip_prefix("k:").map(str::parse::<u64>) {
                    Some(Ok(k)) if k >= 1 => Ok(SystemRule::AtLeast(k)),
                    _ => Err(format!(
                        "unknown system rule `{s}`; use all, any (active-active), quorum, k:K \
                         (K at least 1) or active-passive:failover=DURATION"
                    )),
                }
            }
        }
    }
}

/// The sweep works through time in this many pages, gathering and sorting only one page's
/// instants at a time, so its memory is a fraction of the trace's instead of two sorted copies
/// of every start and end.
const PAGES: usize = 8;

/// Sorted instants of one kind within one page, consumed in time order. They are kept as
/// [`ordered_bits`], which sort as integers, much faster than floats.
struct Instants {
    keys: Vec<u64>,
    next: usize,
}

impl Instants {
    fn new(mut keys: Vec<u64>) -> Self {
        keys.par_sort_unstable();
        Self { keys, next: 0 }
    }

    /// The next instant's key, or `u64::MAX` (past every finite time) when there is none.
    fn peek(&self) -> u64 {
        self.keys.get(self.next).copied().unwrap_or(u64::MAX)
    }

    /// Consumes every instant with key `key` and says how many there were.
    fn take(&mut self, key: u64) -> u64 {
        let from = self.next;
        while self.keys.get(self.next) == Some(&key) {
            self.next += 1;
        }
        (self.next - from) as u64
    }
}

/// The failures, recoveries and zero-length outages of one page, each sorted.
struct Page {
    downs: Instants,
    ups: Instants,
    blips: Instants,
}

impl Page {
    /// Gathers the instants in `[lo, hi)` with one pass over the outages.
    fn gather(outages: &[Outage], (lo, hi): (f64, f64)) -> Self {
        let inside = |t: f64| t >= lo && t < hi;
        let (mut downs, mut ups, mut blips) = (Vec::new(), Vec::new(), Vec::new());
        for o in outages {
            if o.is_empty() {
                if inside(o.start) {
                    blips.push(ordered_bits(o.start));
                }
            } else {
                if inside(o.start) {
                    downs.push(ordered_bits(o.start));
                }
                if inside(o.end) {
                    ups.push(ordered_bits(o.end));
                }
            }
        }
        Self {
            downs: Instants::new(downs),
            ups: Instants::new(ups),
            blips: Instants::new(blips),
        }
    }

    /// Feeds the page's instants to the sweep in time order.
    fn walk(mut self, sweep: &mut Sweep) {
        loop {
            // Ends here are finite, so no real instant has the key u64::MAX.
            let key = self
                .downs
                .peek()
                .min(self.ups.peek())
                .min(self.blips.peek());
            if key == u64::MAX {
                return;
            }
            let (failing, recovering) = (self.downs.take(key), self.ups.take(key));
            let blips = self.blips.take(key);
            sweep.step(from_ordered_bits(key), failing, recovering, blips);
        }
    }
}

/// Page boundaries: quantiles of a sample of outage starts (ends follow starts closely), so
/// pages hold similar numbers of instants whatever the shape of the trace.
fn page_bounds(outages: &[Outage]) -> Vec<f64> {
    let step = (outages.len() / 4096).max(1);
    let mut sample: Vec<f64> = outages.iter().step_by(step).map(|o| o.start).collect();
    sample.sort_unstable_by(f64::total_cmp);
    let mut bounds: Vec<f64> = (1..PAGES)
        .filter_map(|i| sample.get(i * sample.len() / PAGES).copied())
        .collect();
    bounds.dedup();
    bounds
}

/// The system's state as the sweep goes: nodes down, and the start of the open system outage.
struct Sweep {
    population: u64,
    rule: SystemRule,
    down: u64,
    opened: Option<f64>,
    result: Vec<(f64, f64)>,
}

impl Sweep {
    /// Applies everything that happens at one instant, then checks the rule.
    fn step(&mut self, time: f64, failing: u64, recovering: u64, blips: u64) {
        self.down = (self.down + failing).saturating_sub(recovering);
        let up_now = self
            .rule
            .holds(self.population.saturating_sub(self.down), self.population);
        match (self.opened, up_now) {
            (None, false) => self.opened = Some(time),
            (Some(start), true) => {
                self.result.push((start, time));
                self.opened = None;
            }
            (None, true) if blips > 0 => {
                let up_during_blip = self.population.saturating_sub(self.down + blips);
                if !self.rule.holds(up_during_blip, self.population) {
                    self.result.push((time, time));
                }
            }
            _ => {}
        }
    }
}

/// The system's down intervals `(start, end)` in time order, under `rule` for `population`
/// nodes whose outages are `outages` (canonical: merged per node).
pub fn system_outages(outages: &[Outage], population: u64, rule: SystemRule) -> Vec<(f64, f64)> {
    let bounds = page_bounds(outages);
    let mut sweep = Sweep {
        population,
        rule,
        down: 0,
        opened: None,
        result: Vec::new(),
    };
    // While one page is walked (sequential by nature), the next is gathered and sorted.
    let page_range = |page: usize| {
        let lo = if page == 0 {
            f64::NEG_INFINITY
        } else {
            bounds[page - 1]
        };
        (lo, bounds.get(page).copied().unwrap_or(f64::INFINITY))
    };
    let mut current = Some(Page::gather(outages, page_range(0)));
    for page in 1..=bounds.len() + 1 {
        let Some(instants) = current.take() else {
            break;
        };
        let gather_next =
            || (page <= bounds.len()).then(|| Page::gather(outages, page_range(page)));
        let ((), next) = rayon::join(|| instants.walk(&mut sweep), gather_next);
        current = next;
    }
    let Sweep {
        opened, mut result, ..
    } = sweep;
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

    /// The definition, brute force: between consecutive instants the number of nodes down is
    /// constant; the system is down on the segments where the rule fails, merged.
    fn brute_force(outages: &[Outage], population: u64, rule: SystemRule) -> Vec<(f64, f64)> {
        let mut instants: Vec<f64> = outages.iter().flat_map(|o| [o.start, o.end]).collect();
        instants.sort_by(f64::total_cmp);
        instants.dedup();
        let mut result: Vec<(f64, f64)> = Vec::new();
        for (i, &t) in instants.iter().enumerate() {
            let down = outages.iter().filter(|o| o.start <= t && t < o.end).count() as u64;
            if rule.holds(population - down, population) {
                continue;
            }
            let until = instants.get(i + 1).copied().unwrap_or(f64::INFINITY);
            match result.last_mut() {
                Some(last) if last.1 == t => last.1 = until,
                _ => result.push((t, until)),
            }
        }
        result
    }

    #[test]
    fn paged_sweep_agrees_with_brute_force() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for round in 0..20 {
            let nodes = rng.random_range(2..6);
            let mut outages: Vec<Outage> = (0..300)
                .map(|_| {
                    let start = f64::from(rng.random_range(0..2_000));
                    let len = f64::from(rng.random_range(1..40));
                    outage(rng.random_range(0..nodes), start, start + len)
                })
                .collect();
            outages = crate::trace::builder::merge_outages(outages);
            for rule in [SystemRule::All, SystemRule::Any, SystemRule::Quorum] {
                let population = u64::from(nodes);
                assert_eq!(
                    system_outages(&outages, population, rule),
                    brute_force(&outages, population, rule),
                    "round {round}, rule {rule}"
                );
            }
        }
    }

    #[test]
    fn rules_parse_and_print() {
        for text in [
            "all",
            "any",
            "quorum",
            "k:2",
            "active-passive:failover=30 s",
        ] {
            assert_eq!(text.parse::<SystemRule>().unwrap().to_string(), text);
        }
        assert_eq!(
            "active-passive:failover=2m".parse::<SystemRule>(),
            Ok(SystemRule::ActivePassive(120.0))
        );
        assert_eq!("active-active".parse::<SystemRule>(), Ok(SystemRule::Any));
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
