//! Availability analytics: from a canonical [`Trace`] to the figures of `faultline analyze`.
//!
//! [`analyze`] fixes the observation window (the trace's span unless given), gives every node
//! its own window inside it ([`observation`]: the node's service window, so a node installed
//! mid-way is observed only from then), computes per-node downtime and failures in one pass,
//! applies the formulas of [`metrics`] per node, for the fleet (summed over every node observed,
//! including the declared population that never failed) and for the system under a redundancy
//! rule over the nodes in service at each instant ([`system`]) or an expression of rules over
//! selections of nodes ([`system_expr`], which also gives the availability the expression would
//! have with independent failures), and optionally breaks the fleet down ([`breakdown`], grouped
//! with polars in [`frame`]). Units that are replaced rather than
//! repaired get lifetime statistics instead of availability ([`lifetimes`]).
//!
//! The result, [`Analysis`], is a plain `Serialize` struct whose JSON keys are documented in the
//! README; polars never leaves this module.

pub mod breakdown;
pub mod failover;
pub mod frame;
pub mod lifetimes;
pub mod metrics;
pub mod observation;
pub mod system;
pub mod system_expr;
pub mod window;

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;

use crate::trace::builder::natural_cmp;
use crate::trace::{NodeId, Outage, TimeKind, Trace};
use breakdown::{Breakdown, GroupRow, Inputs};
use lifetimes::{GroupLifetimes, Lifetimes, Unit};
use metrics::Metrics;
use observation::{Observation, outside};
use system::{Membership, SystemRule, SystemTimeline, system_outages};
use system_expr::independence::{self, Independence};
use system_expr::select::resolve;
use system_expr::{Diagram, SelectError, SystemExpr, eval};
use window::{Window, clip_totals};

/// What `analyze` should compute; by default over the trace's span, the system in series, no
/// breakdown, repairable units.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// The window and how its bounds were written; `None` = the trace's span.
    pub window: Option<(Window, TimeKind)>,
    /// The redundancy rule or expression of the system row.
    pub system: SystemExpr,
    /// An optional breakdown.
    pub by: Option<Breakdown>,
    /// Treat units as non-repairable.
    pub non_repairable: bool,
}

/// Why an analysis could not be done.
#[derive(Debug, Error)]
pub enum AnalyzeError {
    /// The window's bounds are of another kind than the trace's times.
    #[error(
        "--window: the trace's times are {trace:?}s but the window is given as {window:?}s; \
         write the window the way the trace writes times"
    )]
    WindowKind {
        /// How the trace writes times.
        trace: TimeKind,
        /// How the window was written.
        window: TimeKind,
    },
    /// The trace spans no time, so no default window exists.
    #[error("the trace spans no time (everything happens at {0}); give --window START,END")]
    EmptySpan(f64),
    /// `k:K` asks for more nodes than are ever in service at once.
    #[error(
        "--system k:{k}: the system needs {k} nodes up but at most {nodes} are in service at \
         once; give K from 1 to {nodes}, or declare the other nodes with --population"
    )]
    RuleTooLarge {
        /// The K asked for.
        k: u64,
        /// The nodes there are.
        nodes: u64,
    },
    /// A system expression does not fit the trace's nodes.
    #[error(transparent)]
    Select(#[from] SelectError),
    /// No node is in service at any time in the window.
    #[error(
        "no node is in service at any time in the window; check --window against the \
         nodes' service dates"
    )]
    NothingObserved,
    /// polars failed (a bug, not bad input).
    #[error("internal error in the analytics engine")]
    Engine(#[from] polars::prelude::PolarsError),
}

/// One node's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    /// The node's name.
    pub node: String,
    /// Its figures.
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// The fleet's figures: every node's time summed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetRow {
    /// Number of nodes observed, including declared ones that never failed.
    pub nodes: u64,
    /// The figures.
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// The system's figures under a redundancy rule or expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemRow {
    /// The rule (`all`, `any`, `quorum`, `k:K`, ...) or expression, in canonical form.
    pub rule: SystemExpr,
    /// The figures.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// With an expression: the availability it would have with independent node failures,
    /// beside the trace's (no keys with a rule alone, whose output predates expressions).
    #[serde(flatten)]
    pub independent: Option<Independence>,
}

/// Everything `faultline analyze` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The observation window.
    pub window: Window,
    /// How the trace writes times (for display).
    #[serde(skip)]
    pub time_kind: TimeKind,
    /// Per-node figures of the nodes observed, in trace order (empty for non-repairable
    /// units, whose figures are in `lifetimes`).
    pub nodes: Vec<NodeRow>,
    /// Fleet figures; null for non-repairable units.
    pub fleet: Option<FleetRow>,
    /// System figures; null for non-repairable units.
    pub system: Option<SystemRow>,
    /// Which breakdown `groups` holds (`node`, `fault`, `group`, `cause` or `month`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Breakdown>,
    /// The breakdown, with `--by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupRow>>,
    /// Lifetimes of non-repairable units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetimes: Option<Lifetimes>,
    /// Input the readers or the analysis tolerated.
    pub warnings: Vec<String>,
}

/// Analyses a trace.
pub fn analyze(trace: &Trace, options: &AnalyzeOptions) -> Result<Analysis, AnalyzeError> {
    let window = window_of(trace, options)?;
    let observation = Observation::new(trace, &window);
    if observation.unobserved == trace.nodes.len() as u64 && trace.unnamed_nodes == 0 {
        return Err(AnalyzeError::NothingObserved);
    }
    let mut warnings = trace.warnings.clone();
    warnings.extend(observation.warnings());
    if options.non_repairable || !trace.repairable {
        if !options.non_repairable {
            warnings.push(
                "the source records units that are replaced, not repaired: lifetimes \
                 (AFR, MTTF from exposure, Weibull, Kaplan–Meier) replace availability"
                    .to_string(),
            );
        }
        if let Some(by) = options.by.filter(|by| *by != Breakdown::Group) {
            warnings.push(format!(
                "--by {} does not apply to units that are replaced, not repaired; their \
                 lifetimes are given per group",
                by.name()
            ));
        }
        if options.system != SystemExpr::default() {
            warnings.push(format!(
                "--system {} does not apply to units that are replaced, not repaired",
                options.system
            ));
        }
        let lifetimes = non_repairable(trace, &window, &observation, &mut warnings);
        return Ok(Analysis {
            window,
            time_kind: trace.time_kind,
            nodes: Vec::new(),
            fleet: None,
            system: None,
            by: None,
            groups: None,
            lifetimes: Some(lifetimes),
            warnings,
        });
    }
    let system = resolve_system(trace, &options.system)?;
    let node_totals = observation.node_totals(&trace.outages);
    let groups = options
        .by
        .map(|by| {
            let inputs = Inputs {
                trace,
                window: &window,
                observation: &observation,
                node_totals: &node_totals,
            };
            breakdown::breakdown(by, &inputs)
        })
        .transpose()?;
    // By node id; `None` for a node not observed in the window.
    let node_metrics: Vec<Option<Metrics>> = node_totals
        .iter()
        .zip(&observation.windows)
        .map(|(&(down, failures), observed)| {
            observed.map(|w| Metrics::from_totals(w.seconds, down, failures))
        })
        .collect();
    let nodes: Vec<NodeRow> = trace
        .nodes
        .iter()
        .zip(&node_metrics)
        .filter_map(|(node, metrics)| {
            metrics.map(|metrics| NodeRow {
                node: node.name.clone(),
                metrics,
            })
        })
        .collect();
    let unnamed_exposure = trace.unnamed_nodes as f64 * window.seconds;
    let (exposure, fleet_down, fleet_failures) =
        nodes
            .iter()
            .fold((unnamed_exposure, 0.0, 0), |(t, d, f), row| {
                (
                    t + row.metrics.exposure_s,
                    d + row.metrics.downtime_s,
                    f + row.metrics.failures,
                )
            });
    let fleet = FleetRow {
        nodes: nodes.len() as u64 + trace.unnamed_nodes,
        metrics: Metrics::from_totals(exposure, fleet_down, fleet_failures),
    };
    let timeline = timeline_of(trace, &system, &window);
    let (down, failures) = clip_totals(timeline.down.iter().copied(), &window);
    let (idle, _) = clip_totals(timeline.idle.iter().copied(), &window);
    let metrics = Metrics::from_totals(window.seconds - idle, down, failures);
    let independent = match &system {
        ResolvedSystem::Rule(_) => None,
        ResolvedSystem::Diagram(diagram) => {
            let availability: Vec<Option<f64>> = node_metrics
                .iter()
                .map(|m| m.map(|m| m.availability))
                .collect();
            Some(Independence::new(
                independence::availability(diagram, &availability),
                &metrics,
            ))
        }
    };
    let system = SystemRow {
        rule: options.system.clone(),
        metrics,
        independent,
    };
    Ok(Analysis {
        window,
        time_kind: trace.time_kind,
        nodes,
        fleet: Some(fleet),
        system: Some(system),
        by: options.by,
        groups,
        lifetimes: None,
        warnings,
    })
}

/// The outages inside each node's service window (clipped to it), for the system sweep.
pub(crate) fn in_service(trace: &Trace) -> impl Iterator<Item = Outage> + '_ {
    trace.outages.iter().filter_map(|o| {
        let service = trace.nodes[o.node as usize].service;
        if outside(o, &service) {
            return None;
        }
        let mut clipped = *o;
        clipped.start = o.start.max(service.start);
        clipped.end = o.end.min(service.end);
        Some(clipped)
    })
}

/// The membership of a trace's nodes: who is in service when.
fn membership(trace: &Trace) -> Membership {
    Membership::of(
        trace.nodes.iter().map(|node| node.service),
        trace.unnamed_nodes,
    )
}

/// `--system` checked against the trace: a rule alone, or an expression resolved to nodes.
enum ResolvedSystem {
    Rule(SystemRule),
    Diagram(Diagram),
}

/// Checks `system` against the trace's nodes: `k:K` alone needs K nodes in service at once,
/// and an expression's selectors must pick nodes.
fn resolve_system(trace: &Trace, system: &SystemExpr) -> Result<ResolvedSystem, AnalyzeError> {
    match system {
        SystemExpr::Rule(rule) => {
            if let SystemRule::AtLeast(k) = *rule {
                let most = membership(trace).most_at_once();
                if k > most {
                    return Err(AnalyzeError::RuleTooLarge { k, nodes: most });
                }
            }
            Ok(ResolvedSystem::Rule(*rule))
        }
        SystemExpr::Expr(expr) => Ok(ResolvedSystem::Diagram(resolve(expr, trace)?)),
    }
}

fn timeline_of(trace: &Trace, system: &ResolvedSystem, window: &Window) -> SystemTimeline {
    match system {
        ResolvedSystem::Rule(rule) => rule_timeline(trace, *rule, window),
        ResolvedSystem::Diagram(diagram) => eval::timeline(trace, diagram),
    }
}

/// The system's timeline under `system` (unclipped; the window matters to active-passive,
/// which starts on the first node up at the window's start).
pub fn system_timeline(
    trace: &Trace,
    system: &SystemExpr,
    window: &Window,
) -> Result<SystemTimeline, AnalyzeError> {
    Ok(timeline_of(trace, &resolve_system(trace, system)?, window))
}

/// The system's timeline under a rule over every node.
fn rule_timeline(trace: &Trace, rule: SystemRule, window: &Window) -> SystemTimeline {
    let dated = trace.nodes.iter().any(|n| n.service.is_dated());
    match rule {
        SystemRule::ActivePassive(failover) => {
            let down = failover::active_passive_outages(trace, window.start, window.end, failover);
            let idle = if dated {
                system_outages(&[], &membership(trace), SystemRule::Any).idle
            } else {
                Vec::new()
            };
            // Idle time is not observed, so it is not downtime either.
            let down = down.into_iter().flat_map(|d| subtract(d, &idle)).collect();
            SystemTimeline { down, idle }
        }
        rule if dated => {
            let outages: Vec<Outage> = in_service(trace).collect();
            system_outages(&outages, &membership(trace), rule)
        }
        rule => system_outages(&trace.outages, &Membership::fixed(trace.population()), rule),
    }
}

/// `interval` minus the sorted, disjoint `holes`.
fn subtract((start, end): (f64, f64), holes: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut pieces = Vec::new();
    let mut from = start;
    for &(a, b) in holes {
        if b <= from || a >= end {
            continue;
        }
        if a > from {
            pieces.push((from, a));
        }
        from = from.max(b);
    }
    if from < end || (start == end && pieces.is_empty() && from == start) {
        pieces.push((from, end));
    }
    pieces
}

/// The window `analyze` uses: the one given (of the trace's kind of time), or the trace's span.
pub fn window_of(trace: &Trace, options: &AnalyzeOptions) -> Result<Window, AnalyzeError> {
    match options.window {
        Some((window, kind)) => {
            if kind != trace.time_kind {
                return Err(AnalyzeError::WindowKind {
                    trace: trace.time_kind,
                    window: kind,
                });
            }
            Ok(window)
        }
        None => {
            Window::new(trace.span.0, trace.span.1).ok_or(AnalyzeError::EmptySpan(trace.span.0))
        }
    }
}

/// Each observed unit's life, by node id: from its entry into observation until its first
/// failure or the end of its window, as ages since its own start (the service start when the
/// source dates it, else the window start).
///
/// A unit whose first failure came before its observation began is not at risk any more and
/// is left out (counted in a warning).
pub fn units(
    trace: &Trace,
    window: &Window,
    observation: &Observation,
    warnings: &mut Vec<String>,
) -> Vec<(NodeId, Unit)> {
    let mut units = Vec::new();
    let mut failed_before = 0u64;
    for (id, (node, observed)) in trace.nodes.iter().zip(&observation.windows).enumerate() {
        let Some(observed) = observed else { continue };
        let birth = if node.service.start.is_finite() {
            node.service.start
        } else {
            window.start
        };
        let outages = trace.outages_of(id as NodeId);
        // Failed after its start but before observation, or down when observation began.
        let failed_earlier = outages
            .iter()
            .any(|o| o.start < observed.start && (o.start >= birth || o.end > observed.start));
        if failed_earlier {
            failed_before += 1;
            continue;
        }
        let first = outages.iter().find(|o| observed.counts_failure(o.start));
        let (end, failed) = match first {
            Some(o) => (o.start, true),
            None => (observed.end, false),
        };
        units.push((
            id as NodeId,
            Unit {
                entry_s: observed.start - birth,
                exit_s: end - birth,
                failed,
            },
        ));
    }
    if failed_before > 0 {
        warnings.push(format!(
            "{failed_before} unit(s) failed before their observation began; they were no longer \
             at risk and are left out of the lifetimes"
        ));
    }
    units
}

/// Lifetime figures of the fleet and of each group.
fn non_repairable(
    trace: &Trace,
    window: &Window,
    observation: &Observation,
    warnings: &mut Vec<String>,
) -> Lifetimes {
    let observed = units(trace, window, observation, warnings);
    let mut all: Vec<Unit> = observed.iter().map(|(_, u)| *u).collect();
    let unnamed = Unit {
        entry_s: 0.0,
        exit_s: window.seconds,
        failed: false,
    };
    all.extend(std::iter::repeat_n(unnamed, trace.unnamed_nodes as usize));
    let mut by_group: BTreeMap<&str, Vec<Unit>> = BTreeMap::new();
    for (id, unit) in &observed {
        if let Some(group) = trace.nodes[*id as usize].group() {
            by_group.entry(group).or_default().push(*unit);
        }
    }
    let mut groups: Vec<GroupLifetimes> = by_group
        .into_iter()
        .map(|(group, units)| GroupLifetimes {
            group: group.to_string(),
            summary: lifetimes::summarize(&units),
        })
        .collect();
    groups.sort_by(|a, b| {
        b.summary
            .afr
            .unwrap_or(0.0)
            .total_cmp(&a.summary.afr.unwrap_or(0.0))
            .then_with(|| natural_cmp(&a.group, &b.group))
    });
    Lifetimes {
        fleet: lifetimes::summarize(&all),
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Fault, TraceBuilder};

    fn trace(outages: &[(&str, f64, f64)]) -> Trace {
        let mut b = TraceBuilder::new();
        for &(name, start, end) in outages {
            let node = b.node(name);
            b.outage(node, start, end, Fault::Unknown, None);
        }
        b.finish().unwrap()
    }

    fn window(start: f64, end: f64) -> Option<(Window, TimeKind)> {
        Some((Window::new(start, end).unwrap(), TimeKind::Number))
    }

    #[test]
    fn hand_computed_two_node_fleet() {
        // Window [0,100): n1 down 10-20 and 50-55; n2 down 90-110.
        let t = trace(&[("n1", 10.0, 20.0), ("n1", 50.0, 55.0), ("n2", 90.0, 110.0)]);
        let a = analyze(
            &t,
            &AnalyzeOptions {
                window: window(0.0, 100.0),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a.nodes[0].metrics, Metrics::from_totals(100.0, 15.0, 2));
        assert_eq!(a.nodes[1].metrics, Metrics::from_totals(100.0, 10.0, 1));
        assert_eq!(
            a.fleet.as_ref().unwrap().metrics,
            Metrics::from_totals(200.0, 25.0, 3)
        );
        assert_eq!(a.fleet.as_ref().unwrap().metrics.mttr_s, Some(25.0 / 3.0));
        // Series: down 10-20, 50-55, 90-100.
        assert_eq!(
            a.system.as_ref().unwrap().metrics,
            Metrics::from_totals(100.0, 25.0, 3)
        );
    }

    #[test]
    fn default_window_is_the_span() {
        let t = trace(&[("n1", 10.0, 20.0), ("n2", 30.0, 50.0)]);
        let a = analyze(&t, &AnalyzeOptions::default()).unwrap();
        assert_eq!(a.window, Window::new(10.0, 50.0).unwrap());
    }

    #[test]
    fn population_counts_in_fleet_and_system() {
        let mut t = trace(&[("n1", 0.0, 10.0), ("n2", 5.0, 10.0)]);
        t.declare_population(&crate::trace::Population::Count(4))
            .unwrap();
        let a = analyze(
            &t,
            &AnalyzeOptions {
                window: window(0.0, 100.0),
                system: SystemRule::Quorum.into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a.fleet.as_ref().unwrap().nodes, 4);
        assert_eq!(
            a.fleet.as_ref().unwrap().metrics,
            Metrics::from_totals(400.0, 15.0, 2)
        );
        // Two of four up is no strict majority: down 5-10.
        assert_eq!(
            a.system.as_ref().unwrap().metrics,
            Metrics::from_totals(100.0, 5.0, 1)
        );
    }

    #[test]
    fn the_seed_non_repairable_example() {
        let t = trace(&[("u1", 10.0, 10.0), ("u2", 12.0, 12.0), ("u3", 14.0, 14.0)]);
        let a = analyze(
            &t,
            &AnalyzeOptions {
                window: window(0.0, 20.0),
                non_repairable: true,
                ..Default::default()
            },
        )
        .unwrap();
        let l = a.lifetimes.unwrap().fleet;
        assert_eq!(l.mean_failed_life_s, Some(12.0));
        assert_eq!((l.units, l.failed, l.censored), (3, 3, 0));
        assert_eq!(l.exposure_s, 36.0);
        assert!(a.fleet.is_none() && a.system.is_none());
    }

    /// A node installed mid-window, one retired, one never failing (DESIGN: observation
    /// windows). Window [0, 100):
    /// - `a` in service for ever, down 10-20: T 100, down 10, 1 failure;
    /// - `b` installed at 40, down 50-55 and (before installation) 20-30: T 60, down 5, 1
    ///   failure, the early outage outside service;
    /// - `c` retired at 50, down 45-60: T 50, down 5 (clipped), 1 failure;
    /// - `d` never fails: T 100.
    fn dated() -> Trace {
        let mut b = TraceBuilder::new();
        let ids: Vec<NodeId> = ["a", "b", "c", "d"].iter().map(|n| b.node(n)).collect();
        b.outage(ids[0], 10.0, 20.0, Fault::Unknown, None);
        b.outage(ids[1], 20.0, 30.0, Fault::Unknown, None);
        b.outage(ids[1], 50.0, 55.0, Fault::Unknown, None);
        b.outage(ids[2], 45.0, 60.0, Fault::Unknown, None);
        b.observe(0.0);
        b.observe(100.0);
        b.service_start(ids[1], 40.0);
        b.service_end(ids[2], 50.0);
        b.finish().unwrap()
    }

    #[test]
    fn each_node_is_observed_in_its_own_service_window() {
        let a = analyze(&dated(), &AnalyzeOptions::default()).unwrap();
        let exposure: Vec<f64> = a.nodes.iter().map(|n| n.metrics.exposure_s).collect();
        assert_eq!(exposure, vec![100.0, 60.0, 50.0, 100.0]);
        assert_eq!(a.nodes[1].metrics, Metrics::from_totals(60.0, 5.0, 1));
        assert_eq!(a.nodes[2].metrics, Metrics::from_totals(50.0, 5.0, 1));
        assert_eq!(
            a.fleet.as_ref().unwrap().metrics,
            Metrics::from_totals(310.0, 20.0, 3)
        );
        assert!(
            a.warnings
                .iter()
                .any(|w| w.starts_with("1 outage(s) of 1 node(s) fall outside")),
            "{:?}",
            a.warnings
        );
    }

    #[test]
    fn system_rules_count_the_nodes_in_service() {
        // In service: a, c, d over [0, 40); a, b, c, d over [40, 50); a, b, d over [50, 100).
        // Series: down while a (10-20), c (45-50) or b (50-55) is down.
        let all = analyze(&dated(), &AnalyzeOptions::default()).unwrap();
        assert_eq!(
            all.system.unwrap().metrics,
            Metrics::from_totals(100.0, 20.0, 2)
        );
        // Quorum: never fewer than 2 of 3 or 3 of 4 up, so never down.
        let quorum = analyze(
            &dated(),
            &AnalyzeOptions {
                system: SystemRule::Quorum.into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(quorum.system.unwrap().metrics.downtime_s, 0.0);
        // k:3 fails while a is down (2 of 3 up) and while c or b is down (3 of 4, then 2 of 3).
        let three = analyze(
            &dated(),
            &AnalyzeOptions {
                system: SystemRule::AtLeast(3).into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            three.system.unwrap().metrics,
            Metrics::from_totals(100.0, 15.0, 2)
        );
        assert!(matches!(
            analyze(
                &dated(),
                &AnalyzeOptions {
                    system: SystemRule::AtLeast(5).into(),
                    ..Default::default()
                }
            ),
            Err(AnalyzeError::RuleTooLarge { k: 5, nodes: 4 })
        ));
    }

    #[test]
    fn delayed_entry_ages_count_from_the_service_start() {
        // b installed at 40 fails at 50 (age 10); with the window [45, 100) it enters at age 5.
        let a = analyze(
            &dated(),
            &AnalyzeOptions {
                window: window(45.0, 100.0),
                non_repairable: true,
                ..Default::default()
            },
        )
        .unwrap();
        let l = a.lifetimes.unwrap().fleet;
        // a and c are undated, so their ages count from 45: a's outage at 10 is before its
        // observation and a is censored at 55; c fails at 45, age 0, as it enters (not at risk
        // yet, so the curve does not drop). b fails at age 10 with a, b and d at risk: S = 2/3.
        assert_eq!((l.units, l.failed), (4, 2));
        assert_eq!(l.exposure_s, 55.0 + 5.0 + 0.0 + 55.0);
        assert_eq!(l.km, vec![[10.0, 1.0 - 1.0 / 3.0]]);
    }

    #[test]
    fn a_window_of_the_wrong_kind_is_refused() {
        let t = trace(&[("n1", 10.0, 20.0)]);
        let options = AnalyzeOptions {
            window: Some((Window::new(0.0, 1.0).unwrap(), TimeKind::Datetime)),
            ..Default::default()
        };
        assert!(matches!(
            analyze(&t, &options),
            Err(AnalyzeError::WindowKind { .. })
        ));
    }

    #[test]
    fn an_engine_error_shows_its_cause_once() {
        let err = AnalyzeError::from(polars::prelude::PolarsError::ComputeError("boom".into()));
        assert_eq!(
            format!("{:#}", anyhow::Error::from(err)),
            "internal error in the analytics engine: boom"
        );
    }
}
