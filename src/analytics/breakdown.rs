//! `--by` breakdowns: the fleet formulas applied to slices of the trace.
//!
//! - `node`: one row per node (the same figures as the node list);
//! - `group`: the nodes sharing a `group` attribute, as a fleet of their own (nodes without
//!   one form the group `-`);
//! - `fault` and `cause`: only the outages of one fault class or root cause, over the whole
//!   fleet's observed time, i.e. the availability the fleet would have if that were the only
//!   kind of outage;
//! - `month`: each calendar month (UTC; numeric times count from 1970-01-01) clipped to the
//!   window is a window of its own.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate};
use polars::prelude::PolarsResult;
use serde::Serialize;

use super::frame::{Key, OutageFrame, Totals};
use super::metrics::Metrics;
use super::window::Window;
use crate::trace::builder::natural_cmp;
use crate::trace::time::epoch_seconds;
use crate::trace::{Fault, Trace};

/// The slicing of `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    /// One row per node.
    Node,
    /// One row per fault class.
    Fault,
    /// One row per `group` attribute.
    Group,
    /// One row per root cause.
    Cause,
    /// One row per calendar month.
    Month,
}

impl FromStr for Breakdown {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "node" => Ok(Breakdown::Node),
            "fault" => Ok(Breakdown::Fault),
            "group" => Ok(Breakdown::Group),
            "cause" => Ok(Breakdown::Cause),
            "month" => Ok(Breakdown::Month),
            _ => Err(format!(
                "unknown breakdown `{s}`; use node, fault, group, cause or month"
            )),
        }
    }
}

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// The slice's name: node, fault class, group, cause or `YYYY-MM`.
    pub group: String,
    /// Nodes whose time is observed in this row.
    pub nodes: u64,
    /// The figures.
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// What the breakdown needs from the main analysis.
pub struct Inputs<'a> {
    /// The trace.
    pub trace: &'a Trace,
    /// The window.
    pub window: &'a Window,
    /// Per-node downtime and failures, indexed by node id.
    pub node_totals: &'a [(f64, u64)],
}

/// Computes the rows of one breakdown.
pub fn breakdown(by: Breakdown, inputs: &Inputs<'_>) -> PolarsResult<Vec<GroupRow>> {
    let trace = inputs.trace;
    let population = trace.population();
    let fleet_time = population as f64 * inputs.window.seconds;
    let slice = |name: String, totals: &Totals| GroupRow {
        group: name,
        nodes: population,
        metrics: Metrics::from_totals(fleet_time, totals.downtime_s, totals.failures),
    };
    Ok(match by {
        Breakdown::Node => trace
            .nodes
            .iter()
            .zip(inputs.node_totals)
            .map(|(node, &(down, failures))| GroupRow {
                group: node.name.clone(),
                nodes: 1,
                metrics: Metrics::from_totals(inputs.window.seconds, down, failures),
            })
            .collect(),
        Breakdown::Group => {
            let mut groups: BTreeMap<&str, (u64, f64, u64)> = BTreeMap::new();
            for (node, &(down, failures)) in trace.nodes.iter().zip(inputs.node_totals) {
                let entry = groups.entry(node.group().unwrap_or("-")).or_default();
                entry.0 += 1;
                entry.1 += down;
                entry.2 += failures;
            }
            if trace.unnamed_nodes > 0 {
                groups.entry("-").or_default().0 += trace.unnamed_nodes;
            }
            let mut groups: Vec<_> = groups.into_iter().collect();
            groups.sort_by(|a, b| natural_cmp(a.0, b.0));
            groups
                .into_iter()
                .map(|(name, (nodes, down, failures))| GroupRow {
                    group: name.to_string(),
                    nodes,
                    metrics: Metrics::from_totals(
                        nodes as f64 * inputs.window.seconds,
                        down,
                        failures,
                    ),
                })
                .collect()
        }
        Breakdown::Fault => OutageFrame::new(&trace.outages, &[Key::Fault])?
            .totals_by(Key::Fault, inputs.window)?
            .iter()
            .map(|t| slice(Fault::ALL[t.key as usize].name().to_string(), t))
            .collect(),
        Breakdown::Cause => OutageFrame::new(&trace.outages, &[Key::Cause])?
            .totals_by(Key::Cause, inputs.window)?
            .iter()
            .map(|t| slice(trace.causes[t.key as usize].clone(), t))
            .collect(),
        Breakdown::Month => {
            let frame = OutageFrame::new(&trace.outages, &[])?;
            months(inputs.window)
                .into_iter()
                .map(|(name, month)| {
                    let (down, failures) = frame
                        .totals_by(Key::Node, &month)?
                        .iter()
                        .fold((0.0, 0), |(d, f), t| (d + t.downtime_s, f + t.failures));
                    Ok(GroupRow {
                        group: name,
                        nodes: population,
                        metrics: Metrics::from_totals(
                            population as f64 * month.seconds,
                            down,
                            failures,
                        ),
                    })
                })
                .collect::<PolarsResult<_>>()?
        }
    })
}

/// The calendar months (UTC) overlapping the window, each clipped to it, named `YYYY-MM`.
pub fn months(window: &Window) -> Vec<(String, Window)> {
    let month_start = |seconds: f64| {
        DateTime::from_timestamp(seconds.floor() as i64, 0)
            .and_then(|dt| NaiveDate::from_ymd_opt(dt.year(), dt.month(), 1))
    };
    let mut result = Vec::new();
    let Some(mut first) = month_start(window.start) else {
        return result;
    };
    while let Some(next) = first.checked_add_months(chrono::Months::new(1)) {
        let (from, to) = (
            epoch_seconds(&first.and_time(chrono::NaiveTime::MIN)),
            epoch_seconds(&next.and_time(chrono::NaiveTime::MIN)),
        );
        if from >= window.end {
            break;
        }
        if let Some(clipped) = Window::new(from.max(window.start), to.min(window.end)) {
            result.push((first.format("%Y-%m").to_string(), clipped));
        }
        first = next;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::time::parse_datetime;

    #[test]
    fn months_are_calendar_months_clipped_to_the_window() {
        let start = parse_datetime("2004-01-15").unwrap();
        let end = parse_datetime("2004-03-10").unwrap();
        let got = months(&Window::new(start, end).unwrap());
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["2004-01", "2004-02", "2004-03"]);
        assert_eq!(got[0].1.seconds, 17.0 * 86_400.0);
        assert_eq!(got[1].1.seconds, 29.0 * 86_400.0); // 2004 is a leap year
        assert_eq!(got[2].1.seconds, 9.0 * 86_400.0);
    }
}
