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
//!
//! Membership changes: the rule counts the nodes *in service* at each instant ([`Membership`]),
//! so `quorum` is a strict majority of the nodes in service then, `all` means every node in
//! service is up, and `k:K` needs K of them up. Joins and departures at an instant are applied
//! with the failures and recoveries. While no node is in service the system does not exist: that
//! time is neither up nor down ([`SystemTimeline::idle`]) and is not observed.

use std::fmt;
use std::str::FromStr;

use rdst::RadixSort;
use serde::Serialize;

use crate::trace::builder::{from_ordered_bits, ordered_bits};
use crate::trace::{Outage, Service};
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
/// [`ordered_bits`], which sort as integers, by radix (`rdst`): about 10 % of `analyze`'s time
/// on 5 million outages went to a comparison sort of these keys.
struct Instants {
    keys: Vec<u64>,
    next: usize,
}

impl Instants {
    fn new(mut keys: Vec<u64>) -> Self {
        keys.radix_sort_unstable();
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

/// Which nodes are in service when: the nodes in service from the beginning of time, and the
/// instants nodes join and leave.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Membership {
    /// Nodes in service before any join (undated nodes and those in service since before the
    /// data).
    pub initial: u64,
    /// Instants a node enters service.
    pub joins: Vec<f64>,
    /// Instants a node leaves service.
    pub leaves: Vec<f64>,
}

impl Membership {
    /// A fixed population: every node in service for ever.
    pub fn fixed(population: u64) -> Self {
        Self {
            initial: population,
            ..Self::default()
        }
    }

    /// The membership of nodes with these service windows, plus `unnamed` nodes in service for
    /// ever: an undated node is in service from the start, a dated one joins and leaves.
    pub fn of(services: impl IntoIterator<Item = Service>, unnamed: u64) -> Self {
        let mut members = Membership::fixed(unnamed);
        for service in services {
            if service.start.is_finite() {
                members.joins.push(service.start);
            } else {
                members.initial += 1;
            }
            if service.end.is_finite() {
                members.leaves.push(service.end);
            }
        }
        members
    }

    /// The most nodes in service at any one time (departures at an instant count before the
    /// arrivals, as a handover).
    pub fn most_at_once(&self) -> u64 {
        let mut changes: Vec<(f64, i64)> = self
            .joins
            .iter()
            .map(|&t| (t, 1))
            .chain(self.leaves.iter().map(|&t| (t, -1)))
            .collect();
        changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (mut now, mut most) = (self.initial as i64, self.initial as i64);
        for (_, change) in changes {
            now += change;
            most = most.max(now);
        }
        most.max(0) as u64
    }
}

/// The system's down intervals and the intervals when it has no node in service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SystemTimeline {
    /// Down intervals `(start, end)` in time order.
    pub down: Vec<(f64, f64)>,
    /// Intervals with no node in service, in time order.
    pub idle: Vec<(f64, f64)>,
}

/// The failures, recoveries, zero-length outages, joins and departures of one page, each
/// sorted.
struct Page {
    downs: Instants,
    ups: Instants,
    blips: Instants,
    joins: Instants,
    leaves: Instants,
}

fn instants_in(times: &[f64], (lo, hi): (f64, f64)) -> Instants {
    Instants::new(
        times
            .iter()
            .filter(|&&t| t >= lo && t < hi)
            .map(|&t| ordered_bits(t))
            .collect(),
    )
}

/// The vectors of a page already walked, for the next page to fill: pages hold millions of
/// instants, and fresh memory for each would be paged in anew.
#[derive(Default)]
struct Spare([Vec<u64>; 3]);

impl Page {
    /// Gathers the instants in `[lo, hi)` with one pass over the outages, into `spare`.
    fn gather(
        outages: &[Outage],
        members: &Membership,
        (lo, hi): (f64, f64),
        spare: Spare,
    ) -> Self {
        let inside = |t: f64| t >= lo && t < hi;
        let [mut downs, mut ups, mut blips] = spare.0;
        for v in [&mut downs, &mut ups, &mut blips] {
            v.clear();
        }
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
            joins: instants_in(&members.joins, (lo, hi)),
            leaves: instants_in(&members.leaves, (lo, hi)),
        }
    }

    /// Feeds the page's instants to the sweep in time order; returns its vectors.
    fn walk(mut self, sweep: &mut Sweep) -> Spare {
        loop {
            // Ends here are finite, so no real instant has the key u64::MAX.
            let key = self
                .downs
                .peek()
                .min(self.ups.peek())
                .min(self.blips.peek())
                .min(self.joins.peek())
                .min(self.leaves.peek());
            if key == u64::MAX {
                return Spare([self.downs.keys, self.ups.keys, self.blips.keys]);
            }
            let change = Change {
                failing: self.downs.take(key),
                recovering: self.ups.take(key),
                blips: self.blips.take(key),
                joining: self.joins.take(key),
                leaving: self.leaves.take(key),
            };
            sweep.step(from_ordered_bits(key), change);
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

/// Everything that happens at one instant.
struct Change {
    failing: u64,
    recovering: u64,
    blips: u64,
    joining: u64,
    leaving: u64,
}

/// The system's state as the sweep goes: nodes in service and down, the start of the open
/// system outage and of the open idle interval.
struct Sweep {
    members: u64,
    rule: SystemRule,
    down: u64,
    opened: Option<f64>,
    idle_since: Option<f64>,
    timeline: SystemTimeline,
}

impl Sweep {
    /// Applies everything that happens at one instant, then checks the rule.
    fn step(&mut self, time: f64, change: Change) {
        self.down = (self.down + change.failing).saturating_sub(change.recovering);
        self.members = (self.members + change.joining).saturating_sub(change.leaving);
        if self.members == 0 {
            if let Some(start) = self.opened.take() {
                self.timeline.down.push((start, time));
            }
            self.idle_since.get_or_insert(time);
            return;
        }
        if let Some(since) = self.idle_since.take() {
            self.timeline.idle.push((since, time));
        }
        let up_now = self
            .rule
            .holds(self.members.saturating_sub(self.down), self.members);
        match (self.opened, up_now) {
            (None, false) => self.opened = Some(time),
            (Some(start), true) => {
                self.timeline.down.push((start, time));
                self.opened = None;
            }
            (None, true) if change.blips > 0 => {
                let up_during_blip = self.members.saturating_sub(self.down + change.blips);
                if !self.rule.holds(up_during_blip, self.members) {
                    self.timeline.down.push((time, time));
                }
            }
            _ => {}
        }
    }
}

/// The system's timeline under `rule` for nodes whose outages are `outages` (canonical: merged
/// per node, and inside each node's service window) and whose membership is `members`.
pub fn system_outages(
    outages: &[Outage],
    members: &Membership,
    rule: SystemRule,
) -> SystemTimeline {
    let bounds = page_bounds(outages);
    let mut sweep = Sweep {
        members: members.initial,
        rule,
        down: 0,
        // The state before the first instant: all initial members up.
        opened: (members.initial > 0 && !rule.holds(members.initial, members.initial))
            .then_some(f64::NEG_INFINITY),
        idle_since: (members.initial == 0).then_some(f64::NEG_INFINITY),
        timeline: SystemTimeline::default(),
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
    let mut current = Some(Page::gather(
        outages,
        members,
        page_range(0),
        Spare::default(),
    ));
    let mut spare = Spare::default();
    for page in 1..=bounds.len() + 1 {
        let Some(instants) = current.take() else {
            break;
        };
        let gather_next = || {
            (page <= bounds.len()).then(|| Page::gather(outages, members, page_range(page), spare))
        };
        (spare, current) = rayon::join(|| instants.walk(&mut sweep), gather_next);
    }
    let Sweep {
        opened,
        idle_since,
        mut timeline,
        ..
    } = sweep;
    if let Some(start) = opened {
        timeline.down.push((start, f64::INFINITY));
    }
    if let Some(since) = idle_since {
        timeline.idle.push((since, f64::INFINITY));
    }
    timeline
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
                    system_outages(&outages, &Membership::fixed(population), rule).down,
                    brute_force(&outages, population, rule),
                    "round {round}, rule {rule}"
                );
            }
        }
    }

    #[test]
    fn rules_count_the_nodes_in_service() {
        // n0 in service for ever, down 10-20; n1 joins at 5 and leaves at 30; n2 joins at 40.
        let outages = vec![outage(0, 10.0, 20.0)];
        let members = Membership {
            initial: 1,
            joins: vec![5.0, 40.0],
            leaves: vec![30.0],
        };
        // Quorum: from 10 to 20 one of two is up, no strict majority.
        let quorum = system_outages(&outages, &members, SystemRule::Quorum);
        assert_eq!(quorum.down, vec![(10.0, 20.0)]);
        assert!(quorum.idle.is_empty());
        // Any: n1 is up while n0 is down.
        assert!(
            system_outages(&outages, &members, SystemRule::Any)
                .down
                .is_empty()
        );
        // k:2 fails before n1 joins, while n0 is down, and after n1 leaves until n2 joins.
        let two = system_outages(&outages, &members, SystemRule::AtLeast(2));
        assert_eq!(
            two.down,
            vec![(f64::NEG_INFINITY, 5.0), (10.0, 20.0), (30.0, 40.0)]
        );
        // Nobody in service before 5 and after the last leaves: idle, not down.
        let lonely = Membership {
            initial: 0,
            joins: vec![5.0],
            leaves: vec![50.0],
        };
        let all = system_outages(&[outage(0, 10.0, 20.0)], &lonely, SystemRule::All);
        assert_eq!(all.down, vec![(10.0, 20.0)]);
        assert_eq!(
            all.idle,
            vec![(f64::NEG_INFINITY, 5.0), (50.0, f64::INFINITY)]
        );
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
        let got = system_outages(&three_nodes(), &Membership::fixed(3), SystemRule::All).down;
        assert_eq!(got, vec![(10.0, 30.0), (40.0, 40.0)]);
    }

    #[test]
    fn quorum_is_down_while_two_of_three_are() {
        let got = system_outages(&three_nodes(), &Membership::fixed(3), SystemRule::Quorum).down;
        assert_eq!(got, vec![(15.0, 20.0), (25.0, 26.0)]);
    }

    #[test]
    fn parallel_needs_everyone_down() {
        assert_eq!(
            system_outages(&three_nodes(), &Membership::fixed(3), SystemRule::Any).down,
            vec![]
        );
        let all_down = [outage(0, 0.0, 10.0), outage(1, 5.0, 8.0)];
        assert_eq!(
            system_outages(&all_down, &Membership::fixed(2), SystemRule::Any).down,
            vec![(5.0, 8.0)]
        );
        // A fourth node that never fails keeps the parallel system up.
        assert_eq!(
            system_outages(&all_down, &Membership::fixed(3), SystemRule::Any).down,
            vec![]
        );
    }

    #[test]
    fn handover_at_one_instant_is_no_outage() {
        let handover = [outage(0, 0.0, 10.0), outage(1, 10.0, 20.0)];
        assert_eq!(
            system_outages(&handover, &Membership::fixed(2), SystemRule::Any).down,
            vec![]
        );
        assert_eq!(
            system_outages(&handover, &Membership::fixed(2), SystemRule::All).down,
            vec![(0.0, 20.0)]
        );
    }

    #[test]
    fn a_node_that_never_returns_keeps_the_system_down() {
        let gone = [outage(0, 5.0, f64::INFINITY)];
        assert_eq!(
            system_outages(&gone, &Membership::fixed(2), SystemRule::All).down,
            vec![(5.0, f64::INFINITY)]
        );
        assert_eq!(
            system_outages(&gone, &Membership::fixed(2), SystemRule::AtLeast(1)).down,
            vec![]
        );
    }
}
