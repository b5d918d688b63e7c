//! Availability analytics: from a canonical [`Trace`] to the figures of `faultline analyze`.
//!
//! [`analyze`] fixes the observation window (the trace's span unless given), computes per-node
//! downtime and failures in one pass ([`window`]), applies the formulas of [`metrics`] per node,
//! for the fleet (summed over every node, including the declared population that never failed)
//! and for the system under a redundancy rule ([`system`]), and optionally breaks the fleet down
//! ([`breakdown`], grouped with polars in [`frame`]) and summarises non-repairable lifetimes
//! ([`lifetimes`]).
//!
//! The result, [`Analysis`], is a plain `Serialize` struct whose JSON keys are those of
//! DESIGN.md; polars never leaves this module.

pub mod breakdown;
pub mod failover;
pub mod frame;
pub mod lifetimes;
pub mod metrics;
pub mod system;
pub mod window;

use std::collections::HashMap;

use serde::Serialize;
use thiserror::Error;

use crate::trace::{NodeId, TimeKind, Trace};
use breakdown::{Breakdown, GroupRow, Inputs};
use lifetimes::{LifetimeSummary, Observed};
use metrics::Metrics;
use system::{SystemRule, system_outages};
use window::{Window, clip_totals, per_node_totals};

/// What `analyze` should compute.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// The window and how its bounds were written; `None` = the trace's span.
    pub window: Option<(Window, TimeKind)>,
    /// The redundancy rule of the system row.
    pub system: SystemRule,
    /// An optional breakdown.
    pub by: Option<Breakdown>,
    /// Treat units as non-repairable.
    pub non_repairable: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        Self {
            window: None,
            system: SystemRule::All,
            by: None,
            non_repairable: false,
        }
    }
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
    /// Number of nodes, including declared ones that never failed.
    pub nodes: u64,
    /// The figures.
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// The system's figures under a redundancy rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemRow {
    /// The rule (`all`, `any`, `quorum`, `k:K`).
    pub rule: SystemRule,
    /// The figures.
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// Everything `faultline analyze` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The observation window.
    pub window: Window,
    /// How the trace writes times (for display).
    #[serde(skip)]
    pub time_kind: TimeKind,
    /// Per-node figures, in trace order.
    pub nodes: Vec<NodeRow>,
    /// Fleet figures.
    pub fleet: FleetRow,
    /// System figures.
    pub system: SystemRow,
    /// The breakdown, with `--by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupRow>>,
    /// Lifetimes of non-repairable units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetimes: Option<LifetimeSummary>,
    /// Input the readers or the analysis tolerated.
    pub warnings: Vec<String>,
}

/// Analyses a trace.
pub fn analyze(trace: &Trace, options: &AnalyzeOptions) -> Result<Analysis, AnalyzeError> {
    let window = match options.window {
        Some((window, kind)) => {
            if kind != trace.time_kind {
                return Err(AnalyzeError::WindowKind {
                    trace: trace.time_kind,
                    window: kind,
                });
            }
            window
        }
        None => {
            Window::new(trace.span.0, trace.span.1).ok_or(AnalyzeError::EmptySpan(trace.span.0))?
        }
    };
    let mut warnings = trace.warnings.clone();
    let node_totals = per_node_totals(&trace.outages, trace.nodes.len(), &window);
    let groups = options
        .by
        .map(|by| {
            let inputs = Inputs {
                trace,
                window: &window,
                node_totals: &node_totals,
            };
            breakdown::breakdown(by, &inputs)
        })
        .transpose()?;
    let mut nodes: Vec<NodeRow> = trace
        .nodes
        .iter()
        .zip(&node_totals)
        .map(|(node, &(down, failures))| NodeRow {
            node: node.name.clone(),
            metrics: Metrics::from_totals(window.seconds, down, failures),
        })
        .collect();
    let population = trace.population();
    let (fleet_down, fleet_failures) = node_totals
        .iter()
        .fold((0.0, 0), |(d, f), &(down, failures)| {
            (d + down, f + failures)
        });
    let mut fleet = FleetRow {
        nodes: population,
        metrics: Metrics::from_totals(
            population as f64 * window.seconds,
            fleet_down,
            fleet_failures,
        ),
    };
    let system_down = system_down_intervals(trace, options.system, &window);
    let (down, failures) = clip_totals(system_down.iter().copied(), &window);
    let mut system = SystemRow {
        rule: options.system,
        metrics: Metrics::from_totals(window.seconds, down, failures),
    };
    let lifetimes = if options.non_repairable || !trace.repairable {
        if !options.non_repairable {
            warnings.push(
                "the source records non-repairable units: MTTF is the mean time to first \
                 failure, MTBF and MTTR do not apply"
                    .to_string(),
            );
        }
        let lives = observed_lives(trace, &window, &mut warnings);
        for (id, row) in nodes.iter_mut().enumerate() {
            let life = lives.get(&(id as NodeId)).copied();
            as_non_repairable(
                &mut row.metrics,
                life.filter(|l| l.failed).map(|l| l.life_s),
            );
        }
        let mut all: Vec<Observed> = lives.into_values().collect();
        let unnamed = Observed {
            life_s: window.seconds,
            failed: false,
        };
        all.extend(std::iter::repeat_n(unnamed, trace.unnamed_nodes as usize));
        let summary = lifetimes::summarize(all);
        as_non_repairable(&mut fleet.metrics, summary.mttf_s);
        let first_system_failure = system_down
            .iter()
            .find(|(start, _)| window.counts_failure(*start))
            .map(|(start, _)| start - window.start);
        as_non_repairable(&mut system.metrics, first_system_failure);
        Some(summary)
    } else {
        None
    };
    Ok(Analysis {
        window,
        time_kind: trace.time_kind,
        nodes,
        fleet,
        system,
        groups,
        lifetimes,
        warnings,
    })
}

/// The system's down intervals under `rule` (unclipped; the window matters to active-passive,
/// which starts on the first node up at the window's start).
pub fn system_down_intervals(trace: &Trace, rule: SystemRule, window: &Window) -> Vec<(f64, f64)> {
    match rule {
        SystemRule::ActivePassive(failover) => {
            failover::active_passive_outages(trace, window.start, window.end, failover)
        }
        rule => system_outages(&trace.outages, trace.population(), rule),
    }
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

/// Rewrites repairable figures for a non-repairable unit: MTTF is the time to first failure,
/// MTBF and MTTR do not exist.
fn as_non_repairable(metrics: &mut Metrics, time_to_first_failure: Option<f64>) {
    metrics.mttf_s = time_to_first_failure;
    metrics.mtbf_s = None;
    metrics.mttr_s = None;
}

/// Each unit's observed life inside the window, by node id.
///
/// Recorded lifetimes (Backblaze) are clipped to the window. Otherwise every unit is born at the
/// window start and lives until its first outage that starts in the window, or is censored at
/// the window end; a unit already down at the window start failed before observation began and
/// is left out (with a warning).
fn observed_lives(
    trace: &Trace,
    window: &Window,
    warnings: &mut Vec<String>,
) -> HashMap<NodeId, Observed> {
    let mut lives = HashMap::new();
    if !trace.lifetimes.is_empty() {
        for l in &trace.lifetimes {
            if l.end < window.start || l.birth >= window.end {
                continue;
            }
            let birth = l.birth.max(window.start);
            let failed = l.failed && l.end < window.end;
            let end = l.end.min(window.end);
            lives.insert(
                l.node,
                Observed {
                    life_s: end - birth,
                    failed,
                },
            );
        }
        return lives;
    }
    let mut down_at_start = 0u64;
    for id in 0..trace.nodes.len() as NodeId {
        let outages = trace.outages_of(id);
        if outages
            .iter()
            .any(|o| o.start < window.start && o.end > window.start)
        {
            down_at_start += 1;
            continue;
        }
        let first = outages.iter().find(|o| window.counts_failure(o.start));
        let observed = match first {
            Some(o) => Observed {
                life_s: o.start - window.start,
                failed: true,
            },
            None => Observed {
                life_s: window.seconds,
                failed: false,
            },
        };
        lives.insert(id, observed);
    }
    if down_at_start > 0 {
        warnings.push(format!(
            "{down_at_start} unit(s) were already down when the window starts; they failed \
             before observation began and are left out of the lifetimes"
        ));
    }
    lives
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
        assert_eq!(a.fleet.metrics, Metrics::from_totals(200.0, 25.0, 3));
        assert_eq!(a.fleet.metrics.mttr_s, Some(25.0 / 3.0));
        // Series: down 10-20, 50-55, 90-100.
        assert_eq!(a.system.metrics, Metrics::from_totals(100.0, 25.0, 3));
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
                system: SystemRule::Quorum,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a.fleet.nodes, 4);
        assert_eq!(a.fleet.metrics, Metrics::from_totals(400.0, 15.0, 2));
        // Two of four up is no strict majority: down 5-10.
        assert_eq!(a.system.metrics, Metrics::from_totals(100.0, 5.0, 1));
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
        assert_eq!(a.fleet.metrics.mttf_s, Some(12.0));
        assert_eq!(a.nodes[0].metrics.mttf_s, Some(10.0));
        assert_eq!(a.fleet.metrics.mtbf_s, None);
        let l = a.lifetimes.unwrap();
        assert_eq!((l.units, l.failed, l.censored), (3, 3, 0));
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
